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
  const { rem, inv, left, active } = scratchFor(dims, classes.length);
  for (let k = 0; k < dims; k++) {
    rem[k] = cap[k] - used[k];
    inv[k] = cap[k] > 0 ? 1 / cap[k] : 0;
  }
  // `active` holds the classes still worth scoring, in index order: a class leaves once it is used up or no longer
  // fits (the free capacity only shrinks, so it never fits again).
  let live = 0;
  for (let i = 0; i < classes.length; i++) {
    left[i] = classes[i].count - out[i];
    if (left[i] > 0) active[live++] = i;
  }
  for (;;) {
    const pick = pickClass(classes, active, live, left, rem, inv, dims, rule);
    live = pick.live;
    if (pick.best < 0) break;
    const best = pick.best;
    // Take a few at once when many fit: a quarter of what fits keeps the mix balanced and the loop short.
    const k = Math.max(1, Math.min(left[best], Math.floor(pick.fitMax / 4)));
    const v = classes[best].vec;
    for (let d = 0; d < dims; d++) rem[d] -= v[d] * k;
    left[best] -= k;
    out[best] += k;
  }
  return out;
}

/** Working arrays of {@link fillBin} (reused: fills do not nest; small typed arrays are costly to allocate). */
const scratch = {
  rem: new Float64Array(0),
  inv: new Float64Array(0),
  left: new Float64Array(0),
  active: new Int32Array(0),
};

function scratchFor(dims: number, classes: number): typeof scratch {
  if (scratch.rem.length < dims) {
    scratch.rem = new Float64Array(dims);
    scratch.inv = new Float64Array(dims);
  }
  if (scratch.left.length < classes) {
    scratch.left = new Float64Array(Math.max(classes, 2 * scratch.left.length));
    scratch.active = new Int32Array(scratch.left.length);
  }
  return scratch;
}

/** The outcome of one {@link pickClass} round (reused: one pick at a time). */
const picked = { best: -1, fitMax: 0, live: 0 };

/**
 * Picks the class pointing the same way as the free capacity (cosine, capacity-normalised; ties go to the larger
 * pod), compacting `active` to the classes that still fit.
 */
function pickClass(
  classes: readonly FillClass[],
  active: Int32Array,
  live: number,
  left: Float64Array,
  rem: Float64Array,
  inv: Float64Array,
  dims: number,
  rule: FillRule,
): typeof picked {
  let remNorm = 0;
  for (let k = 0; k < dims; k++) remNorm += (rem[k] * inv[k]) ** 2;
  remNorm = Math.sqrt(remNorm) || 1;
  let best = -1;
  let bestScore = -1;
  let bestSize = 0;
  let bestMax = 0;
  let kept = 0;
  for (let a = 0; a < live; a++) {
    const i = active[a];
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
    active[kept++] = i;
    const size = Math.sqrt(norm);
    const score = rule === "dot" ? dot : size > 0 ? dot / (size * remNorm) : 0;
    if (score > bestScore + 1e-12 || (score > bestScore - 1e-12 && size > bestSize)) {
      bestScore = score;
      best = i;
      bestSize = size;
      bestMax = fitMax;
    }
  }
  picked.best = best;
  picked.fitMax = bestMax;
  picked.live = kept;
  return picked;
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
