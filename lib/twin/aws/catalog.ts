/**
 * The emulator's view of EC2 instance types: the complete records of the bundled catalog that have an on-demand
 * price in the emulated region (the region's own table, else us-east-1's, as the built-in catalog does), with the
 * usage classes and zone offerings EC2 would report.
 */
import { builtinInstanceTypeRecords, onDemandPriceTable } from "../../cloud/aws/builtin-catalog.js";
import { type CompleteInstanceTypeRecord, isCompleteRecord } from "../../scheduling/catalog/catalog-record.js";
import { globMatch } from "./filters.js";

/** An instance type the emulator can launch. */
export interface EmulatedInstanceType {
  name: string;
  /** EC2 architecture name: `x86_64` or `arm64`. */
  architecture: "x86_64" | "arm64";
  vcpu: number;
  memoryMiB: number;
  /** On-demand price per hour in the region's currency. */
  onDemandPrice: number;
  /** False for families EC2 does not sell as spot (Mac, high-memory `u-*`). */
  spotSupported: boolean;
  record: CompleteInstanceTypeRecord;
}

/** A type × zone pair that EC2 does not offer. */
export interface OfferingExclusion {
  /** Instance type name or EC2 wildcard pattern (`p5.*`). */
  instanceType: string;
  /** Zone name or pattern; @default every zone */
  zone?: string;
}

/** Families EC2 has no spot market for. */
const NO_SPOT_FAMILY = /^(mac|u-|u7)/;

/** The emulated region's instance types and zone offerings. */
export class EmulatorCatalog {
  private readonly types = new Map<string, EmulatedInstanceType>();

  /**
   * @param region emulated region (prices fall back to us-east-1 when the data has none for it)
   * @param zones the region's zones
   * @param only restrict the catalog to these type names or patterns; @default every priced complete type
   * @param exclusions type × zone pairs that are not offered; @default none
   */
  constructor(
    readonly region: string,
    readonly zones: readonly string[],
    only?: readonly string[],
    private readonly exclusions: readonly OfferingExclusion[] = [],
  ) {
    const prices = onDemandPriceTable(region).prices;
    for (const record of builtinInstanceTypeRecords()) {
      if (!isCompleteRecord(record)) continue;
      const price = prices[record.name];
      if (price === undefined || price <= 0) continue;
      if (only && !only.some((pattern) => globMatch(pattern, record.name))) continue;
      this.types.set(record.name, {
        name: record.name,
        architecture: record.arch === "arm64" ? "arm64" : "x86_64",
        vcpu: record.vcpu,
        memoryMiB: record.memoryMiB,
        onDemandPrice: price,
        spotSupported: !NO_SPOT_FAMILY.test(record.family),
        record,
      });
    }
  }

  /** The type, or undefined when EC2 does not offer it in this region. */
  get(name: string): EmulatedInstanceType | undefined {
    return this.types.get(name);
  }

  /** Every type, sorted by name. */
  all(): EmulatedInstanceType[] {
    return [...this.types.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** True when the type is offered in the zone. */
  isOffered(name: string, zone: string): boolean {
    if (!this.types.has(name) || !this.zones.includes(zone)) return false;
    return !this.exclusions.some(
      (e) => globMatch(e.instanceType, name) && (e.zone === undefined || globMatch(e.zone, zone)),
    );
  }

  /** Zones offering the type. */
  zonesOffering(name: string): string[] {
    return this.zones.filter((z) => this.isOffered(name, z));
  }
}
