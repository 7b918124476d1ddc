/**
 * The order placement tries its candidates in: pairs of (current group, group after narrowing and pinning) by
 * structure, then by how crowded the pod's spread domains are at the pinned group.
 */

import type { BinGroup } from "./bin-group.js";
import type { Effective } from "./pod-class.js";

/** A candidate: bins of group `g`, which move to group `p` (narrowed/pinned) when they take the pod. */
export interface Pair {
  g: BinGroup;
  p: BinGroup;
  score: number;
}

/**
 * How crowded the pod's spread domains are at a pinned group: counts of its own spreads weigh most, counts of
 * spreads that merely select it keep domains balanced for their owners.
 */
export function balanceScore(e: Effective, p: BinGroup): number {
  let score = 0;
  for (const s of e.spreads) {
    if (s.hostname) continue;
    const pv = p.pinnedValue(s.key);
    if (pv.known && pv.value !== undefined) score += s.count(pv.value) * 1e6;
  }
  for (const s of e.matched) {
    if (s.hostname || s.kind !== "spread") continue;
    const pv = p.pinnedValue(s.key);
    if (pv.known && pv.value !== undefined) score += s.count(pv.value);
  }
  return score;
}

/** Whether `a` comes before `b`: by score, then by group ids. */
export function pairBefore(a: Pair, b: Pair): boolean {
  return a.score < b.score || (a.score === b.score && (a.g.id < b.g.id || (a.g.id === b.g.id && a.p.id < b.p.id)));
}
