/**
 * Capacity reservations during one solve: a reserved offering carries how many instances can still launch into its
 * reservation (`Offering.reservedCount`), and the new nodes of one solve use at most that many. A node whose chosen
 * reserved offering has run out takes the cheapest other offering among its options (another reservation with room,
 * then spot or on-demand), as Karpenter's scheduler does when a reservation is used up within a pass.
 */
import { LABEL_CAPACITY_TYPE, LABEL_ZONE } from "../../core/well-known.js";
import type { Requirements } from "../primitives/requirements.js";
import type { Offering } from "../types.js";
import type { TypeEntry } from "./bin-group.js";
import { type PoolState, reservationAllowed } from "./pool-state.js";

/** Instances left per reservation id for the nodes of one solve. */
export class ReservedCapacity {
  private readonly left = new Map<string, number>();
  /** Names of the nodes that wanted a reservation already used up by earlier nodes of the solve. */
  readonly overflow = new Set<string>();

  constructor(pools: readonly PoolState[]) {
    for (const pool of pools) {
      for (const t of pool.types) {
        for (const o of t.offerings) {
          if (o.reservationId === undefined || this.left.has(o.reservationId)) continue;
          this.left.set(o.reservationId, o.reservedCount ?? 0);
        }
      }
    }
  }

  /** False for a reserved offering whose reservation has no instance left; true for every other offering. */
  hasRoom(o: Offering): boolean {
    return o.reservationId === undefined || (this.left.get(o.reservationId) ?? 0) > 0;
  }

  /** Counts one node launched into the offering's reservation (no-op for other offerings). */
  take(o: Offering): void {
    if (o.reservationId === undefined) return;
    this.left.set(o.reservationId, Math.max(0, (this.left.get(o.reservationId) ?? 0) - 1));
  }

  /** Instances left per reservation id. */
  remaining(): ReadonlyMap<string, number> {
    return this.left;
  }

  /** Whether some reservation still has room. */
  anyRoomLeft(): boolean {
    for (const n of this.left.values()) if (n > 0) return true;
    return false;
  }

  /** Whether any option of the node still has a reserved offering with room. */
  anyReservedLeft(pool: PoolState, options: readonly TypeEntry[]): boolean {
    return options.some((e) =>
      pool.types[e.i].offerings.some((o) => o.capacityType === "reserved" && o.available && this.hasRoom(o)),
    );
  }

  /**
   * The node's type and offering: `chosen` when its offering has room, else the cheapest allowed available offering
   * with room among the options (`undefined` when there is none: the node keeps `chosen` and the launch falls back).
   */
  pick(
    pool: PoolState,
    reqs: Requirements,
    chosen: TypeEntry,
    options: readonly TypeEntry[],
  ): { entry: TypeEntry; offering: Offering } | undefined {
    if (this.hasRoom(chosen.offering)) return { entry: chosen, offering: chosen.offering };
    const zoneReq = reqs.get(LABEL_ZONE);
    const ctReq = reqs.get(LABEL_CAPACITY_TYPE);
    let best: { entry: TypeEntry; offering: Offering } | undefined;
    for (const entry of options) {
      for (const o of pool.types[entry.i].offerings) {
        if (!o.available || !Number.isFinite(o.price) || !this.hasRoom(o)) continue;
        if ((zoneReq && !zoneReq.has(o.zone)) || (ctReq && !ctReq.has(o.capacityType))) continue;
        if (!reservationAllowed(reqs, o)) continue;
        if (!best || o.price < best.offering.price) best = { entry, offering: o };
      }
    }
    return best;
  }
}
