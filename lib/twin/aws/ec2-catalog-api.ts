/**
 * DescribeInstanceTypes, DescribeInstanceTypeOfferings, DescribeSpotPriceHistory and DescribeAvailabilityZones.
 */
import type { EmulatedInstanceType } from "./catalog.js";
import { AwsApiError, invalidParameterValue } from "./errors.js";
import { checkFilterNames, type FilterFields, matchesFilters } from "./filters.js";
import { INSTANCE_TYPE_FILTERS, instanceTypeInfo } from "./instance-type-info.js";
import type { EmulatedZone } from "./network.js";
import { paginate } from "./pagination.js";
import { checkMaxResults, type QueryParams } from "./query-params.js";
import type { Ec2World } from "./world.js";
import type { XmlObject } from "./xml.js";

/** Handles DescribeInstanceTypes (100 per page by default, as EC2). */
export function describeInstanceTypes(world: Ec2World, params: QueryParams): XmlObject {
  const names = params.strings("InstanceType");
  const maxResults = params.int("MaxResults");
  checkMaxResults(maxResults, 5, 100);
  const filters = params.filters();
  checkFilterNames(filters, INSTANCE_TYPE_FILTERS, false);
  const unknown = names.filter((n) => !world.catalog.get(n));
  if (unknown.length > 0) {
    throw new AwsApiError(
      "InvalidInstanceType",
      `The following supplied instance types do not exist: [${unknown.join(", ")}]`,
    );
  }
  const base = names.length > 0 ? names.map((n) => world.catalog.get(n) as EmulatedInstanceType) : world.catalog.all();
  const matching = base.filter((t) => matchesFilters(t, filters, INSTANCE_TYPE_FILTERS));
  const page = paginate(matching, "DescribeInstanceTypes", maxResults ?? 100, params.string("NextToken"));
  return { instanceTypeSet: page.items.map(instanceTypeInfo), nextToken: page.nextToken };
}

interface Offering {
  instanceType: string;
  location: string;
}

const OFFERING_FILTERS: FilterFields<Offering> = {
  "instance-type": (o) => o.instanceType,
  location: (o) => o.location,
};

/** Handles DescribeInstanceTypeOfferings (LocationType region | availability-zone | availability-zone-id). */
export function describeInstanceTypeOfferings(world: Ec2World, params: QueryParams): XmlObject {
  const locationType = params.string("LocationType") ?? "region";
  const maxResults = params.int("MaxResults");
  checkMaxResults(maxResults, 5, 1000);
  const filters = params.filters();
  checkFilterNames(filters, OFFERING_FILTERS, false);
  const offerings: Offering[] = [];
  for (const t of world.catalog.all()) {
    if (locationType === "region") {
      if (world.catalog.zonesOffering(t.name).length > 0)
        offerings.push({ instanceType: t.name, location: world.config.region });
    } else if (locationType === "availability-zone" || locationType === "availability-zone-id") {
      for (const z of world.network.zones) {
        if (!world.catalog.isOffered(t.name, z.zoneName)) continue;
        offerings.push({
          instanceType: t.name,
          location: locationType === "availability-zone" ? z.zoneName : z.zoneId,
        });
      }
    } else {
      throw invalidParameterValue("LocationType", locationType);
    }
  }
  const matching = offerings.filter((o) => matchesFilters(o, filters, OFFERING_FILTERS));
  const page = paginate(
    matching,
    `DescribeInstanceTypeOfferings|${locationType}`,
    maxResults ?? 1000,
    params.string("NextToken"),
  );
  return {
    instanceTypeOfferingSet: page.items.map((o) => ({
      instanceType: o.instanceType,
      locationType,
      location: o.location,
    })),
    nextToken: page.nextToken,
  };
}

/** The product description the emulated spot market prices (VPC-only accounts see only this one). */
export const SPOT_PRODUCT_DESCRIPTION = "Linux/UNIX";

interface SpotEntry {
  instanceType: string;
  zone: EmulatedZone;
  price: number;
  timestampMs: number;
}

const SPOT_FILTERS: FilterFields<SpotEntry> = {
  "instance-type": (e) => e.instanceType,
  "availability-zone": (e) => e.zone.zoneName,
  "product-description": () => SPOT_PRODUCT_DESCRIPTION,
  "spot-price": (e) => e.price.toFixed(6),
  timestamp: (e) => new Date(e.timestampMs).toISOString(),
};

/**
 * Handles DescribeSpotPriceHistory: per type × zone, the price in effect at StartTime (default now) and every
 * change up to EndTime (default now), newest first. Only `Linux/UNIX` is priced.
 */
export function describeSpotPriceHistory(world: Ec2World, params: QueryParams): XmlObject {
  const now = world.now();
  const start = Math.min(params.timestamp("StartTime") ?? now, now);
  const end = Math.min(params.timestamp("EndTime") ?? now, now);
  if (end < start)
    throw invalidParameterValue("EndTime", new Date(end).toISOString(), "EndTime must not be before StartTime");
  const maxResults = params.int("MaxResults");
  checkMaxResults(maxResults, 5, 1000);
  const filters = params.filters();
  checkFilterNames(filters, SPOT_FILTERS, false);
  const descriptions = params.strings("ProductDescription");
  if (descriptions.length > 0 && !descriptions.includes(SPOT_PRODUCT_DESCRIPTION)) {
    return { spotPriceHistorySet: [] };
  }
  const typeNames = params.strings("InstanceType");
  const zoneName = params.string("AvailabilityZone");
  const types =
    typeNames.length > 0 ? typeNames.map((n) => world.catalog.get(n)).filter((t) => !!t) : world.catalog.all();
  const zones = world.network.zones.filter((z) => zoneName === undefined || z.zoneName === zoneName);
  const entries: SpotEntry[] = [];
  for (const t of types) {
    if (!t?.spotSupported) continue;
    for (const zone of zones) {
      if (!world.catalog.isOffered(t.name, zone.zoneName)) continue;
      for (const p of world.spot.history(t.name, zone.zoneName, start, end)) {
        entries.push({ instanceType: t.name, zone, price: p.price, timestampMs: p.timestampMs });
      }
    }
  }
  const matching = entries.filter((e) => matchesFilters(e, filters, SPOT_FILTERS));
  matching.sort(
    (a, b) =>
      b.timestampMs - a.timestampMs ||
      a.instanceType.localeCompare(b.instanceType) ||
      a.zone.zoneName.localeCompare(b.zone.zoneName),
  );
  const page = paginate(matching, "DescribeSpotPriceHistory", maxResults ?? 1000, params.string("NextToken"));
  return {
    spotPriceHistorySet: page.items.map((e) => ({
      availabilityZone: e.zone.zoneName,
      availabilityZoneId: e.zone.zoneId,
      instanceType: e.instanceType,
      productDescription: SPOT_PRODUCT_DESCRIPTION,
      spotPrice: e.price.toFixed(6),
      timestamp: new Date(e.timestampMs),
    })),
    nextToken: page.nextToken,
  };
}

const ZONE_FILTERS: FilterFields<EmulatedZone> = {
  "zone-name": (z) => z.zoneName,
  "zone-id": (z) => z.zoneId,
  "region-name": (z) => z.regionName,
  state: () => "available",
  "zone-type": () => "availability-zone",
  "group-name": (z) => z.regionName,
  "opt-in-status": () => "opt-in-not-required",
};

/** Handles DescribeAvailabilityZones. */
export function describeAvailabilityZones(world: Ec2World, params: QueryParams): XmlObject {
  const names = params.strings("ZoneName");
  const ids = params.strings("ZoneId");
  const filters = params.filters();
  checkFilterNames(filters, ZONE_FILTERS, false);
  for (const n of names) {
    if (!world.network.zone(n)) throw new AwsApiError("InvalidParameterValue", `The zone '${n}' does not exist.`);
  }
  const zones = world.network.zones.filter(
    (z) =>
      (names.length === 0 || names.includes(z.zoneName)) &&
      (ids.length === 0 || ids.includes(z.zoneId)) &&
      matchesFilters(z, filters, ZONE_FILTERS),
  );
  return {
    availabilityZoneInfo: zones.map((z) => ({
      zoneName: z.zoneName,
      zoneId: z.zoneId,
      zoneState: "available",
      regionName: z.regionName,
      groupName: z.regionName,
      networkBorderGroup: z.regionName,
      optInStatus: "opt-in-not-required",
      zoneType: "availability-zone",
      messageSet: [],
    })),
  };
}
