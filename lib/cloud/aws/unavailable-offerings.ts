/**
 * The unavailable-offerings ("ICE") cache: offerings (capacity type × instance type × zone) that just failed with
 * insufficient capacity are skipped for 3 minutes (Karpenter `UnavailableOfferingsTTL`); re-marking extends the
 * window. The in-memory cache serves one process; {@link StoreBackedUnavailableOfferings} shares it between Lambda
 * invocations through the state store (DynamoDB items `ICE` / `<capacityType>#<type>#<zone>`).
 */

import type { CapacityType } from "../../scheduling/types.js";
import type { StateStore, UnavailableOfferingRecord } from "../../state/types.js";
import type { UnavailableOffering } from "../provider.js";

/**
 * How long an offering stays unavailable after an insufficient-capacity error or a spot interruption: the one TTL of
 * the one recorder (the cloud provider records; controllers go through `CloudProvider.markOfferingUnavailable`).
 */
export const UNAVAILABLE_OFFERING_TTL_MS = 3 * 60_000;

/** What the AWS adapter needs from an unavailable-offerings cache. */
export interface UnavailableOfferings {
  /** True while the offering is marked unavailable at `now` (ms). Synchronous: reads what was last loaded. */
  isUnavailable(instanceType: string, zone: string, capacityType: CapacityType, now: number): boolean;
  /** Marks the offering unavailable from `now` for the TTL. */
  mark(offering: UnavailableOffering, reason: string, now: number): void | Promise<void>;
  /** Loads shared entries (store-backed caches); the adapter calls it before it reads. @default no-op */
  refresh?(now: number): Promise<void>;
}

function key(instanceType: string, zone: string, capacityType: string): string {
  return `${capacityType}:${instanceType}:${zone}`;
}

/** Process-local cache (Karpenter's three-map cache, offerings only). */
export class InMemoryUnavailableOfferings implements UnavailableOfferings {
  private readonly until = new Map<string, { until: number; reason: string }>();

  constructor(readonly ttlMs = UNAVAILABLE_OFFERING_TTL_MS) {}

  isUnavailable(instanceType: string, zone: string, capacityType: CapacityType, now: number): boolean {
    const k = key(instanceType, zone, capacityType);
    const e = this.until.get(k);
    if (!e) return false;
    if (e.until <= now) {
      this.until.delete(k);
      return false;
    }
    return true;
  }

  mark(offering: UnavailableOffering, reason: string, now: number): void {
    this.remember({ ...offering, until: now + this.ttlMs, reason });
  }

  /** Adds an entry with an explicit expiry (used when loading shared entries). */
  remember(rec: UnavailableOfferingRecord): void {
    const k = key(rec.instanceType, rec.zone, rec.capacityType);
    const cur = this.until.get(k);
    if (!cur || cur.until < rec.until) this.until.set(k, { until: rec.until, reason: rec.reason });
  }

  /** Entries still unavailable at `now`. */
  list(now: number): UnavailableOfferingRecord[] {
    const out: UnavailableOfferingRecord[] = [];
    for (const [k, v] of this.until) {
      if (v.until <= now) continue;
      const [capacityType, instanceType, zone] = k.split(":");
      out.push({ capacityType: capacityType as CapacityType, instanceType, zone, until: v.until, reason: v.reason });
    }
    return out;
  }
}

/**
 * Shares the cache through the state store: `mark` writes through, `refresh` loads every live entry into the local
 * copy that `isUnavailable` reads. A failed refresh keeps the local copy (stale entries only expire).
 */
export class StoreBackedUnavailableOfferings implements UnavailableOfferings {
  private readonly local: InMemoryUnavailableOfferings;

  constructor(
    private readonly store: Pick<StateStore, "markOfferingUnavailable" | "listUnavailableOfferings">,
    readonly ttlMs = UNAVAILABLE_OFFERING_TTL_MS,
  ) {
    this.local = new InMemoryUnavailableOfferings(ttlMs);
  }

  isUnavailable(instanceType: string, zone: string, capacityType: CapacityType, now: number): boolean {
    return this.local.isUnavailable(instanceType, zone, capacityType, now);
  }

  async mark(offering: UnavailableOffering, reason: string, now: number): Promise<void> {
    const rec: UnavailableOfferingRecord = { ...offering, until: now + this.ttlMs, reason };
    this.local.remember(rec);
    await this.store.markOfferingUnavailable(rec);
  }

  async refresh(now: number): Promise<void> {
    for (const rec of await this.store.listUnavailableOfferings(now)) this.local.remember(rec);
  }
}
