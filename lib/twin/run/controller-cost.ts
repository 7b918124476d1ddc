/**
 * The controller's own monthly bill as the in-process twin measured it: each function's invocations and their
 * virtual durations (what Lambda bills, cold starts aside) on the default stack's memory sizes, extrapolated from the
 * run's length to a month — the scenario repeated back to back, unlike the deployed twin's daily pattern; DynamoDB,
 * SQS and CloudWatch from the run's nodes and churn. `scenarioUsd` is what the run's measured lines cost once
 * (`run-cost.ts`).
 */
import { type BillSummary, billSummary, computeBill } from "../../cost/controller-bill.js";
import { defaultStackInventory } from "../../cost/default-stack.js";
import { type ClusterAssumptions, type MeasuredRun, measuredUsage } from "../../cost/monthly-usage.js";
import { DEFAULT_PRICES } from "../../cost/price-table.js";
import { type RunCost, runCost } from "../../cost/run-cost.js";
import type { TwinRun } from "./setup.js";
import { seriesHourCounts } from "./timed-telemetry.js";

/** `controllerCost` in the report. */
export interface ControllerCostReport extends BillSummary, RunCost {
  /** Where the numbers come from, in words. */
  basis: string;
}

/** What the run did, besides the invocations it recorded. */
export interface RunShape {
  /** Run length, virtual ms. */
  elapsedMs: number;
  /** Stevedore's nodes live at the end. */
  liveNodes: number;
  /** Instances Stevedore launched over the run. */
  launched: number;
  pods: number;
  pools: number;
  /** Decision events published over the run. */
  decisionEvents: number;
}

/** The report's controller bill for a finished in-process run. */
export function twinControllerCost(run: TwinRun, shape: RunShape): ControllerCostReport {
  const inventory = defaultStackInventory(run.scenario.controllers.reaction, {
    loopSeconds: run.scenario.controllers.loopSeconds,
  });
  const periodMinutes = Math.max(1, shape.elapsedMs / 60_000);
  const functions: MeasuredRun["functions"] = {};
  for (const fn of inventory.functions) {
    const records = run.invocationUsage.filter((u) => u.controller === fn.role);
    const started = run.bus.stats.invocations[fn.role] ?? records.length;
    if (started === 0 && fn.role === "cluster-access") continue;
    const seconds = records.reduce((sum, r) => sum + r.durationMs, 0) / 1000;
    functions[fn.logicalId] = { invocations: started, gbSeconds: seconds * (fn.memoryMb / 1024) };
  }
  const assumptions: ClusterAssumptions = {
    nodes: shape.liveNodes,
    pods: shape.pods,
    churnPerHour: shape.launched / (periodMinutes / 60),
    pools: shape.pools,
  };
  const usage = measuredUsage(
    inventory,
    {
      periodMinutes,
      functions,
      decisionEvents: shape.decisionEvents,
      metricSeriesHours: seriesHourCounts(run.metricSeries),
    },
    assumptions,
  );
  const bill = computeBill(inventory, usage, DEFAULT_PRICES);
  return {
    ...billSummary(bill),
    ...runCost(bill, periodMinutes),
    basis:
      `the month (730 h) is the ${Math.round(periodMinutes)}-minute scenario repeated back to back (no quiet tail; the deployed twin prices a daily pattern). ` +
      `Lambda: invocations and virtual durations measured on the default stack's memory sizes; decision events measured; metric series ${usage.metricSeries.basis} (${usage.metricSeries.note}); ` +
      "DynamoDB, SQS and the rest of CloudWatch from the run's nodes and launches per hour",
  };
}
