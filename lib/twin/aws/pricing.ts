/**
 * AWS Price List (`AWSPriceListService.GetProducts`, JSON 1.1) for `AmazonEC2` in the emulated region: one
 * product per type and variant, rendered as the price-list JSON strings AWS returns
 * (`product.attributes`, `terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD`).
 *
 * Variants per type: Linux / `Used` / no pre-installed software at the catalog's on-demand price (bare-metal types
 * as `Compute Instance (bare metal)` with tenancy `Dedicated`, the others `Compute Instance` / `Shared`, which is
 * where the bundled prices come from); the same with `UnusedCapacityReservation` (same price) and
 * `AllocatedCapacityReservation` (price 0, as AWS lists it). Two synthetic variants make filters matter: Windows
 * (+ $0.046 per vCPU-hour) and, for non-metal types, Dedicated tenancy (+10 %). Filters: TERM_MATCH / EQUALS
 * (case-insensitive), CONTAINS, ANY_OF, NONE_OF; 100 products per page at most.
 */
import { AwsApiError } from "./errors.js";
import { zoneIdPrefix } from "./network.js";
import { paginate } from "./pagination.js";
import { hashString } from "./random.js";
import type { Ec2World } from "./world.js";

const LOCATIONS: Record<string, string> = {
  "us-east-1": "US East (N. Virginia)",
  "us-east-2": "US East (Ohio)",
  "us-west-1": "US West (N. California)",
  "us-west-2": "US West (Oregon)",
  "eu-west-1": "EU (Ireland)",
  "eu-central-1": "EU (Frankfurt)",
  "ap-southeast-1": "Asia Pacific (Singapore)",
  "ap-southeast-2": "Asia Pacific (Sydney)",
  "ap-northeast-1": "Asia Pacific (Tokyo)",
  "us-gov-west-1": "AWS GovCloud (US-West)",
  "us-gov-east-1": "AWS GovCloud (US-East)",
};

/** On-demand offer term code and rate code AWS uses for hourly on-demand prices. */
const OFFER_TERM = "JRTCKXETXF";
const RATE_CODE = "6YS6EN2CT7";

interface Product {
  productFamily: string;
  attributes: Record<string, string>;
  sku: string;
  price: number;
  /** Lower-case field name → lower-case value, for filtering. */
  fields: Map<string, string>;
  json?: string;
}

type Json = Record<string, unknown>;

function sku(text: string): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  let h = hashString(text);
  let h2 = hashString(`${text}#`);
  let out = "";
  for (let i = 0; i < 16; i++) {
    const src = i < 8 ? h : h2;
    out += alphabet[src % alphabet.length];
    if (i < 8) h = Math.floor(h / alphabet.length) ^ (i * 2654435761);
    else h2 = Math.floor(h2 / alphabet.length) ^ (i * 2246822519);
    h >>>= 0;
    h2 >>>= 0;
  }
  return out;
}

/** The Price List service for the emulated region. */
export class PricingService {
  private products?: Product[];

  constructor(private readonly world: Ec2World) {}

  private build(): Product[] {
    const region = this.world.config.region;
    const prefix = region === "us-east-1" ? "" : `${zoneIdPrefix(region).toUpperCase()}-`;
    const out: Product[] = [];
    for (const t of this.world.catalog.all()) {
      const metal = t.record.bareMetal === true;
      const family = metal ? "Compute Instance (bare metal)" : "Compute Instance";
      const variants: Array<{ os: string; tenancy: string; status: string; price: number }> = [
        { os: "Linux", tenancy: metal ? "Dedicated" : "Shared", status: "Used", price: t.onDemandPrice },
        {
          os: "Linux",
          tenancy: metal ? "Dedicated" : "Shared",
          status: "UnusedCapacityReservation",
          price: t.onDemandPrice,
        },
        { os: "Linux", tenancy: metal ? "Dedicated" : "Shared", status: "AllocatedCapacityReservation", price: 0 },
        {
          os: "Windows",
          tenancy: metal ? "Dedicated" : "Shared",
          status: "Used",
          price: t.onDemandPrice + 0.046 * t.vcpu,
        },
      ];
      if (!metal) variants.push({ os: "Linux", tenancy: "Dedicated", status: "Used", price: t.onDemandPrice * 1.1 });
      for (const v of variants) {
        const usage = `${prefix}${v.tenancy === "Dedicated" ? "DedicatedUsage" : "BoxUsage"}:${t.name}`;
        const attributes: Record<string, string> = {
          servicecode: "AmazonEC2",
          servicename: "Amazon Elastic Compute Cloud",
          location: LOCATIONS[region] ?? region,
          locationType: "AWS Region",
          regionCode: region,
          instanceType: t.name,
          instanceFamily: metal ? "Bare metal" : "General purpose",
          currentGeneration: "Yes",
          vcpu: String(t.vcpu),
          memory: `${Number((t.memoryMiB / 1024).toFixed(3))} GiB`,
          processorArchitecture: "64-bit",
          operatingSystem: v.os,
          tenancy: v.tenancy,
          preInstalledSw: "NA",
          licenseModel: v.os === "Windows" ? "License included" : "No License required",
          capacitystatus: v.status,
          marketoption: "OnDemand",
          operation: v.os === "Windows" ? "RunInstances:0002" : "RunInstances",
          usagetype: usage,
        };
        const id = sku(`${region}|${t.name}|${v.os}|${v.tenancy}|${v.status}`);
        const fields = new Map(Object.entries(attributes).map(([k, val]) => [k.toLowerCase(), val.toLowerCase()]));
        fields.set("productfamily", family.toLowerCase());
        fields.set("sku", id.toLowerCase());
        out.push({ productFamily: family, attributes, sku: id, price: v.price, fields });
      }
    }
    return out;
  }

  private matches(p: Product, filters: Json[]): boolean {
    for (const f of filters) {
      const value = p.fields.get(String(f.Field ?? "").toLowerCase());
      const wanted = String(f.Value ?? "").toLowerCase();
      if (value === undefined) return false;
      const list = wanted.split(",").map((s) => s.trim());
      switch (f.Type) {
        case "TERM_MATCH":
        case "EQUALS":
          if (value !== wanted) return false;
          break;
        case "CONTAINS":
          if (!value.includes(wanted)) return false;
          break;
        case "ANY_OF":
          if (!list.includes(value)) return false;
          break;
        case "NONE_OF":
          if (list.includes(value)) return false;
          break;
        default:
          throw new AwsApiError("InvalidParameterException", `Unsupported filter type ${String(f.Type)}`, 400);
      }
    }
    return true;
  }

  private render(p: Product): string {
    if (!p.json) {
      const publication = new Date(this.world.now()).toISOString();
      const offer = `${p.sku}.${OFFER_TERM}`;
      p.json = JSON.stringify({
        product: { productFamily: p.productFamily, attributes: p.attributes, sku: p.sku },
        serviceCode: "AmazonEC2",
        terms: {
          OnDemand: {
            [offer]: {
              priceDimensions: {
                [`${offer}.${RATE_CODE}`]: {
                  unit: "Hrs",
                  endRange: "Inf",
                  description: `$${p.price.toFixed(4)} per On Demand ${p.attributes.operatingSystem} ${p.attributes.instanceType} Instance Hour`,
                  appliesTo: [],
                  rateCode: `${offer}.${RATE_CODE}`,
                  beginRange: "0",
                  pricePerUnit: { USD: p.price.toFixed(10) },
                },
              },
              sku: p.sku,
              effectiveDate: publication,
              offerTermCode: OFFER_TERM,
              termAttributes: {},
            },
          },
        },
        version: "20250101000000",
        publicationDate: publication,
      });
    }
    return p.json;
  }

  /** Dispatches one `AWSPriceListService.<action>` call. */
  handle(action: string, body: Json): Json {
    if (action === "DescribeServices") {
      return {
        FormatVersion: "aws_v1",
        Services: [
          { ServiceCode: "AmazonEC2", AttributeNames: ["instanceType", "regionCode", "operatingSystem", "tenancy"] },
        ],
      };
    }
    if (action !== "GetProducts") {
      throw new AwsApiError(
        "UnknownOperationException",
        `The emulator does not implement AWSPriceListService.${action}`,
        400,
      );
    }
    if (body.ServiceCode !== "AmazonEC2") {
      return { FormatVersion: "aws_v1", PriceList: [] };
    }
    const max = body.MaxResults === undefined ? 100 : Number(body.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw new AwsApiError("InvalidParameterException", "MaxResults must be between 1 and 100", 400);
    }
    const filters = Array.isArray(body.Filters) ? (body.Filters as Json[]) : [];
    this.products ??= this.build();
    const matching = this.products.filter((p) => this.matches(p, filters));
    const token = typeof body.NextToken === "string" ? body.NextToken : undefined;
    const page = paginate(matching, `pricing|${JSON.stringify(filters)}`, max, token, "InvalidNextTokenException", 400);
    return { FormatVersion: "aws_v1", PriceList: page.items.map((p) => this.render(p)), NextToken: page.nextToken };
  }
}
