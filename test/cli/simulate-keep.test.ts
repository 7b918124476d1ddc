/**
 * `stevedore simulate --keep` as a user runs it: the CLI in a child process runs a short scenario, keeps the fake
 * kube-apiserver (HTTPS), the AWS emulator and dynalite up, and writes `kubeconfig` and `twin.env`. Then `status`,
 * `decisions` and `explain node` answer from the twin's live state, kubectl get/describe/cordon/drain work against
 * it (drain stopped by the scenario's PDB), and Ctrl-C (SIGINT) stops it cleanly.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { run as decisions } from "../../bin/commands/decisions.js";
import { run as explain } from "../../bin/commands/explain.js";
import { run as status } from "../../bin/commands/status.js";
import type { StatusReport } from "../../lib/operator/status-report.js";
import { kubectlPath, runKubectl } from "../support/kubectl.js";
import { runCommand } from "./operator-fixtures.js";

let dir: string;
let child: ChildProcess;
let stdout = "";
let stderr = "";
let exited: Promise<number | null>;
const env: Record<string, string> = {};

/** Resolves once `text` appears on the child's stdout; fails if it exits first or after `ms`. */
function waitForOutput(text: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" after ${ms} ms:\n${stdout}\n${stderr}`)), ms);
    const check = () => {
      if (!stdout.includes(text)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on("data", check);
    void exited.then((code) => reject(new Error(`simulate exited (${code}) early:\n${stdout}\n${stderr}`)));
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "stevedore-keep-"));
  child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "bin/stevedore.ts",
      "simulate",
      "test/cli/fixtures/keep/small.yaml",
      "--keep",
      "--quiet",
      "--out",
      dir,
    ],
    { cwd: process.cwd(), env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
  );
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  await waitForOutput("Ctrl-C stops it", 240_000);
  for (const line of (await readFile(join(dir, "twin.env"), "utf8")).split("\n")) {
    const m = /^export (\w+)='(.*)'$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
});

after(async () => {
  if (child.exitCode === null) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

test("twin.env points at the kept servers and the instructions name each command", () => {
  assert.deepEqual(Object.keys(env).sort(), [
    "AWS_REGION",
    "KUBECONFIG",
    "STEVEDORE_DYNAMODB_ENDPOINT",
    "STEVEDORE_TABLE",
  ]);
  assert.equal(env.KUBECONFIG, join(dir, "kubeconfig"));
  for (const text of ["kubectl get nodes,pods -A", "status --kubeconfig", "decisions --since", "explain node ip-"]) {
    assert.ok(stdout.includes(text), text);
  }
});

test("status, decisions and explain node answer from the kept twin", async () => {
  const s = await runCommand(status, ["-o", "json", "--kubeconfig", env.KUBECONFIG], env);
  assert.equal(s.code, 0, s.stderr);
  const report = JSON.parse(s.stdout) as StatusReport;
  const pool = report.pools.find((p) => p.name === "default");
  assert.ok(pool && pool.nodes >= 1, "the default pool has nodes");
  assert.equal(pool.claims.Initialized, pool.nodes);

  const d = await runCommand(decisions, ["--since", "2h", "--controller", "provisioner"], env);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /provisioner\s+launch\s+pool default/);

  const node = /explain node (\S+)/.exec(stdout)?.[1] ?? "";
  const x = await runCommand(explain, ["node", node, "--kubeconfig", env.KUBECONFIG], env);
  assert.equal(x.code, 0, x.stderr);
  assert.match(x.stdout, new RegExp(`^Node ${node.replaceAll(".", "\\.")}\\n`));
  assert.match(x.stdout, /Launched by the provisioner at .*: pending pods; pods default\/web-/);
  assert.match(x.stdout, /Consolidation\s+blocked\s+consolidateAfter has not passed since the node's last pod event/);
  assert.match(x.stdout, /Expiration\s+not-applicable\s+expires in 2\dh/);

  const unknown = await runCommand(explain, ["node", "ip-10-9-9-9.ec2.internal", "--kubeconfig", env.KUBECONFIG], env);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.trim().split("\n").length, 1);
  assert.match(unknown.stderr, /node "ip-10-9-9-9.ec2.internal" not found/);
});

test("kubectl get, describe, cordon and a PDB-respecting drain work against the kept twin", async (t) => {
  const exe = kubectlPath();
  if (!exe) {
    assert.ok(process.env.CI !== "true", "kubectl is required when CI=true (.ci/run installs kubernetes-client)");
    t.skip("no kubectl on this machine (apt-get install kubernetes-client; required in CI)");
    return;
  }
  const kubectl = (...args: string[]) => runKubectl(exe, env.KUBECONFIG, join(dir, "kube-cache"), args);
  const get = await kubectl("get", "nodes,pods", "-A", "-o", "name");
  assert.equal(get.code, 0, get.stderr);
  const nodes = get.stdout.split("\n").filter((l) => l.startsWith("node/"));
  assert.ok(nodes.length >= 1);
  assert.equal(get.stdout.split("\n").filter((l) => l.startsWith("pod/web-")).length, 4);

  const node = nodes[0].slice("node/".length);
  const describe = await kubectl("describe", "node", node);
  assert.equal(describe.code, 0, describe.stderr);
  assert.match(describe.stdout, /Non-terminated Pods:/);
  assert.match(describe.stdout, /log-agent-/);

  const cordon = await kubectl("cordon", node);
  assert.equal(cordon.code, 0, cordon.stderr);
  // The PDB (minAvailable 4 of 4 web pods) allows no eviction: drain gives up at its timeout, and no web pod goes.
  const drain = await kubectl("drain", node, "--ignore-daemonsets", "--timeout=3s");
  assert.notEqual(drain.code, 0);
  const after = await kubectl("get", "pods", "-n", "default", "-o", "name");
  assert.equal(after.stdout.split("\n").filter((l) => l.startsWith("pod/web-")).length, 4);
  const unschedulable = await kubectl("get", "node", node, "-o", "jsonpath={.spec.unschedulable}");
  assert.equal(unschedulable.stdout, "true");
});

test("Ctrl-C stops the kept twin cleanly", async () => {
  child.kill("SIGINT");
  assert.equal(await exited, 0);
  assert.match(stderr, /stopping/);
});
