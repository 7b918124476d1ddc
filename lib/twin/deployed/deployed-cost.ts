/**
 * `controllerCost` of the deployed mode's report: the synthesized template's functions priced by the billed
 * durations the Lambda runtime model measured, and the DynamoDB request units, SQS message requests, decision
 * events and log bytes the run measured, extrapolated from the run's virtual length to a month; next to it, what the
 * run itself cost once (`scenarioUsd`, `run-cost.ts`).
 */
import { type BillLine, type BillSummary, billSummary, computeBill } from "../../cost/controller-bill.js";
import { type MeasuredRun, measuredUsage } from "../../cost/monthly-usage.js";
import { DEFAULT_PRICES } from "../../cost/price-table.js";
import { type RunCost, runCost } from "../../cost/run-cost.js";
import { inventoryFromTemplate, type TemplateLike } from "../../cost/stack-inventory.js";
import type { FunctionMetrics } from "./lambda-runtime.js";

/** What the run measured besides the functions' billed durations. */
export type MeasuredRequests = Pick<
  MeasuredRun,
  "dynamoReadUnits" | "dynamoWriteUnits" | "sqsMessageRequests" | "logBytes" | "decisionEvents"
>;

/** What the deployed run measured, for its bill. */
export interface DeployedCostInputs {
  template: TemplateLike;
  /** Function name → logical id. */
  logicalIds: Record<string, string>;
  metrics: Record<string, FunctionMetrics>;
  /** Virtual length of the run, ms. */
  elapsedMs: number;
  liveNodes: number;
  launched: number;
  pods: number;
  pools: number;
  /** Requests the run measured. @default none: priced from the run's nodes and launches per hour */
  requests?: MeasuredRequests;
}

/** The report's bill: the summary, the run's own cost, the itemized lines and where the numbers come from. */
export type DeployedControllerCost = BillSummary & RunCost & { lines: BillLine[]; basis: string };

/** The report's bill of a deployed run. */
export function deployedControllerCost(i: DeployedCostInputs): DeployedControllerCost {
  const inventory = inventoryFromTemplate(i.template);
  const periodMinutes = Math.max(1, i.elapsedMs / 60_000);
  const functions: MeasuredRun["functions"] = {};
  for (const [name, m] of Object.entries(i.metrics)) {
    const logicalId = i.logicalIds[name];
    if (logicalId) functions[logicalId] = { invocations: m.invocations, gbSeconds: m.gbSeconds };
  }
  const usage = measuredUsage(
    inventory,
    { periodMinutes, functions, ...i.requests },
    { nodes: i.liveNodes, pods: i.pods, churnPerHour: i.launched / (periodMinutes / 60), pools: i.pools },
  );
  const bill = computeBill(inventory, usage, DEFAULT_PRICES);
  const measured = i.requests
    ? "DynamoDB request units, SQS message requests, decision events and log bytes measured; "
    : "";
  return {
    ...billSummary(bill),
    ...runCost(bill, periodMinutes),
    lines: bill.lines.map((l) => ({
      ...l,
      quantity: Math.round(l.quantity * 1000) / 1000,
      usd: Math.round(l.usd * 10_000) / 10_000,
    })),
    basis:
      `Lambda: billed durations measured by the runtime model over ${Math.round(periodMinutes)} min, extrapolated to 730 h ` +
      `(functions that did not run: from their design); ${measured}SQS idle polls from the stack's queue pollers; ` +
      "the rest from the run's nodes and launches per hour; scenarioUsd: the measured lines at the run's own quantities",
  };
}
