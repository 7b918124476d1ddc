/**
 * Capacity reservations of the emulated account: On-Demand Capacity Reservations (`default`) and Capacity Blocks
 * (`capacity-block`), all `targeted` (only launches that name them use them). A reservation holds `totalCount`
 * instances of one type in one zone; its available count is the total less its pending and running instances. A
 * reservation past its end date is `expired`; for a capacity block EC2 sends `Capacity Block Reservation Expiration
 * Warning` forty minutes before the end and terminates the block's instances thirty minutes before it.
 *
 * DescribeCapacityReservations supports ids, `state`, `owner-id`, `instance-type`, `availability-zone`,
 * `instance-match-criteria`, `reservation-type` and the tag filters, paginated by MaxResults.
 */
import { AwsApiError } from "./errors.js";
import { checkFilterNames, type FilterFields, matchesFilters } from "./filters.js";
import type { EmulatedInstance } from "./instances.js";
import { paginate } from "./pagination.js";
import { checkMaxResults, type QueryParams } from "./query-params.js";
import { tagSet, type XmlObject } from "./xml.js";

/** A reservation as a scenario or a test declares it. */
export interface CapacityReservationSpec {
  /** @default generated `cr-…` */
  id?: string;
  instanceType: string;
  zone: string;
  totalCount: number;
  /** @default "default" */
  reservationType?: "default" | "capacity-block";
  /** @default the emulated account */
  ownerId?: string;
  /** @default {} */
  tags?: Record<string, string>;
  /** ms since the epoch. @default now */
  startMs?: number;
  /** ms since the epoch. @default unset (no end; capacity blocks need one) */
  endMs?: number;
}

/** An emulated reservation. */
export interface EmulatedCapacityReservation {
  id: string;
  instanceType: string;
  zone: string;
  totalCount: number;
  reservationType: "default" | "capacity-block";
  ownerId: string;
  tags: Map<string, string>;
  startMs: number;
  endMs?: number;
  state: "active" | "expired" | "cancelled";
  /** Whether the expiration warning was sent (capacity blocks). */
  warned?: boolean;
}

/** How long before its end a capacity block's expiration warning is sent. */
export const CAPACITY_BLOCK_WARNING_MS = 40 * 60_000;
/** How long before its end a capacity block's instances are terminated. */
export const CAPACITY_BLOCK_RECLAIM_MS = 30 * 60_000;

/** What the store needs from the rest of the world. */
export interface ReservationWorld {
  accountId: string;
  now(): number;
  instances(): Iterable<EmulatedInstance>;
  hex(n: number): string;
}

/** The account's capacity reservations. */
export class CapacityReservationStore {
  readonly reservations = new Map<string, EmulatedCapacityReservation>();

  constructor(private readonly world: ReservationWorld) {}

  /** Adds a reservation. */
  add(spec: CapacityReservationSpec): EmulatedCapacityReservation {
    if (spec.reservationType === "capacity-block" && spec.endMs === undefined) {
      throw new Error("a capacity block needs an end time");
    }
    const r: EmulatedCapacityReservation = {
      id: spec.id ?? `cr-${this.world.hex(17)}`,
      instanceType: spec.instanceType,
      zone: spec.zone,
      totalCount: spec.totalCount,
      reservationType: spec.reservationType ?? "default",
      ownerId: spec.ownerId ?? this.world.accountId,
      tags: new Map(Object.entries(spec.tags ?? {})),
      startMs: spec.startMs ?? this.world.now(),
      endMs: spec.endMs,
      state: "active",
    };
    this.reservations.set(r.id, r);
    return r;
  }

  /** Cancels a reservation: it stops taking launches (its instances keep running as on-demand). */
  cancel(id: string): void {
    const r = this.reservations.get(id);
    if (r) r.state = "cancelled";
  }

  /** Instances still holding a slot of the reservation. */
  used(id: string): number {
    let n = 0;
    for (const i of this.world.instances()) {
      if (i.capacityReservationId === id && (i.state === "pending" || i.state === "running")) n++;
    }
    return n;
  }

  /** Instances that can still launch into the reservation. */
  available(r: EmulatedCapacityReservation): number {
    return r.state === "active" ? Math.max(0, r.totalCount - this.used(r.id)) : 0;
  }

  /** Why one more instance of `type` in `zone` cannot launch into reservation `id`, or undefined. */
  launchProblem(id: string, type: string, zone: string): { code: string; message: string } | undefined {
    const r = this.reservations.get(id);
    if (!r) {
      return {
        code: "InvalidCapacityReservationId.NotFound",
        message: `The capacity reservation '${id}' does not exist.`,
      };
    }
    if (r.instanceType !== type || r.zone !== zone) {
      return {
        code: "InvalidParameterCombination",
        message: `The instance type ${type} in ${zone} does not match capacity reservation ${id} (${r.instanceType} in ${r.zone}).`,
      };
    }
    if (this.available(r) <= 0) {
      return {
        code: "ReservationCapacityExceeded",
        message: `The targeted capacity reservation ${id} does not have enough available capacity to fulfill your request.`,
      };
    }
    return undefined;
  }

  /**
   * Applies the reservations' clock: expiry at the end date; for capacity blocks the warning (returned, for the
   * event bus) and the termination of their instances (returned ids, for the caller to terminate).
   */
  advance(now: number): { warnings: EmulatedCapacityReservation[]; reclaim: string[] } {
    const warnings: EmulatedCapacityReservation[] = [];
    const reclaim: string[] = [];
    for (const r of this.reservations.values()) {
      if (r.endMs === undefined || r.state === "cancelled") continue;
      if (r.reservationType === "capacity-block" && !r.warned && now >= r.endMs - CAPACITY_BLOCK_WARNING_MS) {
        r.warned = true;
        warnings.push(r);
      }
      if (r.reservationType === "capacity-block" && now >= r.endMs - CAPACITY_BLOCK_RECLAIM_MS) {
        for (const i of this.world.instances()) {
          if (i.capacityReservationId === r.id && (i.state === "pending" || i.state === "running")) {
            reclaim.push(i.instanceId);
          }
        }
      }
      if (now >= r.endMs) r.state = "expired";
    }
    return { warnings, reclaim };
  }

  /** Handles DescribeCapacityReservations. */
  describe(params: QueryParams): XmlObject {
    const ids = params.strings("CapacityReservationId");
    const maxResults = params.int("MaxResults");
    checkMaxResults(maxResults, 1, 1000);
    const filters = params.filters();
    const fields: FilterFields<EmulatedCapacityReservation> = {
      state: (r) => r.state,
      "owner-id": (r) => r.ownerId,
      "instance-type": (r) => r.instanceType,
      "availability-zone": (r) => r.zone,
      "instance-match-criteria": () => "targeted",
      "reservation-type": (r) => r.reservationType,
    };
    checkFilterNames(filters, fields, true);
    for (const id of ids) {
      if (!this.reservations.has(id)) {
        throw new AwsApiError(
          "InvalidCapacityReservationId.NotFound",
          `The capacity reservation ID '${id}' does not exist`,
        );
      }
    }
    const base =
      ids.length > 0
        ? ids.map((id) => this.reservations.get(id) as EmulatedCapacityReservation)
        : [...this.reservations.values()];
    const matching = base.filter((r) => matchesFilters(r, filters, fields, (x) => x.tags));
    const page = paginate(
      matching,
      "DescribeCapacityReservations",
      maxResults ?? Number.MAX_SAFE_INTEGER,
      params.string("NextToken"),
    );
    return {
      capacityReservationSet: page.items.map((r) => ({
        capacityReservationId: r.id,
        ownerId: r.ownerId,
        instanceType: r.instanceType,
        instancePlatform: "Linux/UNIX",
        availabilityZone: r.zone,
        tenancy: "default",
        totalInstanceCount: r.totalCount,
        availableInstanceCount: this.available(r),
        state: r.state,
        startDate: new Date(r.startMs).toISOString(),
        endDate: r.endMs === undefined ? undefined : new Date(r.endMs).toISOString(),
        endDateType: r.endMs === undefined ? "unlimited" : "limited",
        instanceMatchCriteria: "targeted",
        reservationType: r.reservationType,
        tagSet: r.tags.size > 0 ? tagSet(r.tags) : undefined,
      })),
      nextToken: page.nextToken,
    };
  }
}
