/**
 * What the disruptor remembers about each node's pods between passes, written to its claim: `emptySince` (when it
 * became empty) and the pod-event record (`podSetDigest`, `lastPodEventAt`) that `consolidateAfter` counts from.
 * Both come from the same listing; a claim gets at most one write per pass, and none when nothing changed.
 */
import { emptinessUpdates } from "../disruption/emptiness.js";
import { podEventUpdates } from "../disruption/pod-events.js";
import { ConflictError, type NodeClaim } from "../state/types.js";
import type { ViewIndex } from "../view/cluster-view.js";
import type { ControllerDeps } from "./deps.js";

/**
 * Writes the claims whose emptiness or pod set changed and returns them as written; a claim changed meanwhile is
 * left to the next pass.
 */
export async function recordNodeActivity(deps: ControllerDeps, index: ViewIndex): Promise<NodeClaim[]> {
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
  for (const u of podEventUpdates(index)) {
    const patch = patchOf(u.claim);
    patch.podSetDigest = u.podSetDigest;
    patch.lastPodEventAt = u.lastPodEventAt;
  }
  const written: NodeClaim[] = [];
  for (const { claim, patch } of patches.values()) {
    try {
      written.push(await deps.state.updateClaim(claim, patch));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  return written;
}
