/**
 * What the disruptor remembers about each node's pods between passes, written to its claim: `emptySince` (when it
 * became empty) and the pod-event record (`podSetDigest`, `lastPodEventAt`) that `consolidateAfter` counts from.
 * Both come from the same listing; a claim gets at most one write per pass, and none when nothing changed or its
 * node only gained pods. `memory` (the warm container's) keeps each node's pod set as this pass saw it, so the next
 * pass also notices a pod that arrived after the record and left again.
 */
import { emptinessUpdates } from "../disruption/emptiness.js";
import { type PodSetSeen, podEventUpdates, podSetsSeen } from "../disruption/pod-events.js";
import { ConflictError, type NodeClaim } from "../state/types.js";
import type { ViewIndex } from "../view/cluster-view.js";
import type { ControllerDeps } from "./deps.js";

/** What {@link recordNodeActivity} wrote. */
export interface NodeActivityWrites {
  /** The claims as written (the view's versions are stale now). */
  updated: NodeClaim[];
  /** Claims changed meanwhile by someone else (left to the next pass; the view's versions of them are stale). */
  conflicts: number;
}

/** Writes the claims whose emptiness or pod set changed; a claim changed meanwhile is left to the next pass. */
export async function recordNodeActivity(
  deps: ControllerDeps,
  index: ViewIndex,
  memory: { podSets?: Map<string, PodSetSeen> } = {},
): Promise<NodeActivityWrites> {
  const patches = new Map<string, { claim: NodeClaim; patch: Partial<NodeClaim> }>();
  const patchOf = (claim: NodeClaim) => {
    let entry = patches.get(claim.id);
    if (!entry) {
      entry = { claim, patch: {} };
      patches.set(claim.id, entry);
    }
    return entry.patch;
  };
  for (const u of emptinessUpdates(index)) patchOf(u.claim).emptySince = u.emptySince;
  for (const u of podEventUpdates(index, memory.podSets)) {
    const patch = patchOf(u.claim);
    patch.podSetDigest = u.podSetDigest;
    patch.podSetAt = u.podSetAt;
    patch.lastPodEventAt = u.lastPodEventAt;
  }
  memory.podSets = podSetsSeen(index);
  const out: NodeActivityWrites = { updated: [], conflicts: 0 };
  for (const { claim, patch } of patches.values()) {
    try {
      out.updated.push(await deps.state.updateClaim(claim, patch));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      out.conflicts++;
    }
  }
  return out;
}
