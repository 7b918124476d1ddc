/**
 * Pods the packer placed on the spare capacity of in-flight claims (launched, node not initialized yet): nothing is
 * launched for them, so the claim must record them (as it records the pods it was launched for) to keep that space
 * theirs. A recorded pod is nominated to the claim's Node at registration and holds its place for the nomination
 * window (nominations.ts); if it loses its place there, the next solve plans it again at once. Pure.
 */
import { objectKey, type Pod } from "../core/kube-objects.js";
import type { NodeClaim } from "../state/types.js";
import { isInFlight, type ViewIndex } from "./cluster-view.js";

/** The pods to add to one in-flight claim's record. */
export interface InFlightPlacement {
  claim: NodeClaim;
  /** Keys (`namespace/name`) the claim does not record yet, in placement order. */
  add: string[];
}

/**
 * For each in-flight claim the solve placed pods on (`assignments`: the packer's existing-node name → pods), the
 * placed pods it does not record yet; claims with nothing new are left out, so only changed claims are written.
 * Placements on initialized nodes are left out: kube-scheduler binds those pods as soon as it sees them.
 */
export function inFlightPlacements(index: ViewIndex, assignments: Map<string, Pod[]>): InFlightPlacement[] {
  const byName = new Map<string, NodeClaim>();
  for (const claim of index.view.claims) {
    if (!isInFlight(claim)) continue;
    byName.set(claim.id, claim);
    if (claim.nodeName) byName.set(claim.nodeName, claim);
  }
  for (const [nodeName, claim] of index.claimByNode) if (isInFlight(claim)) byName.set(nodeName, claim);
  const out: InFlightPlacement[] = [];
  for (const [name, pods] of assignments) {
    const claim = byName.get(name);
    if (!claim || pods.length === 0) continue;
    const recorded = new Set(claim.pods);
    const add: string[] = [];
    for (const key of pods.map(objectKey)) {
      if (recorded.has(key)) continue;
      recorded.add(key);
      add.push(key);
    }
    if (add.length > 0) out.push({ claim, add });
  }
  return out;
}
