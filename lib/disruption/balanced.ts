/**
 * `consolidationPolicy: Balanced` (Karpenter v1.14, `disruption/balanced.go`): a consolidation move is taken only
 * when the share of the pool's cost it saves outweighs the share of the pool's disruption it causes.
 *
 *   savingsFraction    = savings / pool cost
 *   disruptionFraction = move disruption / pool disruption
 *   score              = savingsFraction / disruptionFraction, approved when score ≥ 1/k (k = 2)
 *
 * Disruption counts 1 per node plus each reschedulable pod's eviction cost (never below 0), without the
 * lifetime-remaining factor that orders candidates. Pool totals run over every priced candidate of the pool, not
 * only the ones consolidation may touch. A move across pools is scored per Balanced pool, each with its share of
 * the savings (in proportion to its candidates' price), and every Balanced pool must approve. Pure.
 */
import { evictionCost } from "../core/pods.js";
import type { ViewIndex } from "../view/cluster-view.js";
import { buildCandidates, type Candidate } from "./candidates.js";
import type { DisruptionCommand } from "./command.js";

/** Karpenter's default k: a move is approved when its score is at least 1/k. */
export const BALANCED_K = 2;

/** A pool's cost and disruption, the denominators of the score. */
export interface PoolTotals {
  /** Σ price per hour of the pool's priced candidates. */
  cost: number;
  /** Σ over those candidates of 1 + Σ max(0, eviction cost) of their reschedulable pods. */
  disruption: number;
}

/** The score of one move for one pool. */
export interface BalancedScore {
  score: number;
  savingsFraction: number;
  disruptionFraction: number;
  approved: boolean;
  /** 1/k. */
  threshold: number;
}

/** Disruption of removing the candidates: 1 per node plus Σ max(0, eviction cost) of their reschedulable pods. */
export function moveDisruption(candidates: Candidate[]): number {
  let cost = candidates.length;
  for (const c of candidates) for (const p of c.reschedulable) cost += Math.max(0, evictionCost(p));
  return cost;
}

/** Totals per pool over every priced candidate of the view. */
export function poolTotals(candidates: Candidate[]): Map<string, PoolTotals> {
  const out = new Map<string, PoolTotals>();
  for (const c of candidates) {
    if (c.price === undefined || c.price <= 0) continue;
    const t = out.get(c.pool.name) ?? { cost: 0, disruption: 0 };
    t.cost += c.price;
    t.disruption += moveDisruption([c]);
    out.set(c.pool.name, t);
  }
  return out;
}

/** Scores a move saving `savings` per hour at `disruption` against the pool's totals. */
export function scoreMove(savings: number, disruption: number, totals: PoolTotals, k = BALANCED_K): BalancedScore {
  const threshold = 1 / k;
  const savingsFraction = totals.cost > 0 ? savings / totals.cost : 0;
  if (totals.cost <= 0 || savings <= 0) {
    return { score: 0, savingsFraction, disruptionFraction: 0, approved: false, threshold };
  }
  if (totals.disruption <= 0) {
    return { score: Number.POSITIVE_INFINITY, savingsFraction, disruptionFraction: 0, approved: true, threshold };
  }
  const disruptionFraction = disruption / totals.disruption;
  const score = savingsFraction / disruptionFraction;
  return { score, savingsFraction, disruptionFraction, approved: score >= threshold, threshold };
}

const totalsCache = new WeakMap<ViewIndex, Map<string, PoolTotals>>();

function totalsOf(index: ViewIndex): Map<string, PoolTotals> {
  let totals = totalsCache.get(index);
  if (!totals) {
    totals = poolTotals(buildCandidates(index));
    totalsCache.set(index, totals);
  }
  return totals;
}

function priceOf(candidates: Candidate[]): number {
  return candidates.reduce((s, c) => s + (c.price ?? 0), 0);
}

/**
 * Why the Balanced policy turns the command down, or undefined when no candidate's pool is Balanced or every
 * Balanced pool approves.
 */
export function balancedRejection(index: ViewIndex, cmd: DisruptionCommand): string | undefined {
  const byPool = new Map<string, Candidate[]>();
  for (const c of cmd.candidates) {
    if (c.pool.disruption.consolidationPolicy !== "Balanced") continue;
    byPool.set(c.pool.name, [...(byPool.get(c.pool.name) ?? []), c]);
  }
  if (byPool.size === 0) return undefined;
  const savings = cmd.savingsPerHour ?? 0;
  const total = priceOf(cmd.candidates);
  const pools = new Set(cmd.candidates.map((c) => c.pool.name)).size;
  for (const [pool, candidates] of byPool) {
    const share = pools > 1 && total > 0 ? savings * (priceOf(candidates) / total) : savings;
    const totals = totalsOf(index).get(pool) ?? { cost: 0, disruption: 0 };
    const s = scoreMove(share, moveDisruption(candidates), totals);
    if (!s.approved) {
      return (
        `Balanced: saves ${(s.savingsFraction * 100).toFixed(1)}% of pool ${pool}'s cost for ` +
        `${(s.disruptionFraction * 100).toFixed(1)}% of its disruption (score ${s.score.toFixed(2)} < ${s.threshold})`
      );
    }
  }
  return undefined;
}
