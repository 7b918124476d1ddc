/** Pure pod predicates (Karpenter's pod utilities). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "../../lib/core/kube-objects.js";
import {
  failedToSchedule,
  isCriticalPod,
  isDaemonSetPod,
  isMirrorPod,
  isPlannable,
  isPodOfDaemonSet,
  isProvisionable,
  isStuckTerminating,
} from "../../lib/core/pods.js";

const base = (): Pod => ({
  metadata: { name: "p", namespace: "default" },
  spec: { containers: [] },
  status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
});

describe("pod filters", () => {
  it("treats only Unschedulable PodScheduled=False as a scheduling failure", () => {
    assert.equal(failedToSchedule(base()), true);
    const gated = base();
    gated.status!.conditions![0].reason = "SchedulingGated";
    assert.equal(failedToSchedule(gated), false);
    assert.equal(isProvisionable(gated), false);
  });

  it("recognises owners by kind and API group", () => {
    const ds = base();
    ds.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "d" }];
    assert.equal(isDaemonSetPod(ds), true);
    assert.equal(isProvisionable(ds), false);
    const foreign = base();
    foreign.metadata.ownerReferences = [{ apiVersion: "example.com/v1", kind: "DaemonSet", name: "d" }];
    assert.equal(isDaemonSetPod(foreign), false, "a DaemonSet kind of another group is not apps/v1");
    const mirror = base();
    mirror.metadata.ownerReferences = [{ apiVersion: "v1", kind: "Node", name: "n" }];
    assert.equal(isMirrorPod(mirror), true);
  });

  it("plans unbound pods without asking for the scheduler's verdict, and never bound, nominated, owned or finished ones", () => {
    const fromFile: Pod = { metadata: { name: "f", namespace: "default" }, spec: { containers: [] } };
    assert.equal(isPlannable(fromFile), true);
    assert.equal(isProvisionable(fromFile), false, "provisionable needs PodScheduled=False");
    const variants: [string, (p: Pod) => void][] = [
      ["bound", (p) => (p.spec.nodeName = "n")],
      ["nominated", (p) => (p.status = { nominatedNodeName: "n" })],
      ["DaemonSet", (p) => (p.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "d" }])],
      ["mirror", (p) => (p.metadata.annotations = { "kubernetes.io/config.mirror": "x" })],
      ["terminal", (p) => (p.status = { phase: "Succeeded" })],
      ["terminating", (p) => (p.metadata.deletionTimestamp = "2026-01-01T00:00:00Z")],
    ];
    for (const [what, change] of variants) {
      const p = base();
      change(p);
      assert.equal(isPlannable(p), false, what);
    }
  });

  it("tells which DaemonSet owns a pod by namespace, name and API group", () => {
    const p = base();
    p.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "d" }];
    assert.equal(isPodOfDaemonSet(p, "default", "d"), true);
    assert.equal(isPodOfDaemonSet(p, "default", "e"), false);
    assert.equal(isPodOfDaemonSet(p, "kube-system", "d"), false);
    p.metadata.ownerReferences = [{ apiVersion: "example.com/v1", kind: "DaemonSet", name: "d" }];
    assert.equal(isPodOfDaemonSet(p, "default", "d"), false);
  });

  it("flags pods stuck terminating after a minute and critical priority classes", () => {
    const p = base();
    p.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
    const t = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(isStuckTerminating(p, t + 60_000), false);
    assert.equal(isStuckTerminating(p, t + 60_001), true);
    assert.equal(isStuckTerminating(base(), t + 1e9), false);
    assert.equal(isProvisionable(p), false, "terminating pods are not provisioned for");
    p.spec.priorityClassName = "system-node-critical";
    assert.equal(isCriticalPod(p), true);
    assert.equal(isCriticalPod(base()), false);
  });
});
