/**
 * Launching into capacity reservations: which reserved offerings one CreateFleet may use, and how many instances.
 *
 * Each reserved offering names one reservation; a CreateFleet gets one launch template per reservation (targeting
 * it) with one override (the reservation's instance type and zone). One request holds one kind of reservation:
 * capacity blocks launch with the `capacity-block` target capacity type and other reservations as on-demand, so the
 * kind of the cheapest candidate decides and the others wait for a later attempt. At most the reservations' remaining
 * instances are requested; the claims beyond go on to spot or on-demand.
 */
import type { LaunchRequest } from "../provider.js";
import { type FleetErrorInfo, unavailableOfferingsOf } from "./fleet.js";
import type { Candidate } from "./fleet-order.js";
import type { Subnet } from "./subnets.js";

/** What the launcher needs from the capacity reservation provider. */
export interface ReservationCounter {
  /** Instances that can still launch into the reservation; `undefined` when unknown (then the offering's count). */
  remaining(reservationId: string): number | undefined;
  /** Counts instances launched into the reservation. */
  markLaunched(reservationId: string, n?: number): void;
  /** EC2 refused a launch into the reservation for lack of capacity. */
  markExhausted(reservationId: string): void;
}

/** Instances that can still launch into a candidate's reservation. */
export function candidateRoom(c: Candidate, counter: ReservationCounter | undefined): number {
  const id = c.reservation?.id;
  if (!id) return 0;
  const offered = c.type.offerings.find((o) => o.reservationId === id)?.reservedCount ?? 0;
  return counter?.remaining(id) ?? offered;
}

/**
 * The reserved candidates of a request: one per available reserved offering in an allowed zone with a subnet and
 * room left, cheapest first, all of the cheapest one's reservation kind.
 */
export function reservedCandidates(
  req: Omit<LaunchRequest, "claimId">,
  zonal: Map<string, Subnet>,
  counter: ReservationCounter | undefined,
  isUnavailable: (instanceType: string, zone: string) => boolean,
): Candidate[] {
  const allowedZones = new Set(req.zones);
  const out: Candidate[] = [];
  for (const type of req.instanceTypes) {
    for (const o of type.offerings) {
      if (o.capacityType !== "reserved" || !o.available || !o.reservationId) continue;
      if (!allowedZones.has(o.zone) || !zonal.has(o.zone) || isUnavailable(type.name, o.zone)) continue;
      const c: Candidate = {
        type,
        zones: new Map([[o.zone, o.price]]),
        cheapest: o.price,
        reservation: { id: o.reservationId, type: o.reservationType ?? "default" },
      };
      if (candidateRoom(c, counter) > 0) out.push(c);
    }
  }
  out.sort((a, b) => a.cheapest - b.cheapest || (a.reservation?.id ?? "").localeCompare(b.reservation?.id ?? ""));
  const kind = out[0]?.reservation?.type;
  return out.filter((c) => c.reservation?.type === kind);
}

/** How many instances one reserved CreateFleet asks for: the claims, at most the candidates' room. */
export function reservedTarget(
  count: number,
  candidates: Candidate[],
  counter: ReservationCounter | undefined,
): number {
  const room = candidates.reduce((n, c) => n + candidateRoom(c, counter), 0);
  return Math.min(count, room);
}

/** The reservations that insufficient-capacity errors (`ReservationCapacityExceeded`) name: no room is left in them. */
export function exhaustedReservations(errors: FleetErrorInfo[], candidates: Candidate[]): string[] {
  const out = new Set<string>();
  for (const o of unavailableOfferingsOf(errors)) {
    for (const c of candidates) {
      if (c.reservation && c.type.name === o.instanceType && c.zones.has(o.zone)) out.add(c.reservation.id);
    }
  }
  return [...out];
}
