/**
 * What a measured run cost once, next to the month it extrapolates to: the bill's measured lines (Lambda requests
 * and duration, DynamoDB request units, SQS requests, decision events, logs — whatever the run measured) priced at
 * the run's own quantities instead of a month's. An operator prices "this burst N times a day" as N × 30 × this.
 * Lines priced from the template, the assumptions or the design (alarms, dashboards, metric series, storage, the
 * functions that did not run) are monthly charges that do not grow with bursts, and are left out.
 */
import { type BilledService, type ControllerBill, sumByService } from "./controller-bill.js";
import { MINUTES_PER_MONTH } from "./monthly-usage.js";

/** The run's own cost. */
export interface RunCost {
  /** USD the run's measured usage cost once. */
  scenarioUsd: number;
  /** The run's length the usage was measured over, minutes. */
  scenarioMinutes: number;
  /** `scenarioUsd` by service. */
  scenarioByService: Record<BilledService, number>;
}

/** The measured lines of `bill` (extrapolated from `periodMinutes` to a month) at the run's own quantities. */
export function runCost(bill: ControllerBill, periodMinutes: number): RunCost {
  const share = Math.max(1, periodMinutes) / MINUTES_PER_MONTH;
  const measured = bill.lines.filter((line) => line.basis === "measured");
  const byService = sumByService(measured.map((line) => ({ service: line.service, usd: line.usd * share })));
  const total = Object.values(byService).reduce((a, b) => a + b, 0);
  const micro = (usd: number) => Math.round(usd * 1e6) / 1e6;
  return {
    scenarioUsd: micro(total),
    scenarioMinutes: Math.round(periodMinutes),
    scenarioByService: Object.fromEntries(Object.entries(byService).map(([s, usd]) => [s, micro(usd)])) as Record<
      BilledService,
      number
    >,
  };
}
