/**
 * Which instance of a launch batch belongs to which claim. Deterministic, so the launch and any later recovery of the
 * same batch agree: an instance already tagged with a claim of the batch keeps it; the other instances, in
 * instance-id order, go to the claims still without one, in claim-id order. Pure: no I/O.
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

/** Assigns the batch's instances to its claims. */
export function assignBatch(claimIds: string[], instances: CloudInstance[]): BatchAssignment {
  const claims = [...new Set(claimIds)].sort();
  const wanted = new Set(claims);
  const assigned = new Map<string, CloudInstance>();
  const free: CloudInstance[] = [];
  const surplus: CloudInstance[] = [];
  const byId = [...instances].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  for (const inst of byId) {
    const owner = inst.claimId;
    if (owner === undefined) free.push(inst);
    else if (wanted.has(owner) && !assigned.has(owner)) assigned.set(owner, inst);
    else surplus.push(inst);
  }
  const unfilled: string[] = [];
  for (const claim of claims) {
    if (assigned.has(claim)) continue;
    const next = free.shift();
    if (next) assigned.set(claim, { ...next, claimId: claim });
    else unfilled.push(claim);
  }
  surplus.push(...free);
  return { assigned, unfilled, surplus };
}
