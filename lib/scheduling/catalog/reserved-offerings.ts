/**
 * Reserved offerings: one offering of capacity type `reserved` per active capacity reservation a NodeClass selects,
 * added to the instance type and zone the reservation holds. Karpenter's semantics:
 *
 * - a reservation is only used by a NodePool whose `karpenter.sh/capacity-type` requirement allows `reserved`
 *   ({@link poolAllowsReserved}); without such a requirement a pool never launches into reservations;
 * - a reserved offering is priced at a tiny fraction of the on-demand price (the capacity is paid for whether it
 *   is used or not), so the packer takes it before any spot or on-demand offering: reserved > spot > on-demand;
 * - it carries the reservation id, its type (`default` or `capacity-block`) and how many instances can still launch
 *   into it; the packer uses at most that many per solve (`limitReservedOfferings`).
 *
 * Pure: the cloud provider resolves the reservations (DescribeCapacityReservations) and passes them in.
 */
import type { NodePool } from "../../api/model.js";
import { LABEL_CAPACITY_TYPE } from "../../core/well-known.js";
import type { InstanceType, Offering, ReservationType } from "../types.js";

/** A capacity reservation as the catalog needs it. */
export interface CapacityReservation {
  /** `cr-…`. */
  id: string;
  instanceType: string;
  zone: string;
  /** Instances that can still launch into the reservation. */
  availableCount: number;
  reservationType: ReservationType;
  /** When the reservation ends, ms since the epoch. @default unset (no end date) */
  endTime?: number;
}

/** Reserved offerings cost the on-demand price divided by this: always cheaper than any other offering. */
export const RESERVED_PRICE_DIVISOR = 10_000_000;

/** Whether the pool's requirements let its nodes run on reserved capacity (`karpenter.sh/capacity-type` allows it). */
export function poolAllowsReserved(pool: Pick<NodePool, "requirements">): boolean {
  const reqs = pool.requirements.filter((r) => r.key === LABEL_CAPACITY_TYPE);
  if (reqs.length === 0) return false;
  return reqs.every((r) => {
    switch (r.operator) {
      case "In":
        return r.values.includes("reserved");
      case "NotIn":
        return !r.values.includes("reserved");
      case "Exists":
        return true;
      default:
        return false;
    }
  });
}

/** Options of {@link addReservedOfferings}. */
export interface ReservedOfferingOptions {
  /** True when a reservation is known to have no capacity now (a launch into it just failed). @default none */
  unavailable?: (reservation: CapacityReservation) => boolean;
}

/**
 * The types with one `reserved` offering per reservation of their name in a zone they are offered in (a type or
 * zone the class cannot launch gets none). The price is the type's on-demand price in that zone (or its cheapest
 * offering) divided by {@link RESERVED_PRICE_DIVISOR}. A reservation with no instance left is unavailable.
 */
export function addReservedOfferings(
  types: readonly InstanceType[],
  reservations: readonly CapacityReservation[],
  opts: ReservedOfferingOptions = {},
): InstanceType[] {
  if (reservations.length === 0) return [...types];
  const byType = new Map<string, CapacityReservation[]>();
  for (const r of reservations) byType.set(r.instanceType, [...(byType.get(r.instanceType) ?? []), r]);
  return types.map((t) => {
    const mine = byType.get(t.name);
    if (!mine) return t;
    const zones = new Set(t.offerings.map((o) => o.zone));
    const extra: Offering[] = [];
    for (const r of [...mine].sort((a, b) => a.id.localeCompare(b.id))) {
      if (!zones.has(r.zone)) continue;
      const base =
        t.offerings.find((o) => o.zone === r.zone && o.capacityType === "on-demand") ??
        t.offerings.filter((o) => o.zone === r.zone).sort((a, b) => a.price - b.price)[0];
      extra.push({
        zone: r.zone,
        capacityType: "reserved",
        price: base.price / RESERVED_PRICE_DIVISOR,
        available: r.availableCount > 0 && !(opts.unavailable?.(r) ?? false),
        reservationId: r.id,
        reservationType: r.reservationType,
        reservedCount: Math.max(0, r.availableCount),
      });
    }
    return extra.length === 0 ? t : { ...t, offerings: [...t.offerings, ...extra] };
  });
}
