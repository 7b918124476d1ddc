/**
 * Re-packing one bin group for cost. Pods whose constraints never involve a node's identity (no hostname-keyed
 * topology term or counting group, no host ports) can move freely between bins of the same group: every label
 * they or their topology care about is the same on all of them. Such "movable" pods are taken out of the group's
 * new bins and packed again with {@link bestBin}: first into the bins that must stay (they hold anchored pods),
 * then into new bins, each bin's type chosen for the most dual value per dollar. The result is kept only when it
 * is cheaper.
 */

import { solveAssignment } from "./assignment-plan.js";
import {
  bestBin,
  dualPrices,
  dualValue,
  type FillClass,
  type FillRule,
  type FillType,
  fillBin,
} from "./balanced-fill.js";
import type { Placement } from "./bin.js";
import { Bin } from "./bin.js";
import type { BinGroup, TypeEntry } from "./bin-group.js";
import { solveCoveringLp } from "./lp.js";
import type { Effective } from "./pod-class.js";
import type { PoolState } from "./pool-state.js";
import { fitsIn } from "./resource-dims.js";
import type { SolveContext } from "./solve-context.js";

/** A group within this share of its fractional lower bound is left as placed. */
const GOOD_ENOUGH = 0.01;
/** Most candidate types tried per bin. */
const MAX_CANDIDATES = 16;
/** Types tried per anchored bin (besides the cheapest that holds its anchored pods). */
const ANCHORED_CANDIDATES = 4;
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
  /** Types by dual value per dollar (best first) among those that fit `used` and the pool's limits. */
  let rankedCache: { duals: Float64Array; result: { order: number[]; eff: Map<number, number> } } | undefined;
  const rankedTypes = (used?: Float64Array): { order: number[]; eff: Map<number, number> } => {
    if (!used && !pool.hasLimits && rankedCache?.duals === duals) return rankedCache.result;
    const result = rankTypes(used);
    if (!used) rankedCache = { duals, result };
    return result;
  };
  const rankTypes = (used?: Float64Array): { order: number[]; eff: Map<number, number> } => {
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
    const order = usable
      .filter((j) => (eff.get(j) ?? 0) >= max * MIN_RELATIVE_EFFICIENCY)
      .sort((a, b) => (eff.get(b) ?? 0) - (eff.get(a) ?? 0) || types[b].cap[0] - types[a].cap[0] || a - b);
    return { order, eff };
  };
  /** Efficient types with no type doing better per dollar in every binding dimension (for the LP). */
  const efficientTypes = (used?: Float64Array): number[] =>
    scaledUndominated(rankedTypes(used).order, types, duals).slice(0, MAX_CANDIDATES);
  /** The most efficient types plus the cheapest few that fit (small types finish tails). */
  const candidates = (used?: Float64Array): number[] => {
    const top = rankedTypes(used).order.slice(0, MAX_CANDIDATES);
    let cheap = 0;
    for (const j of cols) {
      if (cheap >= 6) break;
      if ((!used || fitsIn(used, types[j].cap)) && allowed(j) && !top.includes(j)) {
        top.push(j);
        cheap++;
      }
    }
    return top;
  };
  const take = (taken: Int32Array) => {
    for (let i = 0; i < remaining.length; i++) remaining[i].count -= taken[i];
  };

  // Anchored bins must stay; each gets the type whose extra room carries the most value for its extra price:
  // candidates are the most efficient types, the cheapest that holds the anchored pods, and the cheapest that holds
  // them plus all (or half) of what is still to place.
  const ranking = anchored.length > 0 ? rankedTypes().order : [];
  for (const a of anchored) {
    const cands: number[] = [];
    for (const j of ranking) {
      if (cands.length >= ANCHORED_CANDIDATES) break;
      if (fitsIn(a.used, types[j].cap)) cands.push(j);
    }
    const cheapestHolding = (extra: number) => {
      const need = new Float64Array(a.used);
      for (const c of remaining) for (let k = 0; k < dims; k++) need[k] += c.vec[k] * Math.floor(c.count * extra);
      return cols.find((j) => fitsIn(need, types[j].cap) && allowed(j));
    };
    const base = cheapestHolding(0);
    for (const j of [base, cheapestHolding(1), cheapestHolding(0.5)])
      if (j !== undefined && !cands.includes(j)) cands.push(j);
    const basePrice = base !== undefined ? types[base].price : 0;
    let best: { entry: number; taken: Int32Array; surplus: number } | undefined;
    for (const j of cands) {
      const taken = fillBin(types[j].cap, a.used, remaining);
      const surplus = dualValue(remaining, taken, duals) - (types[j].price - basePrice);
      if (!best || surplus > best.surplus + 1e-12) best = { entry: j, taken, surplus };
    }
    if (!best) return undefined;
    take(best.taken);
    plan.anchored.push({ entry: best.entry, taken: best.taken });
    plan.cost += types[best.entry].price;
    pool.useType(group.entries[best.entry].i, 1);
    plan.acquired.push(group.entries[best.entry].i);
  }
  // Fresh bins for what is left: the greedy and the assignment-LP strategies; the cheaper (right-sized) wins.
  const acquire = (j: number) => pool.useType(group.entries[j].i, 1);
  const refresh = () => {
    duals = dualPrices(types, remaining, dims, cols);
  };
  const greedy = (rule: FillRule) => () =>
    greedyFresh(remaining, types, candidates, refresh, () => duals, acquire, rule);
  const strategies = [
    greedy("dot"),
    greedy("cosine"),
    () =>
      roundedFresh(remaining, types, efficientTypes, candidates, allowed, dims, acquire, () => {
        refresh();
        return duals;
      }),
  ];
  let best: FreshBin[] | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  const initialDuals = dualPrices(types, remaining, dims, cols);
  for (const strategy of strategies) {
    duals = initialDuals;
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
  if (!best) return undefined;
  best = improvePairs(best, classes, group, types, candidates, pool, duals);
  for (const f of best) {
    plan.fresh.push(f);
    pool.useType(group.entries[f.entry].i, 1);
    plan.acquired.push(group.entries[f.entry].i);
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

/**
 * Drops types another type beats per dollar in every binding dimension (`b` dominates `a` when cap_b/price_b ≥
 * cap_a/price_a wherever the LP prices the dimension); among equally efficient ones the larger is kept (fewer,
 * fuller bins).
 */
function scaledUndominated(idx: readonly number[], types: readonly FillType[], duals: Float64Array): number[] {
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
interface FreshBin {
  entry: number;
  taken: Int32Array;
}

/** Runs a strategy that acquires pool usage as it goes, then gives the usage back (the caller re-acquires). */
function withUsage(pool: PoolState, group: BinGroup, strategy: () => FreshBin[] | undefined): FreshBin[] | undefined {
  const fresh = strategy();
  if (fresh) for (const f of fresh) pool.useType(group.entries[f.entry].i, -1);
  return fresh;
}

function countTaken(taken: Int32Array): number {
  let n = 0;
  for (const x of taken) n += x;
  return n;
}

/** Bin by bin: the candidate type whose balanced fill carries the most dual value per dollar. */
function greedyFresh(
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
function roundedFresh(
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

/** Bins examined by the pair search (the most wasteful ones). */
const PAIR_BINS = 8;
/** Types tried for the first bin of a re-packed pair. */
const PAIR_TYPES = 12;

/**
 * Local search over pairs of planned bins: the pods of two wasteful bins are re-packed into one bin or two (every
 * candidate type for the first, balanced fill by both rules, the cheapest type for the rest); the change is kept
 * when the pair gets cheaper (and, for pools with limits, no larger).
 */
function improvePairs(
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
