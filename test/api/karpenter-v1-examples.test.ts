/**
 * The NodePool/EC2NodeClass shapes Karpenter's own v1 examples use (written here as fixtures in
 * test/fixtures/karpenter-v1): every file validates with `config validate` and plans with `stevedore plan`, and each
 * file's point shows in the plan.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { run as runConfig } from "../../bin/commands/config.js";
import type { CommandIO } from "../../bin/commands/io.js";
import { run as runPlan } from "../../bin/commands/plan.js";
import type { PlanDocument } from "../../lib/plan/plan-document.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/karpenter-v1/", import.meta.url));
const ENV = { CLUSTER_NAME: "demo", STEVEDORE_DYNAMODB_ENDPOINT: "http://127.0.0.1:1" };

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const value: CommandIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: ENV, cwd: process.cwd() };
  return { io: value, out: () => out.join(""), err: () => err.join("") };
}

/** Twelve 1-vCPU pods, for Linux or Windows nodes. */
function workload(os: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: app, namespace: default }
spec:
  replicas: 12
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec:
      nodeSelector: { kubernetes.io/os: ${os} }
      containers: [{ name: app, image: app, resources: { requests: { cpu: "1", memory: 1Gi } } }]
`;
}

let dir: string;
let files: string[];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "stevedore-examples-"));
  await writeFile(join(dir, "linux.yaml"), workload("linux"));
  await writeFile(join(dir, "windows.yaml"), workload("windows"));
  files = (await readdir(FIXTURES)).filter((f) => f.endsWith(".yaml")).sort();
});

async function plan(file: string): Promise<PlanDocument> {
  const pods = join(dir, file.startsWith("windows") ? "windows.yaml" : "linux.yaml");
  const c = io();
  const code = await runPlan(["-f", join(FIXTURES, file), "-f", pods, "-o", "json"], c.io);
  assert.equal(code, 0, `${file}: ${c.err()}`);
  return JSON.parse(c.out()) as PlanDocument;
}

test("every example validates", async () => {
  assert.ok(files.length >= 20);
  const failed: string[] = [];
  for (const file of files) {
    const c = io();
    const code = await runConfig(["validate", join(FIXTURES, file)], c.io);
    if (code !== 0) failed.push(`${file}: ${c.err().trim()}`);
  }
  assert.deepEqual(failed, []);
});

test("every example plans the workload onto new nodes", async () => {
  for (const file of files) {
    const p = await plan(file);
    assert.deepEqual(p.unschedulable, [], file);
    assert.equal(p.summary.scheduled, 12, file);
  }
});

test("each example's point shows in the plan", async () => {
  const family = (t: string) => t.split(".")[0];
  for (const node of (await plan("min-values-family.yaml")).newNodes) {
    assert.ok(new Set(node.instanceTypeOptions.map(family)).size >= 5, JSON.stringify(node.instanceTypeOptions));
  }
  for (const node of (await plan("min-values-multiple-keys.yaml")).newNodes) {
    assert.ok(node.instanceTypeOptions.length >= 10, JSON.stringify(node.instanceTypeOptions));
    assert.ok(new Set(node.instanceTypeOptions.map((t) => t[0])).size >= 2);
  }
  for (const node of (await plan("large-instances.yaml")).newNodes) {
    assert.ok(Number(node.labels["karpenter.k8s.aws/instance-cpu"]) >= 4, node.instanceType);
  }
  for (const node of (await plan("placement-group.yaml")).newNodes) assert.equal(node.zone, "us-east-1a");
  for (const node of (await plan("spot.yaml")).newNodes) assert.equal(node.capacityType, "spot");
  for (const node of (await plan("windows-2022.yaml")).newNodes) {
    assert.equal(node.labels["kubernetes.io/os"], "windows");
  }
  const tuned = (await plan("kubelet.yaml")).newNodes;
  for (const node of tuned) assert.ok(Number(node.allocatable.pods) <= 58, node.allocatable.pods);
});
