/**
 * `controllerCost` of the deployed mode's report. The run measures two windows: the scenario (its burst), and a
 * quiet tail after it in which the cluster sits at the scenario's end state with the controllers idling. Each
 * window's measurements are the synthesized template's functions priced by the billed durations the Lambda runtime
 * model measured, and the DynamoDB request units, SQS message requests, decision events and log bytes its calls
 * made. The month is the daily pattern (`daily-pattern.ts`): the scenario `burstsPerDay` times a day, the tail's
 * rate the rest of the month. Next to it: the scenario back to back all month (`backToBackMonthlyUsd`), the tail all
 * month (`quietMonthlyUsd`), and what the scenario cost once (`scenarioUsd`, `run-cost.ts`).
 */

import { burstPatternMetricMonths, hoursPerBurst } from "../../cost/burst-metric-series.js";
import { type BillLine, type BillSummary, billSummary, cents, computeBill } from "../../cost/controller-bill.js";
import { DEFAULT_BURSTS_PER_DAY, dailyPatternRun, patternFactors } from "../../cost/daily-pattern.js";
import { type ClusterAssumptions, HOURS_PER_MONTH, type MeasuredRun, measuredUsage } from "../../cost/monthly-usage.js";
import { DEFAULT_PRICES } from "../../cost/price-table.js";
import { type RunCost, runCost } from "../../cost/run-cost.js";
import { inventoryFromTemplate, type StackInventory, type TemplateLike } from "../../cost/stack-inventory.js";

/** What the run measured besides the functions' billed durations. */
export type MeasuredRequests = Pick<
  MeasuredRun,
  "dynamoReadUnits" | "dynamoWriteUnits" | "sqsMessageRequests" | "logBytes" | "decisionEvents"
>;

/** What one window of the run (the scenario, or the quiet tail) measured. */
export interface MeasuredWindow {
  /** Virtual length of the window, ms. */
  elapsedMs: number;
  /** Per function name: its invocations and billed GB-seconds in the window. */
  metrics: Record<string, { invocations: number; gbSeconds: number }>;
  /** Instances launched in the window. */
  launched: number;
  /** Requests the window measured. @default none: priced from the run's nodes and launches per hour */
  requests?: MeasuredRequests;
}

/** What the deployed run measured, for its bill. */
export interface DeployedCostInputs {
  template: TemplateLike;
  /** Function name → logical id. */
  logicalIds: Record<string, string>;
  scenario: MeasuredWindow;
  /** The quiet tail. @default none: the month is the scenario back to back */
  quiet?: MeasuredWindow;
  /** Bursts (the scenario) a day. @default 1 */
  burstsPerDay?: number;
  liveNodes: number;
  pods: number;
  pools: number;
}

/** The report's bill: the month's summary and lines, the run's own cost, the other months and their basis. */
export type DeployedControllerCost = BillSummary &
  RunCost & {
    lines: BillLine[];
    /** The scenario repeated back to back all month (USD). */
    backToBackMonthlyUsd: number;
    /** The quiet tail's rate for a whole month (USD); undefined without a tail. */
    quietMonthlyUsd?: number;
    burstsPerDay: number;
    /** Virtual minutes of the quiet tail the month's quiet part is measured over. */
    quietMinutes: number;
    basis: string;
  };

const minutesOf = (w: MeasuredWindow) => Math.max(1, w.elapsedMs / 60_000);

/** A window as a measured run, by logical id. */
function measuredRun(w: MeasuredWindow, logicalIds: Record<string, string>): MeasuredRun {
  const functions: MeasuredRun["functions"] = {};
  for (const [name, m] of Object.entries(w.metrics)) {
    const logicalId = logicalIds[name];
    if (logicalId) functions[logicalId] = { invocations: m.invocations, gbSeconds: m.gbSeconds };
  }
  return { periodMinutes: minutesOf(w), functions, ...w.requests };
}

function assumptions(i: DeployedCostInputs, launchesPerHour: number): ClusterAssumptions {
  return { nodes: i.liveNodes, pods: i.pods, churnPerHour: launchesPerHour, pools: i.pools };
}

function billOf(inv: StackInventory, run: MeasuredRun, a: ClusterAssumptions) {
  return computeBill(inv, measuredUsage(inv, run, a), DEFAULT_PRICES);
}

/** The report's bill of a deployed run. */
export function deployedControllerCost(i: DeployedCostInputs): DeployedControllerCost {
  const inventory = inventoryFromTemplate(i.template);
  const burstsPerDay = i.burstsPerDay ?? DEFAULT_BURSTS_PER_DAY;
  const scenarioRun = measuredRun(i.scenario, i.logicalIds);
  const scenarioMinutes = scenarioRun.periodMinutes;
  const backToBack = billOf(inventory, scenarioRun, assumptions(i, i.scenario.launched / (scenarioMinutes / 60)));
  const quietRun = i.quiet ? measuredRun(i.quiet, i.logicalIds) : undefined;
  const quietMinutes = i.quiet ? i.quiet.elapsedMs / 60_000 : 0;
  const quietBill =
    i.quiet && quietRun
      ? billOf(inventory, quietRun, assumptions(i, i.quiet.launched / (quietRun.periodMinutes / 60)))
      : undefined;
  const factors = patternFactors(scenarioMinutes, quietRun?.periodMinutes ?? 0, burstsPerDay);
  const month =
    quietRun && i.quiet && !factors.backToBack
      ? billOf(
          inventory,
          {
            ...dailyPatternRun(scenarioRun, quietRun, burstsPerDay),
            metricSeriesMonths: burstPatternMetricMonths({
              observability: inventory.observability,
              burst: assumptions(i, i.scenario.launched / hoursPerBurst(scenarioMinutes)),
              quiet: assumptions(i, i.quiet.launched / (quietRun.periodMinutes / 60)),
              burstMinutes: scenarioMinutes,
              burstsPerDay,
            }),
          },
          assumptions(i, (i.scenario.launched * factors.scenario + i.quiet.launched * factors.quiet) / HOURS_PER_MONTH),
        )
      : backToBack;
  return {
    ...billSummary(month),
    ...runCost(backToBack, scenarioMinutes),
    lines: month.lines.map((l) => ({
      ...l,
      quantity: Math.round(l.quantity * 1000) / 1000,
      usd: Math.round(l.usd * 10_000) / 10_000,
    })),
    backToBackMonthlyUsd: cents(backToBack.monthlyUsd),
    ...(quietBill ? { quietMonthlyUsd: cents(quietBill.monthlyUsd) } : {}),
    burstsPerDay,
    quietMinutes: Math.round(quietMinutes * 100) / 100,
    basis: basisText(i, scenarioMinutes, quietMinutes, burstsPerDay, factors.backToBack),
  };
}

function basisText(
  i: DeployedCostInputs,
  scenarioMinutes: number,
  quietMinutes: number,
  burstsPerDay: number,
  backToBack: boolean,
): string {
  const s = Math.round(scenarioMinutes);
  const q = Math.round(quietMinutes * 10) / 10;
  const month = backToBack
    ? `the month (730 h) is the ${s}-minute scenario repeated back to back${i.quiet ? ` (${burstsPerDay} bursts a day fill the month)` : " (no quiet tail measured)"}`
    : `the month (730 h) is the ${s}-minute scenario ${burstsPerDay} time(s) a day plus, for the rest of the month, the rate measured over a ${q}-minute quiet tail after it (the cluster at the scenario's end state, the controllers idling)`;
  const measured = i.scenario.requests
    ? "DynamoDB request units, SQS message requests, decision events and log bytes measured in both windows; "
    : "";
  return (
    `${month}. Lambda: billed durations measured by the runtime model (functions that did not run: from their design); ` +
    `${measured}SQS idle polls from the stack's queue pollers; the rest from the run's nodes and launches per hour. ` +
    "backToBackMonthlyUsd: the scenario repeated all month; quietMonthlyUsd: the tail's rate all month; " +
    "scenarioUsd: the scenario's measured lines at its own quantities"
  );
}
