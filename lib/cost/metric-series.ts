/**
 * CloudWatch custom metrics as the bill counts them: each series (metric name + dimension set) costs its monthly
 * price prorated by the hours in which it receives data. Gauges (full observability only) receive data every hour;
 * pending-pod and event series only in the hours something happens, which the assumptions' churn gives; failure
 * counters publish nothing while nothing fails (nor does lean's pending-pod age, published only once a pod has
 * waited half its alarm's threshold: a metric's `leanEmission`). A run that recorded the distinct hours each series received data
 * gives a measured share instead, once it is long enough to say anything about hours.
 */
import { type MetricSpec, type ObservabilityMode, PUBLISHED_METRICS } from "../infra/metrics-names.js";
import { type Basis, type ClusterAssumptions, shareOfHoursWith } from "./assumptions.js";

/** Metric-months of the month (series × share of hours with data), and where they come from. */
export interface MetricSeriesMonths {
  value: number;
  basis: Basis;
  note: string;
}

/** Runs shorter than this say too little about hours: their series are priced from the assumptions. */
export const MIN_MEASURED_HOURS = 3;
/** Capacity types of the `Nodes` gauge. */
const CAPACITY_TYPES = 2;
/** Termination reasons the churn spreads over (`Empty`, `Consolidated`). */
const TERMINATION_REASONS = 2;

/** The publishing rate (per hour) of each series of an event metric. */
function eventRates(spec: MetricSpec, a: ClusterAssumptions): number[] {
  const churn = a.churnPerHour;
  switch (spec.name) {
    case PUBLISHED_METRICS.nodesLaunched.name:
      return Array.from({ length: Math.max(1, a.pools) }, () => churn / Math.max(1, a.pools));
    case PUBLISHED_METRICS.nodesTerminated.name:
      return Array.from({ length: TERMINATION_REASONS }, () => churn / TERMINATION_REASONS);
    case PUBLISHED_METRICS.interruptionsHandled.name:
    case PUBLISHED_METRICS.interruptionHandlingTime.name:
      return []; // no interruptions assumed
    default:
      return [churn]; // one series, as often as nodes churn (disruptions: one method, delete)
  }
}

/** Series-months of one metric under the assumptions, in `mode`. */
function metricMonths(spec: MetricSpec, a: ClusterAssumptions, mode: ObservabilityMode): number {
  const emission = mode === "lean" ? (spec.leanEmission ?? spec.emission) : spec.emission;
  switch (emission) {
    case "gauge": {
      const breakdown = spec.breakdown === "pool" ? a.pools : spec.breakdown ? CAPACITY_TYPES : 0;
      return (spec.total ? 1 : 0) + breakdown;
    }
    case "pending":
      // Pods wait before each launch: batches in the hours with launches.
      return (spec.total ? 1 : 0) * shareOfHoursWith(a.churnPerHour);
    case "event":
      return eventRates(spec, a).reduce((sum, rate) => sum + shareOfHoursWith(rate), 0);
    case "failure":
      return 0;
  }
}

/** The metrics published in `mode`. */
export function publishedMetrics(mode: ObservabilityMode): MetricSpec[] {
  return Object.values(PUBLISHED_METRICS).filter((s) => (mode === "lean" ? s.lean : true));
}

/** Metric-months of a month under the assumptions. */
export function assumedMetricMonths(mode: ObservabilityMode, a: ClusterAssumptions): MetricSeriesMonths {
  const value = publishedMetrics(mode).reduce((sum, spec) => sum + metricMonths(spec, a, mode), 0);
  const gauges =
    mode === "full"
      ? "gauges every hour; "
      : "no gauges, the pending-pod age only once a pod has waited half its alarm's threshold (lean); ";
  return {
    value,
    basis: "assumed",
    note: `${gauges}pending-pod and event series in the hours with launches or terminations; no failures`,
  };
}

/**
 * Metric-months extrapolated from a run: each series' distinct hours with data over the run's hours. Undefined
 * when the run is shorter than {@link MIN_MEASURED_HOURS}.
 */
export function measuredMetricMonths(
  hoursBySeries: Record<string, number>,
  periodMinutes: number,
): MetricSeriesMonths | undefined {
  const runHours = Math.ceil(periodMinutes / 60);
  if (runHours < MIN_MEASURED_HOURS) return undefined;
  const value = Object.values(hoursBySeries).reduce((sum, hours) => sum + Math.min(1, hours / runHours), 0);
  return {
    value,
    basis: "measured",
    note: `${Object.keys(hoursBySeries).length} series, each by its share of the run's ${runHours} hours with data`,
  };
}
