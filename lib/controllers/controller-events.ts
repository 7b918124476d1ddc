/**
 * The Kubernetes events the controllers emit, built from what they decided (Karpenter's reasons and, where it has
 * one, the shape of its message). Pure: the controllers hand the result to their {@link EventRecorder}.
 */
import type { CloudInstance } from "../cloud/provider.js";
import { type ClusterEvent, EVENT_REASON, nodeSubject, podSubject } from "../cluster/events.js";
import { objectKey, type Pod } from "../core/kube-objects.js";
import type { DisruptionCommand, Rejection } from "../disruption/command.js";
import { explainPools } from "../operator/explain-pools.js";
import { SolveContext } from "../scheduling/packer/solve-context.js";
import type { SolveInput, Unschedulable } from "../scheduling/types.js";
import type { NodeClaim } from "../state/types.js";
import { isVirtualPod } from "../view/headroom.js";

/** Pods whose FailedScheduling message carries the per-pool explanation (the rest get the packer's reason). */
export const EXPLAINED_PODS_PER_PASS = 10;

function money(pricePerHour: number | undefined): string {
  return pricePerHour === undefined ? "" : `, $${pricePerHour.toFixed(4)}/hour`;
}

/** `Nominated` on each pod a launched claim was made for. */
export function nominatedEvents(
  claim: NodeClaim,
  instance: CloudInstance,
  pods: ReadonlyMap<string, Pod>,
): ClusterEvent[] {
  const where = `${instance.instanceType} ${instance.capacityType} in ${instance.zone}${money(claim.pricePerHour)}`;
  return claim.pods.flatMap((key) => {
    const pod = pods.get(key);
    if (!pod) return [];
    const message = `Pod should schedule on: nodeclaim/${claim.id} (${where})`;
    return [{ subject: podSubject(pod), type: "Normal", reason: EVENT_REASON.nominated, message }];
  });
}

/** `Launched` on the Node of a claim that just registered: what was launched, for what and at which price. */
export function launchedEvent(claim: NodeClaim, nodeName: string): ClusterEvent {
  const what = [claim.instanceType, claim.capacityType, claim.zone && `in ${claim.zone}`].filter(Boolean).join(" ");
  const pods = claim.pods.length === 1 ? "1 pending pod" : `${claim.pods.length} pending pods`;
  return {
    subject: nodeSubject(nodeName),
    type: "Normal",
    reason: EVENT_REASON.launched,
    message: `Launched by Stevedore as nodeclaim/${claim.id} of NodePool ${claim.pool}: ${what}${money(claim.pricePerHour)}, for ${pods}`,
  };
}

/**
 * `FailedScheduling` on each pod the packer could not place (not on the virtual pods of headroom and `minNodes`): its
 * reason, and for the first {@link EXPLAINED_PODS_PER_PASS} pods what keeps each pool from taking it (the `explain
 * pod` verdicts).
 */
export function failedSchedulingEvents(input: SolveInput, unschedulable: readonly Unschedulable[]): ClusterEvent[] {
  let ctx: SolveContext | undefined;
  return unschedulable
    .filter((u) => !isVirtualPod(u.pod))
    .map((u, i): ClusterEvent => {
      let why = "";
      if (i < EXPLAINED_PODS_PER_PASS) {
        try {
          ctx ??= new SolveContext(input);
          const ps = ctx.pending.find((p) => p.pod === u.pod);
          const verdicts = ps ? explainPools(ctx, ps).filter((v) => v.kind !== "fits") : [];
          if (verdicts.length > 0) why = `; ${verdicts.map((v) => v.message).join("; ")}`;
        } catch {
          why = "";
        }
      }
      return {
        subject: podSubject(u.pod),
        type: "Warning",
        reason: EVENT_REASON.failedScheduling,
        message: `Failed to schedule pod, ${u.reason}${why}`,
      };
    });
}

/** Rejection reasons that block any disruption of the node (as opposed to consolidation finding nothing better). */
const BLOCKING =
  /do-not-disrupt|PodDisruptionBudget|disruption budget|minNodes|not Ready|nominated|initialized moments ago|headroom|would not reschedule/;

/**
 * From a plan's rejections, at most one `DisruptionBlocked` and one `Unconsolidatable` per node: blockers (budgets,
 * `do-not-disrupt`, PDBs, `minNodes`, a node not Ready) are DisruptionBlocked; consolidation that found nothing
 * cheaper, or may not run (policy, `consolidateAfter`, `do-not-consolidate`), is Unconsolidatable. Left out: a
 * set of nodes (multi-node consolidation says nothing about one node), and the other methods' waits (an empty node
 * whose `consolidateAfter` is still running is not blocked, and its message changes every pass).
 */
export function rejectionEvents(rejections: readonly Rejection[]): ClusterEvent[] {
  const out = new Map<string, ClusterEvent>();
  for (const r of rejections) {
    if (r.node.includes(",")) continue;
    const consolidation = r.method.endsWith("Consolidation");
    const blocked = BLOCKING.test(r.reason);
    if (!consolidation && !blocked) continue;
    const reason = blocked ? EVENT_REASON.disruptionBlocked : EVENT_REASON.unconsolidatable;
    const key = `${r.node}/${reason}`;
    if (out.has(key)) continue;
    const message = blocked ? `Cannot disrupt Node: ${r.reason}` : `${r.method}: ${r.reason}`;
    out.set(key, { subject: nodeSubject(r.node), type: "Normal", reason, message });
  }
  return [...out.values()];
}

/** `Disrupting` on each node of a command that started. */
export function disruptingEvents(cmd: DisruptionCommand): ClusterEvent[] {
  const how = cmd.replacements.length > 0 ? "Replace" : "Delete";
  return cmd.candidates.map((c) => ({
    subject: nodeSubject(c.node),
    type: "Normal",
    reason: EVENT_REASON.disrupting,
    message: `Disrupting Node: ${cmd.reason}/${how}: ${cmd.explanation}`,
  }));
}

/** `SpotInterrupted` on the node whose spot instance EC2 is taking back. */
export function spotInterruptedEvent(claim: NodeClaim): ClusterEvent | undefined {
  if (!claim.nodeName) return undefined;
  return {
    subject: nodeSubject(claim.nodeName),
    type: "Warning",
    reason: EVENT_REASON.spotInterrupted,
    message: `Spot interruption warning was triggered for ${claim.instanceId ?? "the instance"}; draining and replacing`,
  };
}

/** Pods by `namespace/name`, for {@link nominatedEvents}. */
export function podsByKey(pods: readonly Pod[]): Map<string, Pod> {
  return new Map(pods.map((p) => [objectKey(p), p]));
}
