/**
 * The controller's monthly bill: usage times prices, one line per billed item, totals by service, and what could
 * not be priced. Pure arithmetic; the free tiers are not applied (an account usually spends them elsewhere).
 */
import { type Basis, HOURS_PER_MONTH, type MonthlyUsage } from "./monthly-usage.js";
import type { PriceTable } from "./price-table.js";
import type { StackInventory, UnpricedResource } from "./stack-inventory.js";

/** The services the bill itemizes. */
export type BilledService = "Lambda" | "DynamoDB" | "SQS" | "EventBridge" | "CloudWatch";

/** The billed services in the order tables show them. */
export const BILLED_SERVICES: readonly BilledService[] = ["Lambda", "DynamoDB", "SQS", "EventBridge", "CloudWatch"];

/** USD per service of `lines` (every service present, zero when it has no line). */
export function sumByService(lines: Iterable<{ service: BilledService; usd: number }>): Record<BilledService, number> {
  const byService = Object.fromEntries(BILLED_SERVICES.map((s) => [s, 0])) as Record<BilledService, number>;
  for (const l of lines) byService[l.service] += l.usd;
  return byService;
}

/** One item of the bill. */
export interface BillLine {
  service: BilledService;
  item: string;
  quantity: number;
  unit: string;
  usd: number;
  basis: Basis | "template";
  /** How the quantity was obtained. */
  note?: string;
  /** The function a Lambda line bills (its logical id). */
  function?: string;
}

/** The month's bill. */
export interface ControllerBill {
  region: string;
  priceDate: string;
  hoursPerMonth: number;
  lines: BillLine[];
  byService: Record<BilledService, number>;
  monthlyUsd: number;
  notPriced: UnpricedResource[];
}

const MILLION = 1e6;

function lambdaLines(inv: StackInventory, usage: MonthlyUsage, prices: PriceTable): BillLine[] {
  const lines: BillLine[] = [];
  for (const fn of inv.functions) {
    const u = usage.functions[fn.logicalId];
    if (!u) continue;
    const perGbS = fn.architecture === "arm64" ? prices.lambda.gbSecondArm64 : prices.lambda.gbSecondX86;
    const name = `${fn.role === "other" ? fn.logicalId : fn.role} (${fn.memoryMb} MB ${fn.architecture})`;
    lines.push({
      service: "Lambda",
      item: `${name} requests`,
      quantity: u.invocations,
      unit: "requests",
      usd: (u.invocations / MILLION) * prices.lambda.requestPerMillion,
      basis: u.basis,
      function: fn.logicalId,
    });
    lines.push({
      service: "Lambda",
      item: `${name} duration`,
      quantity: u.gbSeconds,
      unit: "GB-s",
      usd: u.gbSeconds * perGbS,
      basis: u.basis,
      note: u.note,
      function: fn.logicalId,
    });
  }
  return lines;
}

function serviceLines(inv: StackInventory, usage: MonthlyUsage, prices: PriceTable): BillLine[] {
  const { dynamodb: ddb, cloudwatch: cw } = prices;
  const logStoredGb = usage.logIngestGb.value * Math.min(12, (inv.logRetentionDays ?? 365) / 30);
  return [
    line(
      "DynamoDB",
      "read request units",
      usage.dynamoReadUnits.value,
      "RRU",
      ddb.readRequestUnitPerMillion / MILLION,
      usage.dynamoReadUnits.basis,
    ),
    line(
      "DynamoDB",
      "write request units",
      usage.dynamoWriteUnits.value,
      "WRU",
      ddb.writeRequestUnitPerMillion / MILLION,
      usage.dynamoWriteUnits.basis,
    ),
    line(
      "DynamoDB",
      "storage",
      usage.dynamoStorageGb.value,
      "GB-month",
      ddb.storageGbMonth,
      usage.dynamoStorageGb.basis,
    ),
    line(
      "SQS",
      "requests (long polls and messages)",
      usage.sqsRequests.value,
      "requests",
      prices.sqs.requestPerMillion / MILLION,
      usage.sqsRequests.basis,
    ),
    line(
      "EventBridge",
      "decision events (PutEvents)",
      usage.decisionEvents.value,
      "events",
      prices.eventbridge.customEventPerMillion / MILLION,
      usage.decisionEvents.basis,
    ),
    {
      ...line(
        "CloudWatch",
        "custom metrics (EMF)",
        usage.metricSeries.value,
        "metric-months",
        cw.metricMonth,
        usage.metricSeries.basis,
      ),
      note: usage.metricSeries.note,
    },
    line("CloudWatch", "alarms", inv.alarmMetrics, "alarm metrics", cw.alarmMetricMonth, "template"),
    line("CloudWatch", "dashboards", inv.dashboards, "dashboards", cw.dashboardMonth, "template"),
    line("CloudWatch", "logs ingested", usage.logIngestGb.value, "GB", cw.logsIngestGb, usage.logIngestGb.basis),
    line(
      "CloudWatch",
      `logs stored (${inv.logRetentionDays ?? "no"} days retention)`,
      logStoredGb,
      "GB-month",
      cw.logsStorageGbMonth,
      usage.logIngestGb.basis,
    ),
  ];
}

function line(
  service: BilledService,
  item: string,
  quantity: number,
  unit: string,
  unitPrice: number,
  basis: BillLine["basis"],
): BillLine {
  return { service, item, quantity, unit, usd: quantity * unitPrice, basis };
}

/** Rounds dollars to cents for display and reports. */
export function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/** The bill of `usage` on the stack `inv` at `prices`. */
export function computeBill(inv: StackInventory, usage: MonthlyUsage, prices: PriceTable): ControllerBill {
  const lines = [...lambdaLines(inv, usage, prices), ...serviceLines(inv, usage, prices)];
  const byService = sumByService(lines);
  const monthlyUsd = Object.values(byService).reduce((a, b) => a + b, 0);
  return {
    region: prices.region,
    priceDate: prices.date,
    hoursPerMonth: HOURS_PER_MONTH,
    lines,
    byService,
    monthlyUsd,
    notPriced: inv.notPriced,
  };
}

/** The bill in short, as reports carry it: dollars in cents, by service, and what was not priced. */
export interface BillSummary {
  monthlyUsd: number;
  byService: Record<BilledService, number>;
  /** `<region> list prices of <date>`. */
  prices: string;
  notPriced: string[];
  /** Per Lambda function (logical id): invocations and GB-seconds a month, and their dollars. */
  byFunction: Record<string, { invocations: number; gbSeconds: number; usd: number }>;
}

/** The short form of `bill`. */
export function billSummary(bill: ControllerBill): BillSummary {
  const byService = Object.fromEntries(Object.entries(bill.byService).map(([s, usd]) => [s, cents(usd)]));
  return {
    monthlyUsd: cents(bill.monthlyUsd),
    byService: byService as Record<BilledService, number>,
    prices: `${bill.region} list prices of ${bill.priceDate}`,
    notPriced: bill.notPriced.map((r) => `${r.logicalId} (${r.type}): ${r.reason}`),
    byFunction: functionTotals(bill.lines),
  };
}

function functionTotals(lines: BillLine[]): BillSummary["byFunction"] {
  const out: BillSummary["byFunction"] = {};
  for (const l of lines) {
    if (!l.function) continue;
    const row = out[l.function] ?? { invocations: 0, gbSeconds: 0, usd: 0 };
    if (l.unit === "requests") row.invocations = Math.round(l.quantity);
    else row.gbSeconds = Math.round(l.quantity);
    row.usd = cents(row.usd + l.usd);
    out[l.function] = row;
  }
  return out;
}
