/**
 * Offering prices: on-demand from the Price List API (`pricing:GetProducts`, Karpenter's filters) and spot from
 * `ec2:DescribeSpotPriceHistory` (latest per type × zone), refreshed every 12 hours. Until a refresh succeeds, the
 * built-in tables stand in (on-demand from the bundled data, spot = on-demand × the default ratio); a failed
 * refresh keeps the last good prices and logs. After the first successful spot refresh a type/zone with no spot
 * price has no spot offering (Karpenter).
 */
import { DescribeSpotPriceHistoryCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { GetProductsCommand, type PricingClient, type Filter as PricingFilter } from "@aws-sdk/client-pricing";
import type { Clock } from "../../core/clock.js";
import { type Logger, silentLogger } from "../../core/logger.js";
import { DEFAULT_SPOT_PRICE_RATIO, onDemandPriceTable } from "./builtin-catalog.js";
import type { ApiGate } from "./retry.js";
import { ec2Call } from "./retry.js";

/** How often prices are refreshed (Karpenter's pricing controller). */
export const PRICE_REFRESH_MS = 12 * 60 * 60_000;
/** How soon a failed refresh is tried again. */
export const PRICE_RETRY_MS = 5 * 60_000;

/** Options for {@link PricingProvider}. */
export interface PricingProviderOptions {
  ec2: EC2Client;
  pricing: PricingClient;
  gate: ApiGate;
  clock: Clock;
  region: string;
  /** @default silent */
  logger?: Logger;
  /** @default 12 hours */
  refreshMs?: number;
  /** Spot price = on-demand × ratio before the first spot refresh. @default 0.35 (builtin catalog) */
  spotPriceRatio?: number;
  /** Skip the Price List API (isolated VPC, GovCloud). @default false */
  skipOnDemandApi?: boolean;
}

/** The Price List filters Karpenter uses, for one tenancy/product family pair. */
export function onDemandFilters(region: string, tenancy: "Shared" | "Dedicated"): PricingFilter[] {
  const f = (Field: string, Value: string): PricingFilter => ({ Type: "TERM_MATCH", Field, Value });
  return [
    f("regionCode", region),
    f("preInstalledSw", "NA"),
    f("operatingSystem", "Linux"),
    f("capacitystatus", "Used"),
    f("marketoption", "OnDemand"),
    f("tenancy", tenancy),
    f("productFamily", tenancy === "Shared" ? "Compute Instance" : "Compute Instance (bare metal)"),
  ];
}

/** Reads `instanceType` and its price from one Price List product document; undefined when it has none. */
export function parsePriceListItem(item: string): { instanceType: string; price: number } | undefined {
  let doc: {
    product?: { attributes?: { instanceType?: string } };
    terms?: {
      OnDemand?: Record<string, { priceDimensions?: Record<string, { pricePerUnit?: Record<string, string> }> }>;
    };
  };
  try {
    doc = JSON.parse(item);
  } catch {
    return undefined;
  }
  const instanceType = doc.product?.attributes?.instanceType;
  if (!instanceType) return undefined;
  for (const term of Object.values(doc.terms?.OnDemand ?? {})) {
    for (const dim of Object.values(term.priceDimensions ?? {})) {
      const raw = dim.pricePerUnit?.USD ?? dim.pricePerUnit?.CNY;
      const price = raw === undefined ? Number.NaN : Number(raw);
      if (Number.isFinite(price) && price > 0) return { instanceType, price };
    }
  }
  return undefined;
}

/** Prices for one region with the refresh and fallback rules above. */
export class PricingProvider {
  private onDemandPrices: Map<string, number>;
  private spotPrices = new Map<string, Map<string, number>>();
  private spotKnown = false;
  private lastRefresh = Number.NEGATIVE_INFINITY;
  private lastRefreshFailed = false;
  private refreshing: Promise<void> | undefined;
  private readonly logger: Logger;
  private readonly ratio: number;

  constructor(private readonly opts: PricingProviderOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.ratio = opts.spotPriceRatio ?? DEFAULT_SPOT_PRICE_RATIO;
    this.onDemandPrices = new Map(Object.entries(onDemandPriceTable(opts.region).prices));
  }

  /** On-demand price per hour. */
  onDemand(instanceType: string): number | undefined {
    return this.onDemandPrices.get(instanceType);
  }

  /** Spot price per hour in a zone (estimated from on-demand until the first spot refresh). */
  spot(instanceType: string, zone: string): number | undefined {
    if (this.spotKnown) return this.spotPrices.get(instanceType)?.get(zone);
    const od = this.onDemand(instanceType);
    return od === undefined ? undefined : Math.round(od * this.ratio * 1e6) / 1e6;
  }

  /** True once spot prices came from DescribeSpotPriceHistory. */
  get hasLiveSpotPrices(): boolean {
    return this.spotKnown;
  }

  /** Refreshes when older than the refresh interval (concurrent callers share one refresh). Never throws. */
  async refreshIfStale(): Promise<void> {
    const interval = this.lastRefreshFailed ? PRICE_RETRY_MS : (this.opts.refreshMs ?? PRICE_REFRESH_MS);
    if (this.opts.clock.now() - this.lastRefresh < interval) return;
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Refreshes spot and on-demand prices in parallel; failures keep the last good prices. Never throws. */
  async refresh(): Promise<void> {
    const [spot, od] = await Promise.allSettled([
      this.fetchSpot(),
      this.opts.skipOnDemandApi ? Promise.resolve(undefined) : this.fetchOnDemand(),
    ]);
    if (spot.status === "fulfilled") {
      this.spotPrices = spot.value;
      this.spotKnown = true;
    } else {
      this.logger.warn("spot price refresh failed; keeping last good prices", { error: String(spot.reason) });
    }
    if (od.status === "fulfilled" && od.value) {
      for (const [k, v] of od.value) this.onDemandPrices.set(k, v);
    } else if (od.status === "rejected") {
      this.logger.warn("on-demand price refresh failed; keeping last good prices", { error: String(od.reason) });
    }
    this.lastRefresh = this.opts.clock.now();
    this.lastRefreshFailed = spot.status === "rejected" || od.status === "rejected";
  }

  private async fetchSpot(): Promise<Map<string, Map<string, number>>> {
    const latest = new Map<string, { price: number; at: number }>();
    let token: string | undefined;
    const { ec2, gate, clock } = this.opts;
    do {
      const res = await gate.call(ec2Call("DescribeSpotPriceHistory"), () =>
        ec2.send(
          new DescribeSpotPriceHistoryCommand({
            ProductDescriptions: ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"],
            StartTime: new Date(clock.now()),
            MaxResults: 1000,
            NextToken: token,
          }),
        ),
      );
      for (const p of res.SpotPriceHistory ?? []) {
        const price = Number(p.SpotPrice);
        if (!p.InstanceType || !p.AvailabilityZone || !Number.isFinite(price)) continue;
        const k = `${p.InstanceType}\t${p.AvailabilityZone}`;
        const at = p.Timestamp?.getTime() ?? 0;
        const cur = latest.get(k);
        if (!cur || at > cur.at) latest.set(k, { price, at });
      }
      token = res.NextToken || undefined;
    } while (token);
    const out = new Map<string, Map<string, number>>();
    for (const [k, v] of latest) {
      const [type, zone] = k.split("\t");
      let zones = out.get(type);
      if (!zones) out.set(type, (zones = new Map()));
      zones.set(zone, v.price);
    }
    return out;
  }

  private async fetchOnDemand(): Promise<Map<string, number>> {
    const [shared, dedicated] = await Promise.all([
      this.fetchProducts(onDemandFilters(this.opts.region, "Shared")),
      this.fetchProducts(onDemandFilters(this.opts.region, "Dedicated")),
    ]);
    const out = new Map(dedicated);
    for (const [k, v] of shared) out.set(k, v);
    return out;
  }

  private async fetchProducts(Filters: PricingFilter[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let token: string | undefined;
    do {
      const res = await this.opts.gate.call("pricing", () =>
        this.opts.pricing.send(
          new GetProductsCommand({ ServiceCode: "AmazonEC2", Filters, FormatVersion: "aws_v1", NextToken: token }),
        ),
      );
      for (const item of res.PriceList ?? []) {
        const parsed = parsePriceListItem(typeof item === "string" ? item : JSON.stringify(item));
        if (parsed) out.set(parsed.instanceType, parsed.price);
      }
      token = res.NextToken || undefined;
    } while (token);
    return out;
  }
}
