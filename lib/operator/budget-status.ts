/**
 * The disruption budgets of each pool as `stevedore status` shows them: every budget (or the default one), whether
 * it is in force now, how many nodes it allows, and how many nodes may be disrupted now for each reason. The
 * arithmetic is the disruptor's own (`lib/disruption/budgets.ts`).
 */
import type { DisruptionReason, NodePool } from "../api/model.js";
import type { Node } from "../core/kube-objects.js";
import {
  allowedDisruptions,
  budgetNodeCount,
  DEFAULT_BUDGET,
  isBudgetActive,
  type PoolDisruptionCounts,
} from "../disruption/budgets.js";
import type { NodeClaim } from "../state/types.js";
import { isDisrupting, isNodeReady } from "../view/cluster-view.js";

const REASONS: readonly DisruptionReason[] = ["Empty", "Underutilized", "Drifted", "Expired"];

/** One budget of a pool. */
export interface BudgetStatus {
  pool: string;
  /** `"10%"` or `"2"`. */
  nodes: string;
  /** Cron (UTC) and window, when the budget has one. */
  schedule?: string;
  durationSeconds?: number;
  /** Reasons it is scoped to (all when unset). */
  reasons?: DisruptionReason[];
  /** The pool lists no budget: this is the default one. */
  isDefault: boolean;
  /** In force at the time of the status. */
  active: boolean;
  /** Nodes it allows for the pool's current node count. */
  allowsNodes: number;
}

/** A pool's budgets and what they allow now. */
export interface PoolBudgets {
  pool: string;
  counts: PoolDisruptionCounts;
  budgets: BudgetStatus[];
  /** Nodes that may still be disrupted now, per reason (`null` = no budget limits that reason). */
  allowedNow: Record<DisruptionReason, number | null>;
}

/**
 * The budget counts of a pool from its claims, as the disruptor takes them: Initialized and Draining claims are
 * its nodes; those being disrupted, or whose Node is known and not Ready, are disrupting. Without the cluster's
 * Nodes, readiness is not known and only disruption marks count.
 */
export function disruptionCounts(
  pool: string,
  claims: readonly NodeClaim[],
  nodes: readonly Node[] | undefined,
): PoolDisruptionCounts {
  const byName = new Map((nodes ?? []).map((n) => [n.metadata.name ?? "", n]));
  const counts = { numNodes: 0, disrupting: 0 };
  for (const c of claims) {
    if (c.pool !== pool || (c.state !== "Initialized" && c.state !== "Draining")) continue;
    counts.numNodes++;
    const node = c.nodeName ? byName.get(c.nodeName) : undefined;
    const notReady = nodes !== undefined && (!node || !isNodeReady(node));
    if (isDisrupting(c) || notReady) counts.disrupting++;
  }
  return counts;
}

/** Every pool's budgets at `now`. */
export function poolBudgets(
  pools: readonly NodePool[],
  claims: readonly NodeClaim[],
  nodes: readonly Node[] | undefined,
  now: number,
): PoolBudgets[] {
  return pools.map((pool) => {
    const counts = disruptionCounts(pool.name, claims, nodes);
    const listed = pool.disruption.budgets;
    const budgets = (listed.length > 0 ? listed : [DEFAULT_BUDGET]).map(
      (b): BudgetStatus => ({
        pool: pool.name,
        nodes: b.nodes,
        ...(b.schedule !== undefined ? { schedule: b.schedule, durationSeconds: b.durationSeconds } : {}),
        ...(b.reasons && b.reasons.length > 0 ? { reasons: b.reasons } : {}),
        isDefault: listed.length === 0,
        active: isBudgetActive(b, now),
        allowsNodes: budgetNodeCount(pool.name, b, counts.numNodes),
      }),
    );
    const allowedNow = {} as Record<DisruptionReason, number | null>;
    for (const reason of REASONS) {
      const allowed = allowedDisruptions(pool, reason, counts, now);
      allowedNow[reason] = Number.isFinite(allowed) ? allowed : null;
    }
    return { pool: pool.name, counts, budgets, allowedNow };
  });
}
