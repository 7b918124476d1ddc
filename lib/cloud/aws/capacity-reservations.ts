/**
 * Capacity reservations a NodeClass selects (`capacityReservationSelectorTerms`), resolved with
 * DescribeCapacityReservations: one call per term (`state=active`, plus the id, or `tag:<k>`/`tag-key` and
 * `owner-id` filters), results unioned by id, reservations past their end date dropped. Results are reused for one
 * minute. Between refreshes the available count of a reservation goes down by one per instance launched into it and
 * to zero after a launch failed with `ReservationCapacityExceeded` (Karpenter's availability cache), so a pass never
 * plans more reserved nodes than EC2 can still place.
 */
import {
  DescribeCapacityReservationsCommand,
  type DescribeCapacityReservationsCommandOutput,
  type EC2Client,
  type CapacityReservation as Ec2CapacityReservation,
  type Filter,
} from "@aws-sdk/client-ec2";
import type { CapacityReservationSelectorTerm } from "../../api/model.js";
import type { Clock } from "../../core/clock.js";
import type { CapacityReservation } from "../../scheduling/catalog/reserved-offerings.js";
import { type ApiGate, awsErrorCode, ec2Call } from "./retry.js";
import { TtlCache } from "./ttl-cache.js";

/** How long resolved reservations are reused before they are described again. */
export const CAPACITY_RESERVATION_TTL_MS = 60_000;

/** How long before a capacity block ends EC2 warns that its instances will be reclaimed (and Stevedore stops using it). */
export const CAPACITY_BLOCK_EXPIRY_NOTICE_MS = 40 * 60_000;

/** The DescribeCapacityReservations filters of one selector term. */
export function reservationFilters(term: CapacityReservationSelectorTerm): {
  ids?: string[];
  filters: Filter[];
} {
  const filters: Filter[] = [{ Name: "state", Values: ["active"] }];
  if (term.id) return { ids: [term.id], filters };
  if (term.ownerID) filters.push({ Name: "owner-id", Values: [term.ownerID] });
  for (const [key, value] of Object.entries(term.tags ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    filters.push(value === "*" ? { Name: "tag-key", Values: [key] } : { Name: `tag:${key}`, Values: [value] });
  }
  return { filters };
}

function toReservation(r: Ec2CapacityReservation): CapacityReservation | undefined {
  if (!r.CapacityReservationId || !r.InstanceType || !r.AvailabilityZone) return undefined;
  const out: CapacityReservation = {
    id: r.CapacityReservationId,
    instanceType: r.InstanceType,
    zone: r.AvailabilityZone,
    availableCount: r.AvailableInstanceCount ?? 0,
    reservationType: r.ReservationType === "capacity-block" ? "capacity-block" : "default",
  };
  if (r.EndDate) out.endTime = r.EndDate.getTime();
  return out;
}

/** Resolves, caches and counts down capacity reservations. */
export class CapacityReservationProvider {
  private readonly cache: TtlCache<CapacityReservation[]>;
  /** Reservation id → instances launched (or found exhausted) since its last describe. */
  private readonly used = new Map<string, { count: number; exhausted: boolean }>();
  /** Reservation id → available count at its last describe. */
  private readonly described = new Map<string, number>();

  constructor(
    private readonly ec2: EC2Client,
    private readonly gate: ApiGate,
    private readonly clock: Clock,
    ttlMs = CAPACITY_RESERVATION_TTL_MS,
  ) {
    this.cache = new TtlCache(clock, ttlMs);
  }

  /**
   * The active reservations the terms select that Stevedore may launch into now, with their available counts net
   * of the launches since they were described. Capacity blocks within {@link CAPACITY_BLOCK_EXPIRY_NOTICE_MS} of
   * their end are left out (EC2 is about to reclaim them).
   */
  async list(terms: readonly CapacityReservationSelectorTerm[]): Promise<CapacityReservation[]> {
    if (terms.length === 0) return [];
    const key = JSON.stringify(terms);
    const all = await this.cache.getOrLoad(key, () => this.describe(terms));
    const now = this.clock.now();
    return all
      .filter(
        (r) =>
          r.endTime === undefined ||
          r.endTime - (r.reservationType === "capacity-block" ? CAPACITY_BLOCK_EXPIRY_NOTICE_MS : 0) > now,
      )
      .map((r) => ({ ...r, availableCount: this.available(r) }));
  }

  /** Counts one instance launched into the reservation. */
  markLaunched(reservationId: string, n = 1): void {
    const u = this.used.get(reservationId) ?? { count: 0, exhausted: false };
    u.count += n;
    this.used.set(reservationId, u);
  }

  /** Records that EC2 refused a launch into the reservation for lack of capacity: none left until it is described again. */
  markExhausted(reservationId: string): void {
    const u = this.used.get(reservationId) ?? { count: 0, exhausted: false };
    u.exhausted = true;
    this.used.set(reservationId, u);
  }

  /** Instances that can still launch into a described reservation; `undefined` for one never described. */
  remaining(reservationId: string): number | undefined {
    const described = this.described.get(reservationId);
    return described === undefined ? undefined : this.available({ id: reservationId, availableCount: described });
  }

  private available(r: Pick<CapacityReservation, "id" | "availableCount">): number {
    const u = this.used.get(r.id);
    if (!u) return r.availableCount;
    return u.exhausted ? 0 : Math.max(0, r.availableCount - u.count);
  }

  private async describe(terms: readonly CapacityReservationSelectorTerm[]): Promise<CapacityReservation[]> {
    const seen = new Map<string, CapacityReservation>();
    for (const term of terms) {
      for (const r of await this.describeTerm(term)) if (!seen.has(r.id)) seen.set(r.id, r);
    }
    // Fresh counts from EC2 include every launch so far: start counting down again.
    for (const [id, r] of seen) {
      this.used.delete(id);
      this.described.set(id, r.availableCount);
    }
    return [...seen.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  private async describeTerm(term: CapacityReservationSelectorTerm): Promise<CapacityReservation[]> {
    const { ids, filters } = reservationFilters(term);
    const out: CapacityReservation[] = [];
    let token: string | undefined;
    do {
      const input = {
        CapacityReservationIds: ids,
        Filters: filters,
        NextToken: token,
        ...(ids ? {} : { MaxResults: 1000 }),
      };
      let res: DescribeCapacityReservationsCommandOutput;
      try {
        res = await this.gate.call(ec2Call("DescribeCapacityReservations"), () =>
          this.ec2.send(new DescribeCapacityReservationsCommand(input)),
        );
      } catch (err) {
        // A reservation id that does not exist (or is not shared with this account) selects nothing.
        if (ids && /NotFound|Malformed/.test(awsErrorCode(err) ?? "")) return [];
        throw err;
      }
      for (const r of res.CapacityReservations ?? []) {
        const c = toReservation(r);
        if (c) out.push(c);
      }
      token = res.NextToken;
    } while (token);
    return out;
  }
}
