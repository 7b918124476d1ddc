/**
 * Re-packing one bin group for cost. Pods whose constraints never involve a node's identity (no hostname-keyed
 * topology term or counting group, no host ports) can move freely between bins of the same group: every label
 * they or their topology care about is the same on all of them. Such "movable" pods are taken out of the group's
 * new bins and packed again: first into the bins that must stay (they hold anchored pods), then into new bins by
 * the cheapest of several strategies (fresh-bins.ts), polished by a pair search (pair-search.ts). Prices are
 * compared right-sized, and the result is kept only when it is cheaper than what placement produced.
 */

import type { Placement } from "../packer/bin.js";
import { Bin } from "../packer/bin.js";
import type { BinGroup, TypeEntry } from "../packer/bin-group.js";
import type { Effective } from "../packer/pod-class.js";
import type { PoolState } from "../packer/pool-state.js";
import { fitsIn } from "../packer/resource-dims.js";
import type { SolveContext } from "../packer/solve-context.js";
import { dualValue, type FillClass, type FillRule, type FillType, fillBin } from "./balanced-fill.js";
import { addTaken, type FreshBin, greedyFresh, roundedFresh } from "./fresh-bins.js";
import { solveCoveringLp } from "./lp.js";
import { improvePairs } from "./pair-search.js";
import { TypeRanking } from "./type-ranking.js";

/** A group within this share of its fractional lower bound is left as placed. */
const GOOD_ENOUGH = 0.01;
/** Types tried per anchored bin (besides the cheapest that holds its anchored pods). */
const ANCHORED_CANDIDATES = 4;

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
  const buckets = new Map<string, ClassBucket>();
  let movable = 0;
  for (const b of bins) {
    for (const p of b.pods) {
      if (!isMovable(p.eff)) continue;
      movable++;
      const key = p.vec.join(",");
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = { vec: p.vec, count: 0, pods: [] };
        buckets.set(key, bucket);
      }
      bucket.count++;
      bucket.pods.push(p);
    }
  }
  if (movable === 0) return 0;
  const oldCost = bins.reduce((s, b) => s + cheapestPrice(group, b.used), 0);
  // Nothing to gain when the group already costs about its fractional lower bound.
  const total = new Float64Array(ctx.dims.size);
  for (const b of bins) for (let k = 0; k < total.length; k++) total[k] += b.used[k];
  const cols = group.undominated();
  const bound = solveCoveringLp(
    cols.map((j) => group.entries[j].price),
    Array.from({ length: total.length }, (_, k) =>
      Float64Array.from(cols, (j) => Math.max(0, group.entries[j].cap[k])),
    ),
    total,
  )?.value;
  if (bound !== undefined && oldCost <= bound * (1 + GOOD_ENOUGH)) return 0;
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

/** What planning one group works on. */
interface PlanScope {
  pool: PoolState;
  group: BinGroup;
  types: FillType[];
  dims: number;
  /** Pods still to place per class (counts go down as bins take them). */
  remaining: FillClass[];
  ranking: TypeRanking;
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
  const scope: PlanScope = {
    pool,
    group,
    types,
    dims,
    remaining,
    ranking: new TypeRanking(pool, group, types, remaining, dims),
  };
  const plan: GroupPlan = { cost: 0, anchored: [], fresh: [], acquired: [] };
  if (!planAnchored(scope, anchored, plan)) return undefined;
  const fresh = cheapestFresh(scope, classes);
  if (!fresh) return undefined;
  const { ranking } = scope;
  for (const f of improvePairs(fresh, classes, group, types, ranking.candidates, pool, ranking.duals)) {
    plan.fresh.push(f);
    pool.useType(group.entries[f.entry].i, 1);
    plan.acquired.push(group.entries[f.entry].i);
  }
  // Right-size: each bin pays only for the cheapest type holding what it got.
  plan.cost = 0;
  anchored.forEach((a, idx) => {
    const used = new Float64Array(a.used);
    addTaken(used, classes, plan.anchored[idx].taken);
    plan.cost += cheapestPrice(group, used);
  });
  for (const f of plan.fresh) {
    const used = new Float64Array(dims);
    addTaken(used, classes, f.taken);
    plan.cost += cheapestPrice(group, used);
  }
  return plan;
}

/**
 * Anchored bins must stay; each gets the type whose extra room carries the most value for its extra price:
 * candidates are the most efficient types, the cheapest that holds the anchored pods, and the cheapest that holds
 * them plus all (or half) of what is still to place. False when some anchored bin has no usable type.
 */
function planAnchored(scope: PlanScope, anchored: { used: Float64Array }[], plan: GroupPlan): boolean {
  const { pool, group, types, dims, remaining, ranking } = scope;
  const order = anchored.length > 0 ? ranking.ranked().order : [];
  for (const a of anchored) {
    const cands: number[] = [];
    for (const j of order) {
      if (cands.length >= ANCHORED_CANDIDATES) break;
      if (fitsIn(a.used, types[j].cap)) cands.push(j);
    }
    const cheapestHolding = (extra: number) => {
      const need = new Float64Array(a.used);
      for (const c of remaining) for (let k = 0; k < dims; k++) need[k] += c.vec[k] * Math.floor(c.count * extra);
      return ranking.cols.find((j) => fitsIn(need, types[j].cap) && ranking.allowed(j));
    };
    const base = cheapestHolding(0);
    for (const j of [base, cheapestHolding(1), cheapestHolding(0.5)])
      if (j !== undefined && !cands.includes(j)) cands.push(j);
    const basePrice = base !== undefined ? types[base].price : 0;
    let best: { entry: number; taken: Int32Array; surplus: number } | undefined;
    for (const j of cands) {
      const taken = fillBin(types[j].cap, a.used, remaining);
      const surplus = dualValue(remaining, taken, ranking.duals) - (types[j].price - basePrice);
      if (!best || surplus > best.surplus + 1e-12) best = { entry: j, taken, surplus };
    }
    if (!best) return false;
    for (let i = 0; i < remaining.length; i++) remaining[i].count -= best.taken[i];
    plan.anchored.push({ entry: best.entry, taken: best.taken });
    plan.cost += types[best.entry].price;
    pool.useType(group.entries[best.entry].i, 1);
    plan.acquired.push(group.entries[best.entry].i);
  }
  return true;
}

/**
 * Fresh bins for what is left: the greedy and the assignment-LP strategies; the cheaper (right-sized) wins. Leaves
 * `remaining` as it found it and the ranking's duals as the last strategy left them.
 */
function cheapestFresh(scope: PlanScope, classes: ClassBucket[]): FreshBin[] | undefined {
  const { pool, group, types, dims, remaining, ranking } = scope;
  const acquire = (j: number) => pool.useType(group.entries[j].i, 1);
  const currentDuals = () => ranking.duals;
  const greedy = (rule: FillRule) => () =>
    greedyFresh(remaining, types, ranking.candidates, ranking.refresh, currentDuals, acquire, rule);
  const strategies = [
    greedy("dot"),
    greedy("cosine"),
    () =>
      roundedFresh(remaining, types, ranking.efficient, ranking.candidates, ranking.allowed, dims, acquire, () => {
        ranking.refresh();
        return ranking.duals;
      }),
  ];
  let best: FreshBin[] | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  const initialDuals = ranking.pricesNow();
  for (const strategy of strategies) {
    ranking.duals = initialDuals;
    const before = remaining.map((c) => c.count);
    const fresh = withUsage(pool, group, strategy);
    remaining.forEach((c, i) => {
      c.count = before[i];
    });
    if (!fresh) continue;
    let cost = 0;
    for (const f of fresh) {
      const used = new Float64Array(dims);
      addTaken(used, classes, f.taken);
      cost += cheapestPrice(group, used);
    }
    if (cost < bestCost - 1e-9) {
      best = fresh;
      bestCost = cost;
    }
  }
  return best;
}

/** Runs a strategy that acquires pool usage as it goes, then gives the usage back (the caller re-acquires). */
function withUsage(pool: PoolState, group: BinGroup, strategy: () => FreshBin[] | undefined): FreshBin[] | undefined {
  const fresh = strategy();
  if (fresh) for (const f of fresh) pool.useType(group.entries[f.entry].i, -1);
  return fresh;
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
