/**
 * `controllerCost` of the deployed mode's report: the synthesized template's functions priced by the billed
 * durations the Lambda runtime model measured, extrapolated from the run's virtual length to a month.
 */
import { type BillSummary, billSummary, computeBill } from "../../cost/controller-bill.js";
import { type MeasuredRun, measuredUsage } from "../../cost/monthly-usage.js";
import { DEFAULT_PRICES } from "../../cost/price-table.js";
import { inventoryFromTemplate, type TemplateLike } from "../../cost/stack-inventory.js";
import type { FunctionMetrics } from "./lambda-runtime.js";

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
}

/** The report's bill of a deployed run. */
export function deployedControllerCost(i: DeployedCostInputs): BillSummary & { basis: string } {
  const inventory = inventoryFromTemplate(i.template);
  const periodMinutes = Math.max(1, i.elapsedMs / 60_000);
  const functions: MeasuredRun["functions"] = {};
  for (const [name, m] of Object.entries(i.metrics)) {
    const logicalId = i.logicalIds[name];
    if (logicalId) functions[logicalId] = { invocations: m.invocations, gbSeconds: m.gbSeconds };
  }
  const usage = measuredUsage(
    inventory,
    { periodMinutes, functions },
    { nodes: i.liveNodes, pods: i.pods, churnPerHour: i.launched / (periodMinutes / 60), pools: i.pools },
  );
  return {
    ...billSummary(computeBill(inventory, usage, DEFAULT_PRICES)),
    basis:
      `Lambda: billed durations measured by the runtime model over ${Math.round(periodMinutes)} min, extrapolated to 730 h ` +
      "(functions that did not run: from their design); DynamoDB, SQS, EventBridge and CloudWatch from the run's nodes and launches per hour",
  };
}
