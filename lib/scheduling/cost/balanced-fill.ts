/**
 * Cost-directed bin construction for a multiset of pod classes (identical pods with a request vector and a count):
 *
 * - `fillBin` fills one bin of a given capacity by direction matching (a cosine variant of the vector bin-packing
 *   "dot product" rule): repeatedly take the class whose request points the same way as the still-free capacity
 *   (both relative to the capacity), so CPU-heavy and memory-heavy pods end up sharing nodes instead of one
 *   dimension running out first;
 * - `bestBin` tries several instance types for the next bin, fills each, and keeps the one that carries the most
 *   dual value (LP prices of the resources, see targets.ts) per dollar.
 *
 * Pure functions over plain arrays; the caller turns counts back into pods.
 */
import { solveCoveringLp } from "./lp.js";

/** Identical pods still to be placed. */
export interface FillClass {
  vec: Float64Array;
  count: number;
}

/** A bin type for {@link bestBin}. */
export interface FillType {
  cap: Float64Array;
  price: number;
}

/**
 * How `fillBin` picks the next class: `dot` (size-weighted match with the free capacity: big pods first, the
 * classic rule) or `cosine` (direction only: keeps both dimensions draining at the same pace).
 */
export type FillRule = "dot" | "cosine";

/**
 * Fills a bin of capacity `cap` already holding `used` from `classes` (counts not yet taken); returns how many pods
 * of each class it took (added to `taken` when given).
 */
export function fillBin(
  cap: Float64Array,
  used: Float64Array,
  classes: readonly FillClass[],
  taken?: Int32Array,
  rule: FillRule = "dot",
): Int32Array {
  const dims = cap.length;
  const out = taken ?? new Int32Array(classes.length);
  const rem = new Float64Array(dims);
  const inv = new Float64Array(dims);
  for (let k = 0; k < dims; k++) {
    rem[k] = cap[k] - used[k];
    inv[k] = cap[k] > 0 ? 1 / cap[k] : 0;
  }
  const left = classes.map((c, i) => c.count - out[i]);
  for (;;) {
    // Pick the class pointing the same way as the free capacity (cosine, capacity-normalised); ties go to the
    // larger pod.
    let remNorm = 0;
    for (let k = 0; k < dims; k++) remNorm += (rem[k] * inv[k]) ** 2;
    remNorm = Math.sqrt(remNorm) || 1;
    let best = -1;
    let bestScore = -1;
    let bestSize = 0;
    let bestMax = 0;
    for (let i = 0; i < classes.length; i++) {
      if (left[i] <= 0) continue;
      const v = classes[i].vec;
      let fitMax = Number.POSITIVE_INFINITY;
      let dot = 0;
      let norm = 0;
      for (let k = 0; k < dims; k++) {
        const need = v[k];
        if (need <= 0) continue;
        if (need > rem[k]) {
          fitMax = 0;
          break;
        }
        const n = Math.floor(rem[k] / need);
        if (n < fitMax) fitMax = n;
        const x = need * inv[k];
        dot += x * rem[k] * inv[k];
        norm += x * x;
      }
      if (fitMax <= 0) continue;
      const size = Math.sqrt(norm);
      const score = rule === "dot" ? dot : size > 0 ? dot / (size * remNorm) : 0;
      if (score > bestScore + 1e-12 || (score > bestScore - 1e-12 && size > bestSize)) {
        bestScore = score;
        best = i;
        bestSize = size;
        bestMax = fitMax;
      }
    }
    if (best < 0) break;
    // Take a few at once when many fit: a quarter of what fits keeps the mix balanced and the loop short.
    const k = Math.max(1, Math.min(left[best], Math.floor(bestMax / 4)));
    const v = classes[best].vec;
    for (let d = 0; d < dims; d++) rem[d] -= v[d] * k;
    left[best] -= k;
    out[best] += k;
  }
  return out;
}

/** Dual prices of the resources for covering the classes' total demand with the types (LP, targets.ts). */
export function dualPrices(
  types: readonly FillType[],
  classes: readonly FillClass[],
  dims: number,
  columns?: readonly number[],
): Float64Array {
  const demand = new Float64Array(dims);
  for (const c of classes) for (let k = 0; k < dims; k++) demand[k] += c.vec[k] * c.count;
  const maxCap = new Float64Array(dims);
  for (const t of types) for (let k = 0; k < dims; k++) maxCap[k] = Math.max(maxCap[k], t.cap[k]);
  for (let k = 0; k < dims; k++) if (maxCap[k] <= 0) demand[k] = 0;
  const cols = columns ?? types.map((_, j) => j);
  const rows: Float64Array[] = [];
  for (let k = 0; k < dims; k++) rows.push(Float64Array.from(cols, (j) => Math.max(0, types[j].cap[k])));
  const sol = solveCoveringLp(
    cols.map((j) => types[j].price),
    rows,
    demand,
  );
  if (sol) return sol.duals;
  // Fallback: price of one unit of the scarcest dimension on the cheapest-per-unit type.
  const duals = new Float64Array(dims);
  for (let k = 0; k < dims; k++) {
    if (demand[k] <= 0) continue;
    let best = Number.POSITIVE_INFINITY;
    for (const t of types) if (t.cap[k] > 0) best = Math.min(best, t.price / t.cap[k]);
    if (Number.isFinite(best)) duals[k] = best;
  }
  return duals;
}

/** Value of a set of pods at dual prices. */
export function dualValue(classes: readonly FillClass[], taken: Int32Array, duals: Float64Array): number {
  let v = 0;
  for (let i = 0; i < classes.length; i++) {
    if (taken[i] === 0) continue;
    let unit = 0;
    for (let k = 0; k < duals.length; k++) unit += duals[k] * classes[i].vec[k];
    v += unit * taken[i];
  }
  return v;
}

/** The best next bin among candidate types: the fill with the highest dual value per dollar. */
export function bestBin(
  candidates: readonly number[],
  types: readonly FillType[],
  classes: readonly FillClass[],
  duals: Float64Array,
  used?: Float64Array,
  rule: FillRule = "dot",
): { type: number; taken: Int32Array; value: number; ratio: number } | undefined {
  let best: { type: number; taken: Int32Array; value: number; ratio: number } | undefined;
  const zero = used ?? new Float64Array(types[0]?.cap.length ?? 0);
  for (const t of candidates) {
    const taken = fillBin(types[t].cap, zero, classes, undefined, rule);
    let any = false;
    for (const n of taken) if (n > 0) any = true;
    if (!any) continue;
    const value = dualValue(classes, taken, duals);
    const ratio = types[t].price > 0 ? value / types[t].price : value;
    if (!best || ratio > best.ratio * (1 + 1e-9) || (ratio >= best.ratio * (1 - 1e-9) && value > best.value)) {
      best = { type: t, taken, value, ratio };
    }
  }
  return best;
}
