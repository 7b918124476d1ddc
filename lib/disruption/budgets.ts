/**
 * Disruption budgets (v1 `spec.disruption.budgets`): how many of a pool's nodes may be voluntarily disrupted at
 * once for a reason. Each active budget allows a count (`"5"`) or a percentage of the pool's nodes rounded up
 * (`"10%"`); the smallest active budget wins; nodes already being disrupted count against it. Pure.
 */
import type { DisruptionBudget, DisruptionReason, NodePool } from "../api/model.js";
import { isWindowActive, parseCron } from "./cron.js";

/** The budget applied when a pool lists none. */
export const DEFAULT_BUDGET: DisruptionBudget = { nodes: "10%" };

/** A budget whose `nodes` value is neither a non-negative integer nor a percentage. */
export class InvalidBudgetError extends Error {
  constructor(
    readonly pool: string,
    readonly value: string,
  ) {
    super(
      `NodePool "${pool}": spec.disruption.budgets[].nodes ${JSON.stringify(value)} must be an integer or a percentage like "10%"`,
    );
    this.name = "InvalidBudgetError";
  }
}

/** Whether the budget applies at `nowMs` (no schedule = always). */
export function isBudgetActive(b: DisruptionBudget, nowMs: number): boolean {
  if (b.schedule === undefined || b.durationSeconds === undefined) return true;
  return isWindowActive(parseCron(b.schedule), b.durationSeconds * 1000, nowMs);
}

/** Nodes the budget allows for a pool of `numNodes` (percentages rounded up, as Karpenter). */
export function budgetNodeCount(pool: string, b: DisruptionBudget, numNodes: number): number {
  const v = b.nodes.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (pct) return Math.ceil((Number(pct[1]) * numNodes) / 100);
  if (/^\d+$/.test(v)) return Number(v);
  throw new InvalidBudgetError(pool, b.nodes);
}

/**
 * Maximum nodes of the pool that may be disrupted at once for `reason` at `nowMs`, before subtracting those
 * already disrupting; `Infinity` when no budget is active for that reason.
 */
export function budgetLimit(pool: NodePool, reason: DisruptionReason, numNodes: number, nowMs: number): number {
  const budgets = pool.disruption.budgets.length > 0 ? pool.disruption.budgets : [DEFAULT_BUDGET];
  let limit = Number.POSITIVE_INFINITY;
  for (const b of budgets) {
    if (b.reasons && b.reasons.length > 0 && !b.reasons.includes(reason)) continue;
    if (!isBudgetActive(b, nowMs)) continue;
    limit = Math.min(limit, budgetNodeCount(pool.name, b, numNodes));
  }
  return limit;
}

/** Counts feeding a pool's budget. */
export interface PoolDisruptionCounts {
  /** Managed, initialized nodes of the pool that are not already terminating. */
  numNodes: number;
  /** Of those (and beyond), nodes currently being disrupted (marked, draining) or not Ready. */
  disrupting: number;
}

/** Nodes that may still be disrupted now: `max(0, limit − disrupting)`. */
export function allowedDisruptions(
  pool: NodePool,
  reason: DisruptionReason,
  counts: PoolDisruptionCounts,
  nowMs: number,
): number {
  const limit = budgetLimit(pool, reason, counts.numNodes, nowMs);
  return Math.max(0, limit - counts.disrupting);
}

/** A mutable per-pool allowance for one reason, decremented as candidates are picked. */
export class BudgetTracker {
  private readonly remaining = new Map<string, number>();

  constructor(pools: NodePool[], reason: DisruptionReason, counts: Map<string, PoolDisruptionCounts>, nowMs: number) {
    for (const p of pools) {
      const c = counts.get(p.name) ?? { numNodes: 0, disrupting: 0 };
      this.remaining.set(p.name, allowedDisruptions(p, reason, c, nowMs));
    }
  }

  /** What is left for the pool. */
  left(pool: string): number {
    return this.remaining.get(pool) ?? 0;
  }

  /** Takes one disruption from the pool's allowance; false (and nothing taken) when none is left. */
  take(pool: string): boolean {
    const left = this.left(pool);
    if (left <= 0) return false;
    this.remaining.set(pool, left - 1);
    return true;
  }
}
