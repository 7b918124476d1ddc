/**
 * Custom metric series under the daily pattern (`daily-pattern.ts`). A series that publishes when nodes launch or
 * terminate costs its price prorated by the hours it receives data. Averaging a day's burst over the month's hours
 * would spread its launches over every hour and bill each series all month; in the daily pattern the launches fall
 * in the clock hours the bursts touch, and the quiet hours see only the quiet tail's launches (usually none).
 * Gauges (full observability) publish every hour in both.
 */
import type { ObservabilityMode } from "../infra/metrics-names.js";
import { type ClusterAssumptions, HOURS_PER_MONTH } from "./assumptions.js";
import { DAYS_PER_MONTH } from "./daily-pattern.js";
import { assumedMetricMonths, type MetricSeriesMonths } from "./metric-series.js";

/** Clock hours one burst of `minutes` touches on average (a burst starting at a random minute). */
export function hoursPerBurst(minutes: number): number {
  return 1 + Math.max(0, minutes) / 60;
}

/** The two windows of the daily pattern, as the metric series see them. */
export interface BurstPattern {
  observability: ObservabilityMode;
  /** The cluster in a burst: `churnPerHour` is the burst's launches per clock hour it touches. */
  burst: ClusterAssumptions;
  /** The cluster between bursts: `churnPerHour` is the quiet tail's launches per hour. */
  quiet: ClusterAssumptions;
  /** Length of one burst, minutes. */
  burstMinutes: number;
  burstsPerDay: number;
}

/** The share of the month's hours the bursts touch (at most all of them). */
export function burstHourShare(burstMinutes: number, burstsPerDay: number): number {
  return Math.min(1, (burstsPerDay * DAYS_PER_MONTH * hoursPerBurst(burstMinutes)) / HOURS_PER_MONTH);
}

/** Metric-months of the daily pattern's month: the burst hours at the burst's rate, the rest at the tail's. */
export function burstPatternMetricMonths(p: BurstPattern): MetricSeriesMonths {
  const share = burstHourShare(p.burstMinutes, p.burstsPerDay);
  const inBursts = assumedMetricMonths(p.observability, p.burst);
  const between = assumedMetricMonths(p.observability, p.quiet);
  const hours = Math.round(share * HOURS_PER_MONTH);
  return {
    value: inBursts.value * share + between.value * (1 - share),
    basis: "assumed",
    note: `${inBursts.note}; the bursts' launches in the ${hours} of the month's ${HOURS_PER_MONTH} h they touch, the quiet tail's in the rest`,
  };
}
