/**
 * Re-packing one bin group for cost. Pods whose constraints never involve a node's identity (no hostname-keyed
 * topology term or counting group, no host ports) can move freely between bins of the same group: every label
 * they or their topology care about is the same on all of them. Such "movable" pods are taken out of the group's
 * new bins and packed again with {@link bestBin}: first into the bins that must stay (they hold anchored pods),
 * then into new bins, each bin's type chosen for the most dual value per dollar. The result is kept only when it
 * is cheaper.
 */

import { bestBin, dualPrices, dualValue, type FillClass, type FillType, fillBin } from "./balanced-fill.js";
import type { Placement } from "./bin.js";
import { Bin } from "./bin.js";
import type { BinGroup, TypeEntry } from "./bin-group.js";
import type { Effective } from "./pod-class.js";
import type { PoolState } from "./pool-state.js";
import { fitsIn } from "./resource-dims.js";
import type { SolveContext } from "./solve-context.js";

/** Most candidate types tried per bin. */
const MAX_CANDIDATES = 16;
/** Candidate types must carry at least this share of the best type's dual value per dollar. */
const MIN_RELATIVE_EFFICIENCY = 0.8;

/** Whether a placed pod may move between bins of its group. */
export function isMovable(e: Effective): boolean {
  if (e.cls.hostPorts.length > 0) return false;
  return !e.hostnameChecks;
}

function cheapestPrice(group: BinGroup, used: Float64Array): number {
  for (const e of group.entries) if (fitsIn(used, e.cap)) return e.price;
  return Number.POSITIVE_INFINITY;
}

interface ClassBucket extends FillClass {
  pods: Placement[];
}

/** Re-packs the movable pods of one group; returns the $/h saved (0 when nothing changed). */
export function repackGroup(ctx: SolveContext, group: BinGroup): number {
  const pool = group.pool;
  if (!pool || group.entries.length === 0) return 0;
  const bins: Bin[] = [];
  for (const b of group.slots) if (b?.isNew && b.pods.length > 0) bins.push(b);
  if (bins.length === 0) return 0;
  const buckets = new Map<Float64Array, ClassBucket>();
  let movable = 0;
  for (const b of bins) {
    for (const p of b.pods) {
      if (!isMovable(p.eff)) continue;
      movable++;
      let bucket = buckets.get(p.vec);
      if (!bucket) {
        bucket = { vec: p.vec, count: 0, pods: [] };
        buckets.set(p.vec, bucket);
      }
      bucket.count++;
      bucket.pods.push(p);
    }
  }
  if (movable === 0) return 0;
  const oldCost = bins.reduce((s, b) => s + cheapestPrice(group, b.used), 0);
  const classes = [...buckets.values()].sort((a, b) => b.vec[0] - a.vec[0] || b.vec[1] - a.vec[1]);
  for (const c of classes) c.pods.sort((a, b) => a.order - b.order);

  // Anchored bins keep their anchored pods.
  const dims = ctx.dims.size;
  const anchored = bins
    .map((b) => {
      const used = new Float64Array(dims);
      for (const p of b.pods) if (!isMovable(p.eff)) for (let k = 0; k < dims; k++) used[k] += p.vec[k];
      return { bin: b, used, anchoredPods: b.pods.filter((p) => !isMovable(p.eff)) };
    })
    .filter((a) => a.anchoredPods.length > 0);

  for (const b of bins) if (b.target) pool.useType(b.target.i, -1);
  const types: FillType[] = group.entries.map((e) => ({ cap: e.cap, price: e.price }));
  const plan = planGroup(ctx, pool, group, types, classes, anchored);
  const newCost = plan ? plan.cost : Number.POSITIVE_INFINITY;
  if (!plan || newCost >= oldCost - 1e-9) {
    if (plan) for (const t of plan.acquired) pool.useType(t, -1);
    for (const b of bins) if (b.target) pool.useType(b.target.i, 1);
    return 0;
  }
  applyPlan(ctx, group, bins, anchored, classes, plan);
  return oldCost - newCost;
}

interface GroupPlan {
  cost: number;
  /** Per anchored bin: target entry index and pods taken per class. */
  anchored: { entry: number; taken: Int32Array }[];
  /** New bins: entry index and pods taken per class. */
  fresh: { entry: number; taken: Int32Array }[];
  /** Pool type indices counted against limits. */
  acquired: number[];
}

function planGroup(
  ctx: SolveContext,
  pool: PoolState,
  group: BinGroup,
  types: FillType[],
  classes: ClassBucket[],
  anchored: { used: Float64Array }[],
): GroupPlan | undefined {
  const remaining: FillClass[] = classes.map((c) => ({ vec: c.vec, count: c.count }));
  const dims = ctx.dims.size;
  const plan: GroupPlan = { cost: 0, anchored: [], fresh: [], acquired: [] };
  const allowed = (j: number) => pool.limitExceededBy(group.entries[j].i) === undefined;
  const cols = group.undominated();
  let duals = dualPrices(types, remaining, dims, cols);
  const candidates = (used?: Float64Array): number[] => {
    const usable = cols.filter((j) => (!used || fitsIn(used, types[j].cap)) && allowed(j));
    const eff = new Map<number, number>();
    let max = 0;
    for (const j of usable) {
      let v = 0;
      for (let k = 0; k < dims; k++) v += duals[k] * Math.max(0, types[j].cap[k]);
      const e = types[j].price > 0 ? v / types[j].price : 0;
      eff.set(j, e);
      if (e > max) max = e;
    }
    const top = usable
      .filter((j) => (eff.get(j) ?? 0) >= max * MIN_RELATIVE_EFFICIENCY)
      .sort((a, b) => (eff.get(b) ?? 0) - (eff.get(a) ?? 0) || a - b)
      .slice(0, MAX_CANDIDATES);
    // Always offer the cheapest types that fit, for tails.
    let cheap = 0;
    for (const j of usable) {
      if (cheap >= 6) break;
      if (!top.includes(j)) {
        top.push(j);
        cheap++;
      }
    }
    return top;
  };
  const take = (taken: Int32Array) => {
    for (let i = 0; i < remaining.length; i++) remaining[i].count -= taken[i];
  };

  for (const a of anchored) {
    const cands = candidates(a.used);
    let best: { entry: number; taken: Int32Array; ratio: number } | undefined;
    let anchoredValue = 0;
    for (let k = 0; k < dims; k++) anchoredValue += duals[k] * a.used[k];
    for (const j of cands) {
      const taken = fillBin(types[j].cap, a.used, remaining);
      const value = anchoredValue + dualValue(remaining, taken, duals);
      const ratio = types[j].price > 0 ? value / types[j].price : value;
      if (!best || ratio > best.ratio * (1 + 1e-9)) best = { entry: j, taken, ratio };
    }
    if (!best) return undefined;
    take(best.taken);
    plan.anchored.push({ entry: best.entry, taken: best.taken });
    plan.cost += types[best.entry].price;
    pool.useType(group.entries[best.entry].i, 1);
    plan.acquired.push(group.entries[best.entry].i);
  }
  let left = remaining.reduce((s, c) => s + c.count, 0);
  let sinceDuals = 0;
  while (left > 0) {
    if (sinceDuals >= 4) {
      duals = dualPrices(types, remaining, dims, cols);
      sinceDuals = 0;
    }
    const best = bestBin(candidates(), types, remaining, duals);
    if (!best) return undefined;
    take(best.taken);
    let n = 0;
    for (const x of best.taken) n += x;
    left -= n;
    plan.fresh.push({ entry: best.type, taken: best.taken });
    plan.cost += types[best.type].price;
    pool.useType(group.entries[best.type].i, 1);
    plan.acquired.push(group.entries[best.type].i);
    sinceDuals++;
  }
  // Right-size: each bin pays only for the cheapest type holding what it got.
  plan.cost = 0;
  const sized = (used: Float64Array) => cheapestPrice(group, used);
  anchored.forEach((a, idx) => {
    const used = new Float64Array(a.used);
    addTaken(used, classes, plan.anchored[idx].taken);
    plan.cost += sized(used);
  });
  for (const f of plan.fresh) {
    const used = new Float64Array(dims);
    addTaken(used, classes, f.taken);
    plan.cost += sized(used);
  }
  return plan;
}

function addTaken(used: Float64Array, classes: readonly FillClass[], taken: Int32Array): void {
  for (let i = 0; i < classes.length; i++) {
    if (taken[i] === 0) continue;
    const v = classes[i].vec;
    for (let k = 0; k < used.length; k++) used[k] += v[k] * taken[i];
  }
}

function applyPlan(
  ctx: SolveContext,
  group: BinGroup,
  bins: Bin[],
  anchored: { bin: Bin; used: Float64Array; anchoredPods: Placement[] }[],
  classes: ClassBucket[],
  plan: GroupPlan,
): void {
  const cursor = classes.map(() => 0);
  const takePods = (taken: Int32Array): Placement[] => {
    const out: Placement[] = [];
    for (let i = 0; i < classes.length; i++) {
      for (let n = 0; n < taken[i]; n++) out.push(classes[i].pods[cursor[i]++]);
    }
    return out;
  };
  const anchoredSet = new Set(anchored.map((a) => a.bin));
  for (const b of bins) {
    if (anchoredSet.has(b)) continue;
    b.pods.length = 0;
    b.used.fill(0);
    group.detach(b.slot);
    b.slot = -1;
  }
  anchored.forEach((a, idx) => {
    const entry: TypeEntry = group.entries[plan.anchored[idx].entry];
    const pods = [...a.anchoredPods, ...takePods(plan.anchored[idx].taken)];
    resetBin(a.bin, entry, pods);
  });
  for (const f of plan.fresh) {
    const entry = group.entries[f.entry];
    const bin = new Bin(ctx.bins.length, group, ctx.dims.size, entry);
    if (group.pool) bin.ports.add(group.pool.daemonPorts);
    bin.slot = group.attach(bin, bin.slack());
    ctx.addBin(bin);
    resetBin(bin, entry, takePods(f.taken));
  }
}

function resetBin(bin: Bin, entry: TypeEntry, pods: Placement[]): void {
  bin.target = entry;
  bin.cap = entry.cap;
  bin.pods.length = 0;
  bin.used.fill(0);
  for (const p of pods) {
    bin.pods.push(p);
    for (let k = 0; k < bin.used.length; k++) bin.used[k] += p.vec[k];
  }
  bin.refresh();
}
