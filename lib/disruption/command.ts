/**
 * A disruption decision: which nodes to take away, for what reason, and what to launch first. Pure data plus the
 * budget/min-nodes accounting every method shares.
 */
import type { DisruptionReason, NodePool } from "../api/model.js";
import type { Pod } from "../core/kube-objects.js";
import type { NewNode } from "../scheduling/types.js";
import { isDisrupting, isNodeReady, type ViewIndex } from "../view/cluster-view.js";
import { BudgetTracker, type PoolDisruptionCounts } from "./budgets.js";
import type { Candidate } from "./candidates.js";

/** The disruption methods, in the order they are tried. */
export type DisruptionMethod =
  | "Emptiness"
  | "Expiration"
  | "Drift"
  | "MultiNodeConsolidation"
  | "SingleNodeConsolidation";

/** One decision to act on. */
export interface DisruptionCommand {
  method: DisruptionMethod;
  reason: DisruptionReason;
  candidates: Candidate[];
  /** Nodes to launch before the candidates are drained (empty = just delete). */
  replacements: NewNode[];
  /** A sentence a human understands. */
  explanation: string;
  /** Σ candidate prices − Σ replacement prices, when prices are known. */
  savingsPerHour?: number;
  /** Where the simulation put the moved pods that stay on other nodes, by node name. @default unknown */
  destinations?: Map<string, Pod[]>;
}

/** A candidate a method looked at and turned down, with why. */
export interface Rejection {
  method: DisruptionMethod;
  node: string;
  reason: string;
}

/** {@link poolDisruptionCounts} per index (a plan asks once per candidate; the view does not change meanwhile). */
const countsByIndex = new WeakMap<ViewIndex, ReadonlyMap<string, Readonly<PoolDisruptionCounts>>>();

/** Budget counts per pool: initialized nodes, and those disrupting or not Ready (a fresh map the caller may change). */
export function poolDisruptionCounts(index: ViewIndex): Map<string, PoolDisruptionCounts> {
  let counts = countsByIndex.get(index);
  if (!counts) {
    counts = countPoolDisruptions(index);
    countsByIndex.set(index, counts);
  }
  return new Map([...counts].map(([pool, c]) => [pool, { ...c }]));
}

function countPoolDisruptions(index: ViewIndex): Map<string, PoolDisruptionCounts> {
  const counts = new Map<string, PoolDisruptionCounts>();
  for (const claim of index.view.claims) {
    if (claim.state !== "Initialized" && claim.state !== "Draining") continue;
    const c = counts.get(claim.pool) ?? { numNodes: 0, disrupting: 0 };
    c.numNodes++;
    const node = index.nodeOf(claim);
    if (isDisrupting(claim) || !node || !isNodeReady(node)) c.disrupting++;
    counts.set(claim.pool, c);
  }
  return counts;
}

/** A budget tracker for one reason over the view's pools. */
export function budgetsFor(index: ViewIndex, reason: DisruptionReason): BudgetTracker {
  return new BudgetTracker(index.view.pools, reason, poolDisruptionCounts(index), index.view.now);
}

/** Live (not disrupting, not terminated) launched nodes per pool, for `minNodes`. */
export function liveNodeCounts(index: ViewIndex): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of index.view.claims) {
    if (c.state === "Pending" || c.state === "Terminated" || isDisrupting(c)) continue;
    out.set(c.pool, (out.get(c.pool) ?? 0) + 1);
  }
  return out;
}

/** Whether removing `candidates` (and launching `replacements`) keeps every pool at or above its `minNodes`. */
export function respectsMinNodes(
  pools: Map<string, NodePool>,
  live: Map<string, number>,
  candidates: Candidate[],
  replacements: NewNode[],
): boolean {
  const delta = new Map<string, number>();
  for (const c of candidates) delta.set(c.pool.name, (delta.get(c.pool.name) ?? 0) - 1);
  for (const r of replacements) delta.set(r.pool, (delta.get(r.pool) ?? 0) + 1);
  for (const [pool, d] of delta) {
    const min = pools.get(pool)?.minNodes ?? 0;
    if (d < 0 && (live.get(pool) ?? 0) + d < min) return false;
  }
  return true;
}

/** Σ of known candidate prices (undefined if any is unknown). */
export function candidatesPrice(candidates: Candidate[]): number | undefined {
  let sum = 0;
  for (const c of candidates) {
    if (c.price === undefined) return undefined;
    sum += c.price;
  }
  return sum;
}

/** `ns/name` list of the pods a command moves (for decision logs). */
export function movedPodNames(cmd: DisruptionCommand): string[] {
  return cmd.candidates.flatMap((c) =>
    c.reschedulable.map((p) => `${p.metadata.namespace ?? "default"}/${p.metadata.name ?? ""}`),
  );
}
