/**
 * Strategies that turn a multiset of movable pods into new bins of one group (repack.ts picks the cheapest):
 * - greedy: bin by bin, the candidate type whose balanced fill carries the most dual value per dollar;
 * - LP rounding: whole nodes with the class-assignment LP's per-node mix, then a look-ahead dive for the tail.
 * Each strategy counts the bins it opens against the pool's limits through `acquire`.
 */

import { fitsIn } from "../packer/resource-dims.js";
import { solveAssignment } from "./assignment-plan.js";
import { bestBin, dualPrices, type FillClass, type FillRule, type FillType, fillBin } from "./balanced-fill.js";
import { solveCoveringLp } from "./lp.js";

/**
 * Drops types another type beats per dollar in every binding dimension (`b` dominates `a` when cap_b/price_b ≥
 * cap_a/price_a wherever the LP prices the dimension); among equally efficient ones the larger is kept (fewer,
 * fuller bins).
 */
export function scaledUndominated(idx: readonly number[], types: readonly FillType[], duals: Float64Array): number[] {
  return idx.filter((a) => {
    const ta = types[a];
    return !idx.some((b) => {
      if (b === a) return false;
      const tb = types[b];
      let strictly = false;
      for (let k = 0; k < ta.cap.length; k++) {
        if (!(duals[k] > 0)) continue; // dimensions the workload does not bind on do not count
        const ea = ta.cap[k] * tb.price;
        const eb = tb.cap[k] * ta.price;
        if (eb < ea * (1 - 1e-9)) return false;
        if (eb > ea * (1 + 1e-9)) strictly = true;
      }
      return strictly || tb.cap[0] > ta.cap[0] || (tb.cap[0] === ta.cap[0] && b < a);
    });
  });
}

/** A planned new bin: entry index and pods taken per class. */
export interface FreshBin {
  entry: number;
  taken: Int32Array;
}

/** Pods in a per-class count vector. */
export function countTaken(taken: Int32Array): number {
  let n = 0;
  for (const x of taken) n += x;
  return n;
}

/** Bin by bin: the candidate type whose balanced fill carries the most dual value per dollar. */
export function greedyFresh(
  remaining: FillClass[],
  types: FillType[],
  candidates: () => number[],
  refreshDuals: () => void,
  duals: () => Float64Array,
  acquire: (j: number) => void,
  rule: FillRule = "dot",
): FreshBin[] | undefined {
  const fresh: FreshBin[] = [];
  let left = remaining.reduce((s, c) => s + c.count, 0);
  let sinceDuals = 0;
  while (left > 0) {
    if (sinceDuals >= 4) {
      refreshDuals();
      sinceDuals = 0;
    }
    const best = bestBin(candidates(), types, remaining, duals(), undefined, rule);
    if (!best) return undefined;
    for (let i = 0; i < remaining.length; i++) remaining[i].count -= best.taken[i];
    left -= countTaken(best.taken);
    fresh.push({ entry: best.type, taken: best.taken });
    acquire(best.type);
    sinceDuals++;
  }
  return fresh;
}

/**
 * LP rounding: solve the assignment LP, open ⌊n_t⌋ bins of every type with the LP's per-node mix of classes (topped
 * up by a balanced fill), re-solve for what is left, and finish the tail bin by bin with the greedy.
 */
export function roundedFresh(
  remaining: FillClass[],
  types: FillType[],
  efficient: () => number[],
  candidates: () => number[],
  allowed: (j: number) => boolean,
  dims: number,
  acquire: (j: number) => void,
  refreshDuals: () => Float64Array,
): FreshBin[] | undefined {
  const fresh: FreshBin[] = [];
  for (let round = 0; round < 8; round++) {
    if (!remaining.some((c) => c.count > 0)) break;
    refreshDuals();
    const cands = efficient();
    for (const c of remaining) {
      if (c.count <= 0 || cands.some((t) => fitsIn(c.vec, types[t].cap))) continue;
      const extra = candidates().find((t) => fitsIn(c.vec, types[t].cap));
      if (extra !== undefined) cands.push(extra);
    }
    const a = solveAssignment(types, cands, remaining);
    if (!a) break;
    let opened = 0;
    const order = cands.map((t, ti) => ({ t, ti })).sort((x, y) => a.n[y.ti] - a.n[x.ti] || x.t - y.t);
    for (const { t, ti } of order) {
      const k = Math.floor(a.n[ti] + 1e-6);
      for (let b = 0; b < k && allowed(t); b++) {
        const taken = new Int32Array(remaining.length);
        const used = new Float64Array(dims);
        remaining.forEach((c, i) => {
          const share = a.y[i][ti] / a.n[ti];
          const want = Math.round((b + 1) * share) - Math.round(b * share);
          const n = Math.min(c.count, Math.max(0, want));
          for (let x = 0; x < n; x++) {
            let ok = true;
            for (let d = 0; d < dims; d++) if (used[d] + c.vec[d] > types[t].cap[d]) ok = false;
            if (!ok) break;
            for (let d = 0; d < dims; d++) used[d] += c.vec[d];
            taken[i]++;
          }
        });
        const rest: FillClass[] = remaining.map((c, i) => ({ vec: c.vec, count: c.count - taken[i] }));
        fillBin(types[t].cap, used, rest, taken, "cosine");
        if (countTaken(taken) === 0) break;
        for (let i = 0; i < remaining.length; i++) remaining[i].count -= taken[i];
        fresh.push({ entry: t, taken });
        acquire(t);
        opened++;
      }
    }
    if (opened === 0) break;
  }
  if (remaining.some((c) => c.count > 0)) {
    const rest = diveFresh(remaining, types, efficient, candidates, dims, acquire);
    if (!rest) return undefined;
    fresh.push(...rest);
  }
  return fresh;
}

/** Cost of covering the classes' total demand with the types, fractionally (a cheap estimate of what is left). */
function coveringCost(
  types: FillType[],
  cands: readonly number[],
  classes: readonly FillClass[],
  dims: number,
): number | undefined {
  const demand = new Float64Array(dims);
  for (const c of classes) for (let k = 0; k < dims; k++) demand[k] += c.vec[k] * Math.max(0, c.count);
  const rows: Float64Array[] = [];
  for (let k = 0; k < dims; k++) rows.push(Float64Array.from(cands, (j) => Math.max(0, types[j].cap[k])));
  return solveCoveringLp(
    cands.map((j) => types[j].price),
    rows,
    demand,
  )?.value;
}

/** Most bins the look-ahead dive opens (beyond that the greedy finishes). */
const MAX_DIVE_BINS = 12;

/**
 * Look-ahead for tails: every candidate type is tried for the next bin (balanced fill) and scored by its price plus
 * the assignment-LP cost of what would be left; the best is opened. Slow per bin, so only for the last few.
 */
function diveFresh(
  remaining: FillClass[],
  types: FillType[],
  efficient: () => number[],
  candidates: () => number[],
  dims: number,
  acquire: (j: number) => void,
): FreshBin[] | undefined {
  const fresh: FreshBin[] = [];
  const zero = new Float64Array(dims);
  for (let step = 0; remaining.some((c) => c.count > 0); step++) {
    if (step >= MAX_DIVE_BINS) {
      const rest = greedyFresh(
        remaining,
        types,
        candidates,
        () => {},
        () => dualPrices(types, remaining, dims),
        acquire,
      );
      if (!rest) return undefined;
      fresh.push(...rest);
      break;
    }
    const estimateCands = efficient();
    let best: { t: number; taken: Int32Array; score: number; n: number } | undefined;
    for (const t of candidates()) {
      const taken = fillBin(types[t].cap, zero, remaining, undefined, "cosine");
      const n = countTaken(taken);
      if (n === 0) continue;
      const rest = remaining.map((c, i) => ({ vec: c.vec, count: c.count - taken[i] }));
      let later = 0;
      if (rest.some((c) => c.count > 0)) {
        const est = coveringCost(types, estimateCands, rest, dims);
        if (est === undefined) continue;
        later = est;
      }
      const score = types[t].price + later;
      if (!best || score < best.score - 1e-9 || (score <= best.score + 1e-9 && n > best.n))
        best = { t, taken, score, n };
    }
    if (!best) return undefined;
    for (let i = 0; i < remaining.length; i++) remaining[i].count -= best.taken[i];
    fresh.push({ entry: best.t, taken: best.taken });
    acquire(best.t);
  }
  return fresh;
}

/** Adds the requests of `taken` pods of each class to `used`. */
export function addTaken(used: Float64Array, classes: readonly FillClass[], taken: Int32Array): void {
  for (let i = 0; i < classes.length; i++) {
    if (taken[i] === 0) continue;
    const v = classes[i].vec;
    for (let k = 0; k < used.length; k++) used[k] += v[k] * taken[i];
  }
}
