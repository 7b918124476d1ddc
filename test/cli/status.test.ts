import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { run } from "../../bin/commands/status.js";
import type { StatusReport } from "../../lib/operator/status-report.js";
import { createTestTable, type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";
import { type FakeKube, startFakeKube } from "../support/kube.js";
import { inactiveWindowCron, runCommand, seedStateTable } from "./operator-fixtures.js";

let db: DynaliteHandle;
let table: string;
const now = Date.now();

before(async () => {
  db = await startDynalite();
  table = await createTestTable(localDynamoClient(db.endpoint), "status");
  await seedStateTable(db.endpoint, table, now);
});
after(async () => {
  await db.close();
});

const status = (argv: string[]) => runCommand(run, [...argv, "--table", table, "--endpoint", db.endpoint]);

test("status -o json: pools with claims by state, limits used of total, $/hour and budgets", async () => {
  const r = await status(["-o", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as StatusReport;
  assert.deepEqual(
    report.pools.map((p) => p.name),
    ["gpu", "default"],
  );
  const pool = report.pools[1];
  assert.equal(pool.nodes, 3);
  assert.deepEqual(pool.claims, { Pending: 1, Launched: 1, Initialized: 1, Draining: 1, Terminated: 1 });
  assert.deepEqual(
    pool.limits.map((l) => `${l.resource} ${l.used} of ${l.limit}`),
    ["cpu 10 of 100", "memory 37.0Gi of 400Gi", "nodes 4 of 10"],
  );
  assert.equal(Number(pool.pricePerHour.toFixed(4)), 0.1968);
  assert.equal(report.pools[0].pricePerHour, 0.526);
  const budgets = report.budgets.find((b) => b.pool === "default");
  assert.deepEqual(budgets?.counts, { numNodes: 2, disrupting: 1 });
  assert.deepEqual(
    budgets?.budgets.map((b) => [b.nodes, b.schedule ?? "always", b.active, b.allowsNodes]),
    [
      ["50%", "always", true, 1],
      ["0", inactiveWindowCron(now), false, 0],
    ],
  );
  assert.deepEqual(budgets?.allowedNow, { Empty: 0, Underutilized: 0, Drifted: 0, Expired: 0 });
});

test("status -o json: the lease holder, the unavailable offering and each controller's last activity", async () => {
  const report = JSON.parse((await status(["-o", "json"])).stdout) as StatusReport;
  assert.deepEqual(
    report.leases.map((l) => [l.name, l.state, l.owner, l.acquiredAt]),
    [["provisioner", "held", "provisioner/2024/05/01/[$LATEST]abc", now - 30_000]],
  );
  assert.deepEqual(
    report.unavailableOfferings.map((o) => `${o.capacityType} ${o.instanceType} ${o.zone}`),
    ["spot m5.xlarge us-east-1b"],
  );
  assert.deepEqual(report.lastActivity, {
    provisioner: now - 40 * 60_000,
    disruptor: now - 10 * 60_000,
    interruption: now - 5 * 60_000,
    gc: now - 3 * 60 * 60_000,
  });
});

test("status table: one section per concern", async () => {
  const r = await status([]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^POOLS\nPOOL\s+NODES\s+CLAIMS\s+LIMITS\s+\$\/HOUR\s+DISRUPTABLE\n/);
  assert.match(
    r.stdout,
    /\ndefault\s+3\s+Pending 1, Launched 1, Initialized 1, Draining 1, Terminated 1\s+cpu 10 of 100, memory 37\.0Gi of 400Gi, nodes 4 of 10\s+0\.1968\s+0\n/,
  );
  assert.match(r.stdout, /total \$\/hour: 0\.7228\n/);
  assert.match(r.stdout, /\ndefault\s+0\s+0 \d+ \* \* \* for 1h\s+Underutilized\s+no\s+0 of 2\n/);
  assert.match(r.stdout, /\nprovisioner\s+held\s+provisioner\/2024\/05\/01\/\[\$LATEST\]abc\s+1\s+3\ds\s+in \d+s\n/);
  assert.match(r.stdout, /\nm5\.xlarge\s+us-east-1b\s+spot\s+\S+ \(in [12]m\)\s+InsufficientInstanceCapacity\n/);
  assert.match(r.stdout, /\ngc\s+\S+\s+3h ago\n/);
});

test("status --kubeconfig counts the pools' Nodes in the cluster and uses their capacity for limits", async () => {
  let kube: FakeKube | undefined;
  try {
    kube = await startFakeKube();
    const node = (name: string, pool: string, ready: boolean, cpu: string) => ({
      metadata: { name, labels: { "karpenter.sh/nodepool": pool } },
      status: { capacity: { cpu, memory: "8Gi" }, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
    });
    kube.server.store.create("nodes", node("ip-10-0-1-5.ec2.internal", "default", true, "8") as never);
    kube.server.store.create("nodes", node("ip-10-0-1-9.ec2.internal", "default", false, "2") as never);
    const kubeconfig = join(tmpdir(), `status-kubeconfig-${process.pid}`);
    await writeFile(kubeconfig, kube.server.kubeconfigText());
    const report = JSON.parse((await status(["-o", "json", "--kubeconfig", kubeconfig])).stdout) as StatusReport;
    const pool = report.pools[1];
    assert.deepEqual(pool.clusterNodes, { total: 2, ready: 1 });
    assert.equal(pool.limits[0].used, "16"); // 8 (the Node's capacity) + 4 + 2 + 2 (catalog)
    const table = await status(["--kubeconfig", kubeconfig]);
    assert.match(table.stdout, /POOL\s+NODES\s+IN CLUSTER\s+CLAIMS/);
    assert.match(table.stdout, /\ndefault\s+3\s+2 \(1 ready\)\s+/);
  } finally {
    await kube?.close();
  }
});

test("status on a missing table, or with a bad option: one line, exit 2", async () => {
  const missing = await runCommand(run, ["--table", "nope", "--endpoint", db.endpoint]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  assert.match(missing.stderr, /^stevedore status: state table "nope" not found/);
  const bad = await status(["-o", "yaml"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /-o yaml: must be one of table, json/);
});
