/**
 * The prices the cost model multiplies usage by: AWS list prices of one region on one date, with the pages they
 * were read from. {@link DEFAULT_PRICES} ships with the project; {@link parsePriceTable} validates a replacement
 * (`stevedore cost --prices FILE`) and names the field that is wrong.
 */

/** Lambda prices. */
export interface LambdaPrices {
  /** USD per million requests. */
  requestPerMillion: number;
  /** USD per GB-second of duration on arm64 (Graviton), first tier. */
  gbSecondArm64: number;
  /** USD per GB-second of duration on x86_64, first tier. */
  gbSecondX86: number;
}

/** DynamoDB on-demand (pay per request) prices, standard table class. */
export interface DynamoDbPrices {
  /** USD per million write request units. */
  writeRequestUnitPerMillion: number;
  /** USD per million read request units. */
  readRequestUnitPerMillion: number;
  /** USD per GB-month of table storage. */
  storageGbMonth: number;
}

/** SQS prices (standard queues). */
export interface SqsPrices {
  /** USD per million requests (each 64 KB chunk of a payload is one request). */
  requestPerMillion: number;
}

/** EventBridge prices. Scheduled rules and AWS service events on the default bus are free. */
export interface EventBridgePrices {
  /** USD per million custom events published with PutEvents (64 KB chunks). */
  customEventPerMillion: number;
}

/** CloudWatch prices. */
export interface CloudWatchPrices {
  /** USD per custom metric (namespace + name + dimension set) per month, first tier. */
  metricMonth: number;
  /** USD per standard-resolution alarm metric per month. */
  alarmMetricMonth: number;
  /** USD per dashboard per month. */
  dashboardMonth: number;
  /** USD per GB of log data ingested (Standard log class; EMF metrics arrive this way). */
  logsIngestGb: number;
  /** USD per GB-month of log storage. */
  logsStorageGbMonth: number;
}

/** A price table: list prices of one region on one date. */
export interface PriceTable {
  region: string;
  /** When the prices were read (ISO date). */
  date: string;
  /** The pricing pages they come from. */
  sources: string[];
  lambda: LambdaPrices;
  dynamodb: DynamoDbPrices;
  sqs: SqsPrices;
  eventbridge: EventBridgePrices;
  cloudwatch: CloudWatchPrices;
}

/** AWS list prices, us-east-1, without free tiers. */
export const DEFAULT_PRICES: PriceTable = {
  region: "us-east-1",
  date: "2025-06-01",
  sources: [
    "https://aws.amazon.com/lambda/pricing/",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "https://aws.amazon.com/sqs/pricing/",
    "https://aws.amazon.com/eventbridge/pricing/",
    "https://aws.amazon.com/cloudwatch/pricing/",
  ],
  lambda: { requestPerMillion: 0.2, gbSecondArm64: 0.0000133334, gbSecondX86: 0.0000166667 },
  dynamodb: { writeRequestUnitPerMillion: 0.625, readRequestUnitPerMillion: 0.125, storageGbMonth: 0.25 },
  sqs: { requestPerMillion: 0.4 },
  eventbridge: { customEventPerMillion: 1 },
  cloudwatch: {
    metricMonth: 0.3,
    alarmMetricMonth: 0.1,
    dashboardMonth: 3,
    logsIngestGb: 0.5,
    logsStorageGbMonth: 0.03,
  },
};

/** A price table that is not valid; the message names the source, the field path and the rule. */
export class PriceTableError extends Error {
  override name = "PriceTableError";
  constructor(source: string, field: string, rule: string) {
    super(`${source}: ${field}: ${rule}`);
  }
}

const PRICE_FIELDS = {
  lambda: ["requestPerMillion", "gbSecondArm64", "gbSecondX86"],
  dynamodb: ["writeRequestUnitPerMillion", "readRequestUnitPerMillion", "storageGbMonth"],
  sqs: ["requestPerMillion"],
  eventbridge: ["customEventPerMillion"],
  cloudwatch: ["metricMonth", "alarmMetricMonth", "dashboardMonth", "logsIngestGb", "logsStorageGbMonth"],
} as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonEmptyString(source: string, doc: Record<string, unknown>, field: string): string {
  const v = doc[field];
  if (typeof v !== "string" || v.trim() === "") throw new PriceTableError(source, field, "must be a non-empty string");
  return v;
}

function priceSection(source: string, doc: Record<string, unknown>, section: keyof typeof PRICE_FIELDS) {
  const value = doc[section];
  if (!isRecord(value)) throw new PriceTableError(source, section, "must be an object");
  const out: Record<string, number> = {};
  for (const field of PRICE_FIELDS[section]) {
    const price = value[field];
    if (typeof price !== "number" || !Number.isFinite(price) || price < 0) {
      throw new PriceTableError(source, `${section}.${field}`, "must be a number >= 0 (USD)");
    }
    out[field] = price;
  }
  return out;
}

/** Validates a parsed price document; `source` names it in errors (a file path). */
export function parsePriceTable(doc: unknown, source: string): PriceTable {
  if (!isRecord(doc)) throw new PriceTableError(source, "(root)", "must be a JSON object");
  const region = nonEmptyString(source, doc, "region");
  const date = nonEmptyString(source, doc, "date");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new PriceTableError(source, "date", "must be an ISO date YYYY-MM-DD");
  const sources = doc.sources;
  if (!Array.isArray(sources) || sources.some((s) => typeof s !== "string")) {
    throw new PriceTableError(source, "sources", "must be an array of URLs (strings)");
  }
  return {
    region,
    date,
    sources: sources as string[],
    lambda: priceSection(source, doc, "lambda") as unknown as LambdaPrices,
    dynamodb: priceSection(source, doc, "dynamodb") as unknown as DynamoDbPrices,
    sqs: priceSection(source, doc, "sqs") as unknown as SqsPrices,
    eventbridge: priceSection(source, doc, "eventbridge") as unknown as EventBridgePrices,
    cloudwatch: priceSection(source, doc, "cloudwatch") as unknown as CloudWatchPrices,
  };
}
