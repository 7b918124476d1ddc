import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "../../lib/core/kube-objects.js";
import { consolidatableAt, podEventUpdates, podSetDigest, podSetsSeen } from "../../lib/disruption/pod-events.js";
import { allowedUnhealthy, repairPlan, unhealthyCondition } from "../../lib/disruption/repair.js";
import { parseFeatureGates } from "../../lib/infra/feature-gates.js";
import { ViewIndex } from "../../lib/view/cluster-view.js";
import { mkManaged, mkPool, mkType, mkView, T0 } from "./fixtures.js";

const MIN = 60_000;
const TYPE = mkType("large", 4, 16, 0.2, 0.08);

/** Marks the pod scheduled at `at` (its `PodScheduled` condition). */
function scheduled(pod: Pod, at: number): void {
  pod.status = {
    phase: "Running",
    conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: new Date(at).toISOString() }],
  };
}

function withCondition(part: ReturnType<typeof mkManaged>, type: string, status: string, sinceMs: number) {
  part.node.status = {
    ...part.node.status,
    conditions: [
      ...(part.node.status?.conditions ?? []).filter((c) => c.type !== type),
      { type, status, lastTransitionTime: new Date(sinceMs).toISOString() },
    ],
  };
  return part;
}

describe("node repair decisions", () => {
  it("uses the AWS provider's tolerations: Ready 30 min, accelerated hardware 10 min", () => {
    const ready = withCondition(mkManaged("a", TYPE), "Ready", "False", T0 - 5 * MIN).node;
    assert.equal(unhealthyCondition(ready, T0)?.dueAt, T0 + 25 * MIN);
    const gpu = withCondition(mkManaged("b", TYPE), "AcceleratedHardwareReady", "False", T0 - 5 * MIN).node;
    assert.equal(unhealthyCondition(gpu, T0)?.tolerationMs, 10 * MIN);
    const healthy = withCondition(mkManaged("c", TYPE), "KernelReady", "True", T0 - 60 * MIN).node;
    assert.equal(unhealthyCondition(healthy, T0), undefined);
  });

  it("20% of a pool may be unhealthy, rounded up", () => {
    assert.deepEqual([1, 2, 5, 6, 10, 11].map(allowedUnhealthy), [1, 1, 1, 2, 2, 3]);
  });

  it("repairs the due node of a mostly healthy pool and holds off a pool with too many unhealthy nodes", () => {
    const parts = Array.from({ length: 5 }, (_, i) => mkManaged(`n${i}`, TYPE));
    withCondition(parts[0], "Ready", "Unknown", T0 - 31 * MIN);
    const one = repairPlan(new ViewIndex(mkView(parts)));
    assert.deepEqual(
      one.repairs.map((r) => r.node.metadata.name),
      ["n0"],
    );
    withCondition(parts[1], "Ready", "False", T0 - MIN); // not due yet, but unhealthy: 2 of 5 > 1
    const two = repairPlan(new ViewIndex(mkView(parts)));
    assert.deepEqual(two.repairs, []);
    assert.deepEqual(two.blocked, [{ pool: "default", unhealthy: 2, nodes: 5, allowed: 1, due: ["n0"] }]);
  });
});

describe("last pod event", () => {
  it("counts consolidateAfter from the newest scheduling or removal, or from initialization", () => {
    const pool = mkPool("default", {}, { emptyAfterSeconds: 600 });
    const part = mkManaged("a", TYPE, [{ cpu: "1" }]);
    const initialized = part.claim.initializedAt ?? 0;
    assert.equal(consolidatableAt(part.claim, pool, part.pods), initialized + 600_000);
    part.pods[0].status = {
      phase: "Running",
      conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: new Date(T0).toISOString() }],
    };
    assert.equal(consolidatableAt(part.claim, pool, part.pods), T0 + 600_000);
    part.claim.lastPodEventAt = T0 + MIN;
    assert.equal(consolidatableAt(part.claim, pool, part.pods), T0 + MIN + 600_000);
  });

  it("stamps a claim when its node lost a pod, not when it only gained pods, not when nothing changed", () => {
    const part = mkManaged("a", TYPE, [{ cpu: "1" }, { cpu: "1" }]);
    const registeredAt = part.claim.registeredAt ?? 0;
    scheduled(part.pods[0], registeredAt + 5_000);
    scheduled(part.pods[1], registeredAt + 10 * MIN);
    const view = (pods: Pod[], now = T0) => new ViewIndex(mkView([{ ...part, pods }], { now }));
    const before = view(part.pods, T0 - MIN);
    assert.deepEqual(podEventUpdates(before), [], "pods that arrived after registration: nothing to record");
    const [lost] = podEventUpdates(view(part.pods.slice(1)), podSetsSeen(before));
    assert.equal(lost.lastPodEventAt, T0, "a pod that left is stamped now");
    assert.equal(lost.podSetAt, T0);
    assert.equal(lost.podSetDigest, podSetDigest(part.pods.slice(1)), "and the set recorded again");
    part.claim.podSetDigest = lost.podSetDigest;
    part.claim.podSetAt = lost.podSetAt;
    part.claim.lastPodEventAt = lost.lastPodEventAt;
    assert.deepEqual(podEventUpdates(view(part.pods.slice(1), T0 + MIN)), [], "nothing changed");
    const late = mkManaged("a", TYPE, [{ cpu: "1" }, { cpu: "1" }, { cpu: "1" }]).pods[2];
    scheduled(late, T0 + 30_000);
    const gained = [part.pods[1], late];
    assert.deepEqual(podEventUpdates(view(gained, T0 + MIN)), [], "a pod that arrived after the record");
    const seen = podSetsSeen(view(gained, T0 + MIN));
    assert.deepEqual(
      podEventUpdates(view([part.pods[1]], T0 + 2 * MIN)),
      [],
      "without the previous pass's sets, a pod that came and went after the record leaves no trace",
    );
    const [cameAndWent] = podEventUpdates(view([part.pods[1]], T0 + 2 * MIN), seen);
    assert.equal(cameAndWent?.lastPodEventAt, T0 + 2 * MIN, "with them it is noticed at the next pass");
  });

  it("an item recorded before podSetAt compares its whole digest, as it used to", () => {
    const part = mkManaged("a", TYPE, [{ cpu: "1" }, { cpu: "1" }]);
    part.claim.podSetDigest = podSetDigest(part.pods);
    assert.deepEqual(podEventUpdates(new ViewIndex(mkView([part]))), []);
    const [changed] = podEventUpdates(new ViewIndex(mkView([{ ...part, pods: part.pods.slice(1) }])));
    assert.equal(changed.lastPodEventAt, T0);
    assert.equal(changed.podSetAt, T0, "and records when, from now on");
  });
});

describe("feature gates", () => {
  it("reads Karpenter's format and a JSON object; reports unknown gates and non-booleans", () => {
    assert.deepEqual(parseFeatureGates("NodeRepair=true").gates, { spotToSpotConsolidation: false, nodeRepair: true });
    assert.deepEqual(parseFeatureGates({ SpotToSpotConsolidation: true }).gates, {
      spotToSpotConsolidation: true,
      nodeRepair: false,
    });
    assert.deepEqual(parseFeatureGates("NodeRepair").problems, [
      "feature gate NodeRepair: needs a value, true or false",
    ]);
    assert.deepEqual(parseFeatureGates(42).problems, [
      "42 is not valid (Name=true,Other=false, or a JSON object of booleans)",
    ]);
  });
});
