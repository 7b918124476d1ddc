/**
 * Instance types of one bin group ranked for re-packing: by the value their capacity carries at the current dual
 * prices of the workload left to place, per dollar. Types the pool's limits exclude are never offered.
 */
import type { BinGroup } from "../packer/bin-group.js";
import type { PoolState } from "../packer/pool-state.js";
import { fitsIn } from "../packer/resource-dims.js";
import { dualPrices, type FillClass, type FillType } from "./balanced-fill.js";
import { scaledUndominated } from "./fresh-bins.js";

/** Most candidate types tried per bin. */
const MAX_CANDIDATES = 16;
/** Candidate types must carry at least this share of the best type's dual value per dollar. */
const MIN_RELATIVE_EFFICIENCY = 0.8;
/** Cheapest fitting types added to the candidates (small types finish tails). */
const CHEAP_CANDIDATES = 6;

/** Ranked types: entry indices best first, and each usable type's dual value per dollar. */
export interface Ranked {
  order: number[];
  eff: Map<number, number>;
}

/** Ranks a group's types against the workload `remaining` (whose counts the caller updates). */
export class TypeRanking {
  /** Dual prices of the remaining workload (replaced by {@link refresh}; callers may also set them). */
  duals: Float64Array;
  /** Undominated entry indices of the group, by price. */
  readonly cols: number[];
  private cache: { duals: Float64Array; result: Ranked } | undefined;

  constructor(
    private readonly pool: PoolState,
    private readonly group: BinGroup,
    private readonly types: readonly FillType[],
    private readonly remaining: readonly FillClass[],
    private readonly dims: number,
  ) {
    this.cols = group.undominated();
    this.duals = this.pricesNow();
  }

  /** Dual prices of what remains now (a fresh array). */
  pricesNow(): Float64Array {
    return dualPrices(this.types, this.remaining, this.dims, this.cols);
  }

  /** Recomputes the dual prices for what remains. */
  refresh = (): void => {
    this.duals = this.pricesNow();
  };

  /** Whether the pool's limits leave room for entry `j`. */
  allowed = (j: number): boolean => this.pool.limitExceededBy(this.group.entries[j].i) === undefined;

  /** Types by dual value per dollar (best first) among those that fit `used` and the pool's limits. */
  ranked(used?: Float64Array): Ranked {
    if (!used && !this.pool.hasLimits && this.cache?.duals === this.duals) return this.cache.result;
    const result = this.rank(used);
    if (!used) this.cache = { duals: this.duals, result };
    return result;
  }

  /** Efficient types with no type doing better per dollar in every binding dimension (for the LP). */
  efficient = (used?: Float64Array): number[] =>
    scaledUndominated(this.ranked(used).order, this.types, this.duals).slice(0, MAX_CANDIDATES);

  /** The most efficient types plus the cheapest few that fit. */
  candidates = (used?: Float64Array): number[] => {
    const top = this.ranked(used).order.slice(0, MAX_CANDIDATES);
    let cheap = 0;
    for (const j of this.cols) {
      if (cheap >= CHEAP_CANDIDATES) break;
      if ((!used || fitsIn(used, this.types[j].cap)) && this.allowed(j) && !top.includes(j)) {
        top.push(j);
        cheap++;
      }
    }
    return top;
  };

  private rank(used?: Float64Array): Ranked {
    const { types, duals, dims } = this;
    const usable = this.cols.filter((j) => (!used || fitsIn(used, types[j].cap)) && this.allowed(j));
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
  }
}
