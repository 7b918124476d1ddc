/**
 * Local search over pairs of planned bins of one group (repack.ts): the pods of two wasteful bins are re-packed into
 * one bin or two, and the change is kept when the pair gets cheaper.
 */

import type { BinGroup } from "../packer/bin-group.js";
import type { PoolState } from "../packer/pool-state.js";
import { fitsIn } from "../packer/resource-dims.js";
import { type FillClass, type FillType, fillBin } from "./balanced-fill.js";
import { addTaken, type FreshBin } from "./fresh-bins.js";

/** Bins examined by the pair search (the most wasteful ones). */
const PAIR_BINS = 8;
/** Types tried for the first bin of a re-packed pair. */
const PAIR_TYPES = 12;

/**
 * Local search over pairs of planned bins: the pods of two wasteful bins are re-packed into one bin or two (every
 * candidate type for the first, balanced fill by both rules, the cheapest type for the rest); the change is kept
 * when the pair gets cheaper (and, for pools with limits, no larger).
 */
export function improvePairs(
  fresh: FreshBin[],
  classes: readonly FillClass[],
  group: BinGroup,
  types: FillType[],
  candidates: () => number[],
  pool: PoolState,
  duals: Float64Array,
): FreshBin[] {
  const dims = duals.length;
  const cheapest = (used: Float64Array): number => {
    for (let j = 0; j < group.entries.length; j++) if (fitsIn(used, group.entries[j].cap)) return j;
    return -1;
  };
  const usedOf = (taken: Int32Array) => {
    const u = new Float64Array(dims);
    addTaken(u, classes, taken);
    return u;
  };
  const capSum = (entries: number[], k: string) =>
    entries.reduce((s, j) => s + (pool.types[group.entries[j].i].capacity[k] ?? 0), 0);
  const limitedKeys = Object.keys(pool.limits).filter((k) => k !== "nodes");
  type B = { taken: Int32Array; entry: number; cost: number; waste: number };
  const mk = (taken: Int32Array): B | undefined => {
    const used = usedOf(taken);
    const entry = cheapest(used);
    if (entry < 0) return undefined;
    let v = 0;
    for (let k = 0; k < dims; k++) v += duals[k] * used[k];
    return { taken, entry, cost: group.entries[entry].price, waste: group.entries[entry].price - v };
  };
  let bins = fresh.map((f) => mk(f.taken)).filter((b): b is B => b !== undefined);
  if (bins.length !== fresh.length || bins.length < 2) return fresh;
  const cands = candidates().slice(0, PAIR_TYPES);
  const zero = new Float64Array(dims);
  for (let pass = 0; pass < 3; pass++) {
    let improved = false;
    const worst = [...bins].sort((a, b) => b.waste - a.waste).slice(0, PAIR_BINS);
    const gone = new Set<B>();
    for (let x = 0; x < worst.length; x++) {
      for (let y = x + 1; y < worst.length; y++) {
        const a = worst[x];
        const b = worst[y];
        if (gone.has(a) || gone.has(b)) continue;
        const union = new Int32Array(classes.length);
        for (let i = 0; i < union.length; i++) union[i] = a.taken[i] + b.taken[i];
        const unionClasses = classes.map((c, i) => ({ vec: c.vec, count: union[i] }));
        let bestCost = a.cost + b.cost - 1e-9;
        let bestBins: B[] | undefined;
        const single = mk(union);
        if (single && single.cost < bestCost) {
          bestCost = single.cost;
          bestBins = [single];
        }
        for (const t of cands) {
          for (const rule of ["dot", "cosine"] as const) {
            const first = fillBin(types[t].cap, zero, unionClasses, undefined, rule);
            const rest = new Int32Array(union.length);
            let restCount = 0;
            for (let i = 0; i < union.length; i++) {
              rest[i] = union[i] - first[i];
              restCount += rest[i];
            }
            const b1 = mk(first);
            if (!b1) continue;
            const b2 = restCount > 0 ? mk(rest) : undefined;
            if (restCount > 0 && !b2) continue;
            const cost = b1.cost + (b2?.cost ?? 0);
            if (cost < bestCost) {
              bestCost = cost;
              bestBins = b2 ? [b1, b2] : [b1];
            }
          }
        }
        if (!bestBins) continue;
        if (
          limitedKeys.some(
            (k) =>
              capSum(
                bestBins!.map((q) => q.entry),
                k,
              ) > capSum([a.entry, b.entry], k),
          )
        )
          continue;
        gone.add(a);
        gone.add(b);
        bins = bins.filter((q) => q !== a && q !== b).concat(bestBins);
        improved = true;
      }
    }
    if (!improved) break;
  }
  return bins.map((b) => ({ entry: b.entry, taken: b.taken }));
}
