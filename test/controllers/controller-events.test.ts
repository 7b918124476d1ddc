/** The events the controllers build from their decisions (pure): which rejection becomes which reason, and which pods get none. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { failedSchedulingEvents, rejectionEvents } from "../../lib/controllers/controller-events.js";
import type { Pod } from "../../lib/core/kube-objects.js";
import type { SolveInput } from "../../lib/scheduling/types.js";
import { VIRTUAL_NAMESPACE } from "../../lib/view/headroom.js";

describe("controller events", () => {
  it("rejections: blockers are DisruptionBlocked, consolidation's own verdicts Unconsolidatable, waits and sets of nodes nothing", () => {
    const events = rejectionEvents([
      { method: "Emptiness", node: "n1", reason: "empty for 12s of 60s" },
      { method: "Emptiness", node: "n2", reason: "node has karpenter.sh/do-not-disrupt" },
      { method: "SingleNodeConsolidation", node: "n2", reason: "node has karpenter.sh/do-not-disrupt" },
      { method: "SingleNodeConsolidation", node: "n3", reason: "pool consolidation policy is WhenEmpty" },
      {
        method: "SingleNodeConsolidation",
        node: "n4",
        reason: "PodDisruptionBudget apps/web allows no disruption of pod web-0",
      },
      { method: "SingleNodeConsolidation", node: "n4", reason: "no cheaper replacement" },
      { method: "MultiNodeConsolidation", node: "n5,n6", reason: "a pod would not fit elsewhere" },
      { method: "Expiration", node: "n7", reason: "disruption budget of pool default is exhausted" },
    ]);
    assert.deepEqual(
      events.map((e) => [e.subject.name, e.reason, e.message]),
      [
        ["n2", "DisruptionBlocked", "Cannot disrupt Node: node has karpenter.sh/do-not-disrupt"],
        ["n3", "Unconsolidatable", "SingleNodeConsolidation: pool consolidation policy is WhenEmpty"],
        [
          "n4",
          "DisruptionBlocked",
          "Cannot disrupt Node: PodDisruptionBudget apps/web allows no disruption of pod web-0",
        ],
        ["n4", "Unconsolidatable", "SingleNodeConsolidation: no cheaper replacement"],
        ["n7", "DisruptionBlocked", "Cannot disrupt Node: disruption budget of pool default is exhausted"],
      ],
    );
    assert.ok(events.every((e) => e.subject.kind === "Node" && e.subject.uid === e.subject.name));
  });

  it("FailedScheduling goes on real pods only, not on the virtual pods of headroom and minNodes", () => {
    const pod = (name: string, namespace: string): Pod => ({
      metadata: { name, namespace, uid: `u-${name}` },
      spec: { containers: [] },
    });
    const input = { pods: [], pools: [], existing: [] } as unknown as SolveInput;
    const events = failedSchedulingEvents(input, [
      { pod: pod("headroom-default", VIRTUAL_NAMESPACE), reason: "no instance type fits" },
      { pod: pod("web-0", "shop"), reason: "no instance type fits" },
    ]);
    assert.deepEqual(
      events.map((e) => [e.subject.namespace, e.subject.name, e.type, e.message]),
      [["shop", "web-0", "Warning", "Failed to schedule pod, no instance type fits"]],
    );
  });
});
