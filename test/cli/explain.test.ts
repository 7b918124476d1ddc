import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { run } from "../../bin/commands/explain.js";
import type { PodExplanation } from "../../lib/operator/explain-pod.js";
import { startFakeKube } from "../support/kube.js";
import { runCommand } from "./operator-fixtures.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/explain", import.meta.url));
const POOLS = join(FIXTURES, "pools.yaml");

const explain = (target: string, ...extra: string[]) => runCommand(run, ["-f", FIXTURES, "pod", target, ...extra]);

async function explained(target: string, ...extra: string[]): Promise<PodExplanation> {
  const r = await explain(target, "-o", "json", ...extra);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as PodExplanation;
}

const verdict = (x: PodExplanation, pool: string) => x.pools.find((v) => v.pool === pool);

test("explain: a pod no instance type can hold names the resource and the largest allocatable", async () => {
  const x = await explained("ml/huge");
  assert.deepEqual(
    x.pools.map((v) => `${v.pool} ${v.kind}`),
    ["gpu taint", "capped resources", "default resources"],
  );
  assert.deepEqual(
    [verdict(x, "default")?.resource, verdict(x, "default")?.requested, verdict(x, "default")?.largestAllocatable],
    ["cpu", "200 CPU", "3.92 CPU"],
  );
  assert.equal(x.placement.kind, "unschedulable");
  const text = (await explain("ml/huge")).stdout;
  assert.match(
    text,
    /default\s+resources\s+NodePool "default": the pod requests 200 CPU; the largest allocatable on offer is 3\.92 CPU/,
  );
});

test("explain: a pod kept off the GPU pool by its taint names the pool and the taint", async () => {
  const x = await explained("ml/trainer");
  assert.equal(verdict(x, "gpu")?.kind, "taint");
  assert.equal(verdict(x, "gpu")?.taint, "nvidia.com/gpu=true:NoSchedule");
  assert.equal(verdict(x, "default")?.resource, "nvidia.com/gpu");
  assert.match(
    (await explain("ml/trainer")).stdout,
    /gpu\s+taint\s+NodePool "gpu" has taint nvidia\.com\/gpu=true:NoSchedule, which the pod does not tolerate/,
  );
});

test("explain: a pod blocked by a pool limit names the pool, the limit and its use", async () => {
  const x = await explained("shop/batch");
  assert.deepEqual(verdict(x, "capped")?.limit, { resource: "cpu", limit: "3", used: "2" });
  assert.equal(verdict(x, "default")?.kind, "requirement");
  assert.equal(verdict(x, "default")?.key, "karpenter.sh/provisioner-name");
  assert.deepEqual(verdict(x, "default")?.poolAllows, ["default"]);
  assert.match(
    (await explain("shop/batch")).stdout,
    /capped\s+limit\s+NodePool "capped": limit cpu 3 reached \(2 in use/,
  );
});

test("explain: an impossible nodeSelector names the key and the values the pools allow", async () => {
  const x = await explained("shop/lost");
  const v = verdict(x, "default");
  assert.equal(v?.kind, "requirement");
  assert.equal(v?.key, "topology.kubernetes.io/zone");
  assert.equal(v?.podAsks, "topology.kubernetes.io/zone In [mars-1a]");
  assert.deepEqual(v?.poolAllows, ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]);
});

test("explain: a placeable pod gets its new node and the cheaper types passed over, with why", async () => {
  const x = await explained("shop/web", "--bound");
  assert.equal(verdict(x, "default")?.kind, "fits");
  assert.equal(x.placement.kind, "new-node");
  if (x.placement.kind !== "new-node") return;
  assert.deepEqual(
    [x.placement.pool, x.placement.instanceType, x.placement.capacityType, x.placement.pricePerHour],
    ["default", "m5.large", "on-demand", 0.096],
  );
  assert.deepEqual(
    x.placement.rejectedCheaper.map((r) => `${r.instanceType}: ${r.reason}`),
    [
      "c5.large: too small for what the node holds: 5Gi memory requested, 3.0Gi memory allocatable",
      "m6g.large: excluded by requirement kubernetes.io/arch In [amd64] (it has kubernetes.io/arch=arm64)",
      "t3.medium: too small for what the node holds: 5Gi memory requested, 3.2Gi memory allocatable",
    ],
  );
  assert.ok(x.placement.excludedByPool > 0);
  assert.ok((x.plan.lowerBoundPerHour ?? 0) > 0);
  assert.equal(typeof x.plan.gapPercent, "number");
  const text = (await explain("shop/web")).stdout;
  assert.match(text, /^\(shop\/web names 3 pending pods; explaining the first\)\nPod shop\/web-\w+ is pending\./);
  assert.match(
    text,
    /Placement: new node default-0001 of NodePool "default": m5\.large on-demand us-east-1a \$0\.0960\/h/,
  );
});

test("explain: an unknown pod, a bad argument or bad input is one line on stderr and exit 2", async () => {
  const unknown = await explain("shop/nope");
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, 'pod "shop/nope" not found among the 7 pending pods of the inputs\n');
  const noPod = await runCommand(run, ["-f", FIXTURES]);
  assert.equal(noPod.code, 2);
  assert.match(noPod.stderr, /expected `pod ns\/name`/);
  const missing = await runCommand(run, ["-f", join(FIXTURES, "nope.yaml"), "pod", "a/b"]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "bin/stevedore.ts", "explain", "-f", FIXTURES, "pod", "x/y"],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test("explain --kubeconfig reads the live cluster's pods and nodes (read-only)", async () => {
  const kube = await startFakeKube();
  try {
    for (const doc of parseAllDocuments(readFileSync(join(FIXTURES, "cluster.yaml"), "utf8"))) {
      const obj = doc.toJSON() as { kind: string };
      kube.server.store.create(obj.kind === "Node" ? "nodes" : "pods", obj as never);
    }
    kube.server.store.create("pods", {
      metadata: { name: "batch", namespace: "shop" },
      spec: {
        nodeSelector: { "karpenter.sh/provisioner-name": "capped" },
        containers: [{ name: "c", image: "x", resources: { requests: { cpu: "1500m" } } }],
      },
      status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
    } as never);
    const kubeconfig = join(tmpdir(), `explain-kubeconfig-${process.pid}`);
    await writeFile(kubeconfig, kube.server.kubeconfigText());
    const r = await runCommand(run, ["--kubeconfig", kubeconfig, "-f", POOLS, "pod", "shop/batch", "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const x = JSON.parse(r.stdout) as PodExplanation;
    assert.deepEqual(verdict(x, "capped")?.limit, { resource: "cpu", limit: "3", used: "2" });
    const bound = await runCommand(run, ["--kubeconfig", kubeconfig, "-f", POOLS, "pod", "shop/filler"]);
    assert.equal(bound.stdout, "Pod shop/filler is bound to node capped-node-1; it is not pending.\n");
    assert.equal(kube.server.requests.filter((q) => q.method !== "GET").length, 0, "explain never writes");
  } finally {
    await kube.close();
  }
});
