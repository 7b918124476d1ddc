/**
 * The two "eventual" methods: expiry (a node older than its pool's `expireAfterSeconds`) and drift (its pool or
 * class changed since launch, or the cloud provider says it no longer matches). Both replace first when the pods
 * need new capacity, one node per pass, within budgets. Pure.
 */
import type { NodeClass, NodePool } from "../api/model.js";
import type { NodeClaim } from "../state/types.js";
import type { ViewIndex } from "../view/cluster-view.js";
import type { Solver } from "../view/solver-input.js";
import { type Candidate, candidateBlocker } from "./candidates.js";
import { budgetsFor, type DisruptionCommand, type Rejection } from "./command.js";
import { simulateRemoval } from "./simulate.js";
import { type SimulationBudget, unlimitedBudget } from "./simulation-budget.js";

/** When the claim expires (ms), or undefined if never. */
export function expiresAt(claim: NodeClaim, pool: NodePool): number | undefined {
  if (claim.expiresAt !== undefined) return claim.expiresAt;
  const ttl = pool.disruption.expireAfterSeconds;
  return ttl !== undefined && ttl > 0 ? claim.createdAt + ttl * 1000 : undefined;
}

/** Why the claim is drifted, or undefined. */
export function driftReason(
  claim: NodeClaim,
  pool: NodePool,
  nodeClass: NodeClass | undefined,
  providerDrift?: Map<string, string>,
): string | undefined {
  if (claim.poolHash !== pool.hash) return `NodePoolDrifted: pool ${pool.name} changed since launch`;
  if (nodeClass && claim.classHash !== nodeClass.hash)
    return `NodeClassDrifted: class ${nodeClass.name} changed since launch`;
  const p = providerDrift?.get(claim.id);
  return p ? `CloudProviderDrifted: ${p}` : undefined;
}

function eventualCommand(
  index: ViewIndex,
  ordered: { c: Candidate; why: string }[],
  rejections: Rejection[],
  method: "Expiration" | "Drift",
  budget: SimulationBudget,
): DisruptionCommand | undefined {
  const reason = method === "Expiration" ? "Expired" : "Drifted";
  const budgets = budgetsFor(index, reason);
  for (const { c, why } of ordered) {
    const blocked = candidateBlocker(c, index, "eventual");
    if (blocked) {
      rejections.push({ method, node: c.nodeName, reason: blocked });
      continue;
    }
    if (budgets.left(c.pool.name) <= 0) {
      rejections.push({ method, node: c.nodeName, reason: `disruption budget of pool ${c.pool.name} is exhausted` });
      continue;
    }
    if (!budget.allow()) return undefined;
    const sim = simulateRemoval(index, new Set([c.nodeName, c.claim.id]), c.reschedulable, budget.solver);
    // A static pool's drifted node is replaced by the provisioner (its count drops once the node is marked), and the
    // disruptor drains it only once the pool is back at its replicas: its pods will have a static node to go to.
    if (method === "Drift" && sim.unschedulable.length > 0 && c.pool.replicas === undefined) {
      rejections.push({
        method,
        node: c.nodeName,
        reason: `pod ${sim.unschedulable[0].pod.metadata.name} would not reschedule`,
      });
      continue;
    }
    return {
      method,
      reason,
      candidates: [c],
      replacements: sim.newNodes,
      destinations: sim.placedOnExisting,
      explanation:
        sim.newNodes.length > 0
          ? `${why}; launch ${sim.newNodes.length} replacement(s) first, then drain ${c.nodeName}`
          : `${why}; pods fit elsewhere, drain ${c.nodeName}`,
    };
  }
  return undefined;
}

/** The expired node with the earliest expiry that may go now (replacement computed). */
export function expirationCommand(
  index: ViewIndex,
  candidates: Candidate[],
  solver: Solver,
  rejections: Rejection[],
  budget: SimulationBudget = unlimitedBudget(solver),
): DisruptionCommand | undefined {
  const now = index.view.now;
  const expired = candidates
    .map((c) => ({ c, at: expiresAt(c.claim, c.pool) }))
    .filter((x): x is { c: Candidate; at: number } => x.at !== undefined && x.at <= now)
    .sort((a, b) => a.at - b.at || a.c.nodeName.localeCompare(b.c.nodeName))
    .map(({ c, at }) => ({ c, why: `expired ${Math.round((now - at) / 1000)}s ago` }));
  return eventualCommand(index, expired, rejections, "Expiration", budget);
}

/** The first drifted node (empty ones first, then oldest) that may go now. */
export function driftCommand(
  index: ViewIndex,
  candidates: Candidate[],
  solver: Solver,
  rejections: Rejection[],
  budget: SimulationBudget = unlimitedBudget(solver),
): DisruptionCommand | undefined {
  const drifted = candidates
    .map((c) => ({ c, why: driftReason(c.claim, c.pool, c.nodeClass, index.view.providerDrift) }))
    .filter((x): x is { c: Candidate; why: string } => x.why !== undefined)
    .sort(
      (a, b) =>
        a.c.reschedulable.length - b.c.reschedulable.length ||
        a.c.claim.createdAt - b.c.claim.createdAt ||
        a.c.nodeName.localeCompare(b.c.nodeName),
    );
  return eventualCommand(index, drifted, rejections, "Drift", budget);
}
