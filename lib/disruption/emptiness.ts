/**
 * Emptiness: a node with no reschedulable pods is removed once it has been empty for the pool's
 * `emptyAfterSeconds` (v1alpha5 `ttlSecondsAfterEmpty`, v1 `consolidateAfter`), measured from the claim's stored
 * `emptySince` so the clock survives invocations. Pure.
 */
import type { NodePool } from "../api/model.js";
import { isReschedulable } from "../core/pods.js";
import type { NodeClaim } from "../state/types.js";
import { isDisrupting, type ViewIndex } from "../view/cluster-view.js";
import { headroomSatisfied } from "../view/headroom.js";
import type { Solver } from "../view/solver-input.js";
import { type Candidate, candidateBlocker, staticPoolReason } from "./candidates.js";
import { budgetsFor, type DisruptionCommand, liveNodeCounts, type Rejection, respectsMinNodes } from "./command.js";
import { simulateRemoval } from "./simulate.js";
import { type SimulationBudget, unlimitedBudget } from "./simulation-budget.js";

/**
 * Seconds a node of this pool must stay empty before it goes, or undefined when empty nodes are kept. v1alpha5
 * consolidation without `ttlSecondsAfterEmpty` removes empty nodes right away (0).
 */
export function emptinessThresholdSeconds(pool: NodePool): number | undefined {
  const d = pool.disruption;
  if (d.consolidationPolicy === "Never") return undefined;
  if (d.emptyAfterSeconds !== undefined) return d.emptyAfterSeconds;
  return d.consolidationPolicy === "WhenEmptyOrUnderutilized" || d.consolidationPolicy === "Balanced" ? 0 : undefined;
}

/** A change to a claim's `emptySince`. `emptySince: undefined` clears it. */
export interface EmptinessUpdate {
  claim: NodeClaim;
  emptySince: number | undefined;
}

/** Claims a disruption waits for as its replacements: the candidate's pods land there once it drains. */
function awaitedReplacements(index: ViewIndex): Set<string> {
  return new Set(
    index.view.claims
      .filter(isDisrupting)
      .flatMap((c) => c.replacementClaimIds ?? (c.replacementClaimId ? [c.replacementClaimId] : [])),
  );
}

/**
 * Stamps `emptySince` on registered nodes that just became empty and clears it on nodes that got a pod again.
 * Claims being disrupted are left alone, and a replacement whose candidate has not drained yet is not stamped: the
 * candidate's pods land there within a pass or two, and a stamp would only be cleared again, two claim writes for
 * nothing. If they never come, it is stamped once the candidate is gone, so its emptiness counts a little later.
 */
export function emptinessUpdates(index: ViewIndex): EmptinessUpdate[] {
  const out: EmptinessUpdate[] = [];
  const awaited = awaitedReplacements(index);
  for (const claim of index.view.claims) {
    if ((claim.state !== "Initialized" && claim.state !== "Registered") || isDisrupting(claim)) continue;
    const node = index.nodeOf(claim);
    if (!node) continue;
    const empty = !index.podsOn(node.metadata.name ?? "").some(isReschedulable);
    if (empty && claim.emptySince === undefined && !awaited.has(claim.id))
      out.push({ claim, emptySince: index.view.now });
    else if (!empty && claim.emptySince !== undefined) out.push({ claim, emptySince: undefined });
  }
  return out;
}

/** Why the empty candidate is not removable yet, or undefined. */
export function emptinessBlocker(c: Candidate, now: number): string | undefined {
  if (c.pool.replicas !== undefined) return staticPoolReason(c.pool.name, c.pool.replicas);
  const threshold = emptinessThresholdSeconds(c.pool);
  if (threshold === undefined) return `pool ${c.pool.name} keeps empty nodes`;
  if (c.claim.emptySince === undefined) return "emptiness not recorded yet";
  const left = c.claim.emptySince + threshold * 1000 - now;
  if (left > 0) return `empty for ${Math.round((now - c.claim.emptySince) / 1000)}s of ${threshold}s`;
  return undefined;
}

/**
 * One command deleting every empty node whose TTL has passed, within each pool's budget, keeping `minNodes` and
 * keeping satisfied headroom satisfied.
 */
export function emptinessCommand(
  index: ViewIndex,
  candidates: Candidate[],
  solver: Solver,
  rejections: Rejection[],
  budget: SimulationBudget = unlimitedBudget(solver),
): DisruptionCommand | undefined {
  const method = "Emptiness";
  const now = index.view.now;
  const budgets = budgetsFor(index, "Empty");
  const live = liveNodeCounts(index);
  const hasHeadroom = (index.view.headroomPods ?? []).length > 0;
  if (hasHeadroom && !budget.allow()) return undefined; // cannot check headroom: remove nothing this time
  const keepHeadroom = hasHeadroom && headroomSatisfied(index, budget.solver);
  const chosen: Candidate[] = [];
  const sorted = candidates
    .filter((c) => c.reschedulable.length === 0)
    .sort((a, b) => (a.claim.emptySince ?? 0) - (b.claim.emptySince ?? 0) || a.nodeName.localeCompare(b.nodeName));
  for (const c of sorted) {
    const why = emptinessBlocker(c, now) ?? candidateBlocker(c, index, "graceful");
    if (why) {
      rejections.push({ method, node: c.nodeName, reason: why });
      continue;
    }
    if (!respectsMinNodes(index.poolsByName, live, [...chosen, c], [])) {
      rejections.push({ method, node: c.nodeName, reason: `pool ${c.pool.name} would drop below minNodes` });
      continue;
    }
    if (keepHeadroom) {
      if (!budget.allow()) break;
      const removed = new Set([...chosen, c].flatMap((x) => [x.nodeName, x.claim.id]));
      const sim = simulateRemoval(index, removed, [], budget.solver, { headroomMustFit: true });
      if (sim.newNodes.length > 0 || sim.unschedulable.length > 0) {
        rejections.push({ method, node: c.nodeName, reason: "node holds the pool's headroom" });
        continue;
      }
    }
    if (!budgets.take(c.pool.name)) {
      rejections.push({ method, node: c.nodeName, reason: `disruption budget of pool ${c.pool.name} is exhausted` });
      continue;
    }
    chosen.push(c);
  }
  if (chosen.length === 0) return undefined;
  return {
    method,
    reason: "Empty",
    candidates: chosen,
    replacements: [],
    explanation: `delete empty node${chosen.length > 1 ? "s" : ""} ${chosen.map((c) => c.nodeName).join(", ")}`,
    savingsPerHour: chosen.reduce((s, c) => s + (c.price ?? 0), 0),
  };
}
