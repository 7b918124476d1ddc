/**
 * The built-in instance catalog: the bundled `data/instance-types.json` and on-demand price tables
 * (`data/SOURCES.md`), turned into the packer's {@link InstanceType}s for one region.
 *
 * The data is loaded through JSON imports so the module also works when esbuild bundles it into a Lambda.
 * Parsed records and price tables are module-level constants (parsed once per process).
 */

import instanceTypesJson from "../../../data/instance-types.json" with { type: "json" };
import pricesUsdJson from "../../../data/prices-on-demand.json" with { type: "json" };
import pricesCnyJson from "../../../data/prices-on-demand-cny.json" with { type: "json" };
import type { AmiFamily, KubeletConfig } from "../../api/model.js";
import {
  type BuildInstanceTypesOptions,
  buildInstanceTypes,
  type OfferingUnavailableFn,
} from "../../scheduling/catalog/catalog-build.js";
import type { InstanceTypeRecord } from "../../scheduling/catalog/catalog-record.js";
import type { CapacityType, InstanceType } from "../../scheduling/types.js";

/**
 * Default spot price as a fraction of the on-demand price, used offline because the bundled data has no spot
 * prices (at run time they come from DescribeSpotPriceHistory). 0.35 is a typical level of EC2 spot discounts
 * for current-generation Linux types (about 65 % off on-demand). It applies to every type and zone alike, so
 * offline plans only prefer spot over on-demand, never one zone's spot over another's.
 */
export const DEFAULT_SPOT_PRICE_RATIO = 0.35;

/** Region whose price table is used when a region has none (Karpenter does the same). */
export const PRICE_FALLBACK_REGION = "us-east-1";

/** Region of the CNY price table, used for every `cn-` region. */
export const CHINA_PRICE_REGION = "cn-north-1";

const RECORDS = instanceTypesJson as unknown as readonly InstanceTypeRecord[];
const PRICES_USD = pricesUsdJson as unknown as Record<string, Record<string, number>>;
const PRICES_CNY = pricesCnyJson as unknown as Record<string, Record<string, number>>;

/** Every record of the bundled data (1,420, of which 1,363 complete; see `isCompleteRecord`). */
export function builtinInstanceTypeRecords(): readonly InstanceTypeRecord[] {
  return RECORDS;
}

/** An on-demand price table and where it came from. */
export interface OnDemandPriceTable {
  /** Region whose table this is (differs from the asked region after a fallback). */
  sourceRegion: string;
  currency: "USD" | "CNY";
  /** Instance type → price per hour. */
  prices: Readonly<Record<string, number>>;
}

/**
 * The on-demand price table for a region: its own table if the data has one (us-east-1, us-gov-east-1,
 * us-gov-west-1, cn-north-1); `cn-*` regions otherwise use cn-north-1 (CNY); every other region falls back to
 * us-east-1 (USD), as Karpenter does before its first Pricing API refresh.
 */
export function onDemandPriceTable(region: string): OnDemandPriceTable {
  if (PRICES_USD[region]) return { sourceRegion: region, currency: "USD", prices: PRICES_USD[region] };
  if (PRICES_CNY[region]) return { sourceRegion: region, currency: "CNY", prices: PRICES_CNY[region] };
  if (region.startsWith("cn-")) {
    return { sourceRegion: CHINA_PRICE_REGION, currency: "CNY", prices: PRICES_CNY[CHINA_PRICE_REGION] };
  }
  return { sourceRegion: PRICE_FALLBACK_REGION, currency: "USD", prices: PRICES_USD[PRICE_FALLBACK_REGION] };
}

/**
 * Default zones of a region when none are given: `<region>a` … `<region>f` for us-east-1 (its six zones),
 * `<region>a` … `<region>c` elsewhere (every commercial region has at least three).
 */
export function defaultZones(region: string): string[] {
  const letters = region === "us-east-1" ? "abcdef" : "abc";
  return [...letters].map((l) => `${region}${l}`);
}

/** Options for {@link builtinInstanceTypes}. */
export interface BuiltinCatalogOptions {
  region: string;
  /** @default {@link defaultZones}(region) */
  zones?: string[];
  /** @default {} */
  kubelet?: KubeletConfig;
  /** @default "AL2023" */
  amiFamily?: AmiFamily;
  /** Ephemeral-storage volume size in bytes (see `resolveEphemeralStorageBytes`). @default 20Gi */
  ephemeralStorageBytes?: number;
  /** Per-type ephemeral storage (RAID0 instance stores); wins over `ephemeralStorageBytes`. @default unset */
  ephemeralStorageFor?: BuildInstanceTypesOptions["ephemeralStorageFor"];
  /** The NodeClass's network interfaces (types that cannot attach them are left out). @default unset */
  networkInterfaces?: BuildInstanceTypesOptions["networkInterfaces"];
  /** Spot price = on-demand × this ratio, unless `spotPrices` has the type/zone. @default 0.35 */
  spotPriceRatio?: number;
  /** Known spot prices: instance type → zone → price (e.g. from a price file). @default {} */
  spotPrices?: Record<string, Record<string, number>>;
  /** @default ["spot", "on-demand"] */
  capacityTypes?: CapacityType[];
  /** Offerings to mark unavailable (insufficient-capacity cache). @default none */
  unavailable?: OfferingUnavailableFn;
}

/**
 * The built-in catalog for a region: every complete type of the bundled data with allocatable for the given
 * kubelet settings and AMI family, well-known labels, and offerings = zones × capacity types. On-demand prices
 * come from {@link onDemandPriceTable}; spot prices from `spotPrices`, else on-demand × `spotPriceRatio`. A type
 * without an on-demand price (and no spot price) has no offerings.
 */
export function builtinInstanceTypes(opts: BuiltinCatalogOptions): InstanceType[] {
  const table = onDemandPriceTable(opts.region).prices;
  const ratio = opts.spotPriceRatio ?? DEFAULT_SPOT_PRICE_RATIO;
  const spot = opts.spotPrices ?? {};
  return buildInstanceTypes(RECORDS, {
    region: opts.region,
    zones: opts.zones ?? defaultZones(opts.region),
    capacityTypes: opts.capacityTypes,
    kubelet: opts.kubelet,
    amiFamily: opts.amiFamily,
    ephemeralStorageBytes: opts.ephemeralStorageBytes,
    ephemeralStorageFor: opts.ephemeralStorageFor,
    networkInterfaces: opts.networkInterfaces,
    unavailable: opts.unavailable,
    price: (name, zone, capacityType) => {
      const onDemand = table[name];
      if (capacityType === "on-demand") return onDemand;
      if (capacityType === "spot") {
        const known = spot[name]?.[zone];
        if (known !== undefined) return known;
        return onDemand === undefined ? undefined : roundPrice(onDemand * ratio);
      }
      return undefined;
    },
  });
}

/** Rounds a derived price to 6 decimals (EC2 quotes prices to 4–6 decimals). */
function roundPrice(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}
