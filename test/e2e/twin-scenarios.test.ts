/**
 * End to end: the real controllers on the digital twin, four scenarios, asserting on report.json.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TwinReport } from "../../lib/twin/report.js";
import { loadScenario } from "../../lib/twin/scenario.js";
import { runTwin } from "../../lib/twin/twin.js";

async function run(name: string, opts: { chaos?: number; seed?: number } = {}): Promise<TwinReport> {
  return runTwin({ scenario: await loadScenario(`scenarios/${name}.yaml`), ...opts });
}

function assertInvariants(r: TwinReport): void {
  assert.deepEqual(
    r.invariants,
    { duplicateLaunches: 0, leakedInstances: 0, strandedPods: 0, violations: 0, podsEvictedTwice: 0 },
    r.violations.join("\n"),
  );
  assert.equal(r.pods.pendingAtEnd, 0);
  assert.equal(r.pods.scheduled, r.pods.total);
}

test("burst then scale-down: everything is scheduled, then consolidation shrinks the fleet", async () => {
  const r = await run("burst-consolidation");
  assertInvariants(r);
  assert.equal(r.pods.total, 4);
  const peakNodes = Math.max(...r.timeline.map((s) => Object.values(s.nodesByCapacityType).reduce((a, b) => a + b, 0)));
  const last = r.timeline[r.timeline.length - 1];
  const endNodes = Object.values(last.nodesByCapacityType).reduce((a, b) => a + b, 0);
  assert.ok(peakNodes >= 3, `a burst of 24 pods needs several nodes (peak ${peakNodes})`);
  assert.ok(endNodes < peakNodes, `consolidation removed nodes (${peakNodes} → ${endNodes})`);
  assert.ok(last.costPerHour < r.cost.peakPerHour, "the fleet got cheaper");
  assert.ok(r.nodes.terminated > 0);
  assert.ok(
    r.decisions.some((d) => d.controller === "disruptor" && /Underutilized|Empty/.test(d.reason + d.action)),
    "a consolidation decision was logged",
  );
  const peakPending = Math.max(...r.timeline.map((s) => s.pendingPods));
  assert.ok(peakPending > 0, "pods were pending before Stevedore acted");
  // Cost per pool, decision events on the emulator's bus, and the controllers' Kubernetes events.
  const pools = r.costPerPool ?? [];
  assert.ok(pools.length > 0 && pools.every((p) => p.accruedCost >= 0));
  assert.equal(
    pools.reduce((n, p) => n + p.launched, 0),
    r.nodes.launched,
  );
  assert.ok(Math.abs(pools.reduce((c, p) => c + p.costPerHour, 0) - last.costPerHour) < 0.01, "pools sum to the fleet");
  const launchEvents = r.decisionEvents?.["Stevedore Launch"] ?? 0;
  assert.ok(launchEvents > 0 && launchEvents <= r.nodes.launched, `launch events ${launchEvents}`);
  assert.ok((r.kubeEvents?.Nominated ?? 0) > 0 && (r.kubeEvents?.Launched ?? 0) > 0);
  assert.ok((r.kubeEvents?.Disrupting ?? 0) > 0);
  // The controller's own bill, extrapolated from the measured invocations: the provisioner bills short bursts (passes
  // until one finds nothing to do), not a 50-second loop. Without the CPU charge a burst that never waits takes no
  // virtual time, so only the ceiling is certain.
  const bill = r.controllerCost;
  assert.ok(bill, "controllerCost reported");
  const provisioner = bill.byFunction.provisioner;
  const perInvocation = (provisioner?.gbSeconds ?? 0) / (provisioner?.invocations || 1);
  assert.ok(
    (provisioner?.invocations ?? 0) > 0 && perInvocation < 5,
    `provisioner GB-s per invocation ${perInvocation}`,
  );
  const services = Object.values(bill.byService).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(services - bill.monthlyUsd) < 0.05, `${services} vs ${bill.monthlyUsd}`);
  assert.ok(bill.byService.Lambda < 10 && bill.monthlyUsd < 60, JSON.stringify(bill.byService));
});

test("spot interruption storm: every interrupted node is replaced and drained inside its two-minute notice", async () => {
  const r = await run("spot-storm");
  assertInvariants(r);
  assert.equal(r.interruptions.received, 7);
  assert.equal(r.interruptions.drainedInTime, r.interruptions.received);
  assert.equal(r.interruptions.replaced, r.interruptions.received);
  assert.equal(r.pods.total, 16);
  assert.equal(r.kubeEvents?.SpotInterrupted, 7);
  assert.equal(r.decisionEvents?.["Stevedore Cordon And Drain"], 7);
});

test("ICE on the cheapest offerings, throttling and an EC2 outage: fallback without duplicates", async () => {
  const r = await run("ice-fallback");
  assertInvariants(r);
  assert.equal(r.pods.total, 20);
  const launched = r.instances ?? [];
  assert.ok(launched.length > 0);
  for (const i of launched) {
    const iced =
      (i.capacityType === "spot" && (i.instanceType === "t3.medium" || i.instanceType === "t3.large")) ||
      (i.instanceType === "c5.large" && i.zone === "us-east-1a");
    assert.ok(!iced, `launched an offering that had no capacity: ${JSON.stringify(i)}`);
  }
  // Launches happened despite 30 % throttling, and resumed after the outage (20 pods scheduled).
  assert.ok(r.latency.decisionP99Ms < 5 * 60_000, `no launch storm or stall: p99 ${r.latency.decisionP99Ms} ms`);
});

test("node repair: a node whose kubelet stops reporting is replaced 30 minutes later (NodeRepair gate)", async () => {
  const r = await run("node-repair");
  assertInvariants(r);
  const repairs = r.decisions.filter((d) => d.controller === "disruptor" && d.action === "repair");
  assert.equal(repairs.length, 1, JSON.stringify(repairs));
  const at = repairs[0].t;
  assert.ok(at >= 35 * 60_000 && at < 37 * 60_000, `failed at 5m, tolerated for 30m, repaired at ${at} ms`);
  assert.match(repairs[0].reason, /^Ready=Unknown for 30m/);
  assert.equal(r.nodes.terminated, 1);
});
