/**
 * Which instance of a launch batch belongs to which claim. Deterministic, so the launch and any later recovery of the
 * same batch agree: an instance a claim already records (or one already tagged with a claim of the batch) keeps that
 * claim; the other instances, in instance-id order, go to the claims still without one, in claim-id order. The
 * launch itself tags nothing per claim (the batch tag is set at creation), so a recovery after a crash between
 * CreateFleet and the claim records derives the same assignment from the same instances. Pure: no I/O.
 */
import type { CloudInstance } from "../provider.js";

/** The assignment of a batch's instances to its claims. */
export interface BatchAssignment {
  /** Claim id → instance. */
  assigned: Map<string, CloudInstance>;
  /** Claims without an instance (the fleet launched fewer instances than claims). */
  unfilled: string[];
  /** Instances no claim gets (more instances than claims, or a second instance tagged for one claim). */
  surplus: CloudInstance[];
}

/**
 * Assigns the batch's instances to its claims. `recorded` maps claim ids to the instance id their record already
 * holds (claims recorded before a crash); those pairs are kept whatever the order says, and a recorded claim whose
 * instance is no longer found takes no other one.
 */
export function assignBatch(
  claimIds: string[],
  instances: CloudInstance[],
  recorded: ReadonlyMap<string, string> = new Map(),
): BatchAssignment {
  const claims = [...new Set(claimIds)].sort();
  const wanted = new Set(claims);
  const ownerOf = new Map<string, string>();
  for (const [claimId, instanceId] of recorded) if (wanted.has(claimId)) ownerOf.set(instanceId, claimId);
  const assigned = new Map<string, CloudInstance>();
  const free: CloudInstance[] = [];
  const surplus: CloudInstance[] = [];
  const byId = [...instances].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  for (const inst of byId) {
    const owner = ownerOf.get(inst.instanceId) ?? inst.claimId;
    if (owner === undefined) free.push(inst);
    else if (wanted.has(owner) && !assigned.has(owner)) assigned.set(owner, { ...inst, claimId: owner });
    else surplus.push(inst);
  }
  const unfilled: string[] = [];
  for (const claim of claims) {
    if (assigned.has(claim) || recorded.has(claim)) continue; // a recorded claim whose instance is gone takes none
    const next = free.shift();
    if (next) assigned.set(claim, { ...next, claimId: claim });
    else unfilled.push(claim);
  }
  surplus.push(...free);
  return { assigned, unfilled, surplus };
}
