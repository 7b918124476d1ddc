/**
 * Termination against the fake kube-apiserver, dynalite and the AWS emulator: eviction tiers, do-not-disrupt,
 * the grace-period deadline, cordon for v1alpha5; and the pod batcher's windows.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PodBatcher } from "../../lib/controllers/batcher.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { Terminator } from "../../lib/controllers/termination.js";
import type { NodeClaim } from "../../lib/state/types.js";
import { type ControllerHarness, startControllerHarness, TestClock } from "../support/controller-harness.js";

async function oneNode(h: ControllerHarness): Promise<NodeClaim> {
  h.pod("seed", { cpu: "100m" });
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  const [claim] = await h.claims();
  assert.equal(claim.state, "Initialized");
  h.deletePod("seed");
  return claim;
}

const ds = { ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "ds" }] };

describe("termination", () => {
  test("evicts in tiers: regular pods, DaemonSet pods, critical pods, critical DaemonSet pods; then terminates", async () => {
    const h = await startControllerHarness({ scheduler: false });
    try {
      const claim = await oneNode(h);
      const on = claim.nodeName ?? "";
      h.pod("app", { nodeName: on, cpu: "100m" });
      h.pod("agent", { nodeName: on, cpu: "50m" });
      h.pod("dns", { nodeName: on, cpu: "50m", extra: { priorityClassName: "system-cluster-critical" } });
      h.pod("cni", { nodeName: on, cpu: "50m", extra: { priorityClassName: "system-node-critical" } });
      for (const name of ["agent", "cni"]) {
        const p = h.kube.server.store.get("pods", name, "default");
        if (p) h.kube.server.store.put("pods", { ...p, metadata: { ...p.metadata, ...ds } });
      }
      const t = new Terminator(h.deps());
      let current = await t.startDrain(await t.mark(claim, "Expired", "v1"), h.config.nodePools[0]);
      const node = h.nodes().find((n) => n.metadata.name === on);
      assert.ok(node?.spec?.taints?.some((x) => x.key === "karpenter.sh/disrupted" && x.effect === "NoSchedule"));
      const order: string[][] = [];
      for (let i = 0; i < 6; i++) {
        const before = new Set(h.pods().map((p) => p.metadata.name ?? ""));
        const step = await t.drainStep(current, "v1");
        order.push([...before].filter((n) => !h.pods().some((p) => p.metadata.name === n)).sort());
        if (step.status === "terminated") break;
        current = (await h.state.getClaim(claim.id)) ?? current;
      }
      assert.deepEqual(order.slice(0, 4), [["app"], ["agent"], ["dns"], ["cni"]]);
      const closed = await h.state.getClaim(claim.id);
      assert.equal(closed?.state, "Terminated");
      assert.notEqual(h.aws.emulator.instance(claim.instanceId ?? "")?.state, "running");
      assert.equal(h.nodes().length, 0, "node deleted");
    } finally {
      await h.close();
    }
  });

  test("do-not-disrupt pods hold the drain until the grace-period deadline, then go regardless", async () => {
    const h = await startControllerHarness({ scheduler: false });
    try {
      const claim = await oneNode(h);
      h.pod("precious", { nodeName: claim.nodeName, annotations: { "karpenter.sh/do-not-disrupt": "true" } });
      const t = new Terminator(h.deps());
      const pool = {
        ...h.config.nodePools[0],
        disruption: { ...h.config.nodePools[0].disruption, terminationGracePeriodSeconds: 300 },
      };
      let current = await t.startDrain(await t.mark(claim, "Drifted", "v1"), pool);
      assert.equal(current.drainDeadline, h.clock.now() + 300_000);
      const step = await t.drainStep(current, "v1");
      assert.equal(step.status, "draining");
      assert.ok(h.pods().some((p) => p.metadata.name === "precious"));
      h.advance(301_000);
      current = (await h.state.getClaim(claim.id)) ?? current;
      assert.equal((await t.drainStep(current, "v1")).status, "terminated");
      assert.ok(!h.pods().some((p) => p.metadata.name === "precious"), "deleted past the deadline");
    } finally {
      await h.close();
    }
  });

  test("v1alpha5 nodes are cordoned, and uncordoned when a disruption is abandoned", async () => {
    const h = await startControllerHarness({ scheduler: false });
    try {
      const claim = await oneNode(h);
      const t = new Terminator(h.deps());
      const marked = await t.mark(claim, "Underutilized", "v1alpha5");
      assert.equal(h.nodes()[0].spec?.unschedulable, true);
      assert.ok(!h.nodes()[0].spec?.taints?.some((x) => x.key === "karpenter.sh/disrupted"));
      await t.unmark(marked, "v1alpha5");
      assert.notEqual(h.nodes()[0].spec?.unschedulable, true);
      const back = await h.state.getClaim(claim.id);
      assert.equal(back?.disruptionReason, undefined);
    } finally {
      await h.close();
    }
  });
});

describe("pod batcher", () => {
  test("closes a batch after 1 s without new pods", async () => {
    const clock = new TestClock(0);
    const b = new PodBatcher(clock);
    b.trigger("a");
    clock.advance(300);
    b.trigger("b");
    assert.equal(await b.wait(60_000), true);
    assert.ok(clock.now() >= 1300 && clock.now() < 1500, `closed at ${clock.now()}`);
  });

  test("never holds a batch longer than 10 s; duplicates do not extend it", async () => {
    const clock = new TestClock(0);
    const b = new PodBatcher(clock);
    let n = 0;
    clock.onAdvance(() => b.trigger(`pod-${n++}`));
    b.trigger("first");
    assert.equal(await b.wait(60_000), true);
    assert.ok(clock.now() >= 10_000 && clock.now() < 10_200, `closed at ${clock.now()}`);
    const d = new PodBatcher(new TestClock(0));
    d.trigger("x");
    d.trigger("x");
    assert.equal(d.size, 1);
  });

  test("returns false at the deadline when nothing came", async () => {
    const clock = new TestClock(0);
    assert.equal(await new PodBatcher(clock).wait(5_000), false);
    assert.equal(clock.now(), 5_000);
  });
});
