/**
 * Pool limits during placement are charged by each new bin's target type, which is usually far larger than what
 * the bin ends up holding (bins are right-sized when the plan is finalised). When a pool's limits leave no room for
 * another bin, its open bins are right-sized early: each target shrinks to the cheapest type that holds the bin's
 * pods so far (among types no larger on any limited resource), and the difference returns to the pool. Every bin is right-sized at most once this way, so repeated
 * reclaims cost time linear in the number of bins.
 */
import type { Bin } from "./bin.js";
import type { TypeEntry } from "./bin-group.js";
import type { PoolState } from "./pool-state.js";
import { fitsIn } from "./resource-dims.js";

/** Per-pool progress of early right-sizing over the solve's bins (bins are only ever appended). */
export class LimitReclaimer {
  /** Per pool order: bins with a lower id were already right-sized. */
  private readonly cursor: number[];

  constructor(poolCount: number) {
    this.cursor = new Array<number>(poolCount).fill(0);
  }

  /**
   * Right-sizes the pool's bins opened since its last reclaim; returns whether any limit room came back (so that
   * opening a bin is worth another try).
   */
  reclaim(pool: PoolState, bins: readonly Bin[]): boolean {
    let freed = false;
    for (let id = this.cursor[pool.order]; id < bins.length; id++) {
      const bin = bins[id];
      if (!bin.isNew || bin.pool !== pool || !bin.target || bin.pods.length === 0) continue;
      const fit = smallerFit(pool, bin, bin.target);
      if (!fit) continue;
      pool.useType(bin.target.i, -1);
      pool.useType(fit.i, 1);
      bin.target = fit;
      bin.cap = fit.cap;
      bin.refresh();
      freed = true;
    }
    this.cursor[pool.order] = bins.length;
    return freed;
  }
}

/** The cheapest type of the bin's group that holds its pods and is smaller than `target` on some limited resource. */
function smallerFit(pool: PoolState, bin: Bin, target: TypeEntry): TypeEntry | undefined {
  for (const e of bin.group.entries) {
    if (e.i === target.i) return undefined;
    if (fitsIn(bin.used, e.cap) && pool.limitedCapacityWithin(e.i, target.i)) return e;
  }
  return undefined;
}
