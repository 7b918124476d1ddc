/**
 * Metrics that cost what they are worth. CloudWatch bills a custom metric series for every hour in which it
 * receives a data point, so a counter published as 0 on every invocation costs as much as one that counts something.
 * {@link observedTelemetry} sits between the controllers and the metrics sink and drops:
 * - every zero `Count` data point that is not a gauge (failure counters, pending pods and unschedulable pods of an
 *   empty batch): a missing point reads as "nothing happened", and the alarms treat missing data as not breaching;
 * - the gauges ({@link GAUGE_METRICS}) unless observability is full;
 * - in lean observability, everything but {@link LEAN_METRICS}, and the oldest pending pod's age under
 *   {@link LEAN_PENDING_AGE_FLOOR_SECONDS} (its alarm cannot breach on those).
 */
import {
  GAUGE_METRICS,
  LEAN_METRICS,
  LEAN_PENDING_AGE_FLOOR_SECONDS,
  METRIC,
  type MetricUnit,
  type Telemetry,
} from "./telemetry.js";

/** Observability of the stack (env `STEVEDORE_OBSERVABILITY`): `full` publishes every metric, `lean` the few alarms read. */
export type MetricsMode = "full" | "lean";

/** Whether a data point is published to CloudWatch in `mode`. */
export function isPublished(mode: MetricsMode, name: string, value: number, unit: MetricUnit = "Count"): boolean {
  if (GAUGE_METRICS.has(name)) return mode === "full";
  if (mode === "lean" && !LEAN_METRICS.has(name)) return false;
  if (mode === "lean" && name === METRIC.oldestPendingPodAge && value < LEAN_PENDING_AGE_FLOOR_SECONDS) return false;
  return !(unit === "Count" && value === 0);
}

/** The identity of a metric series: its name and its own dimensions (the common ones aside), sorted. */
export function seriesKey(name: string, dimensions: Record<string, string> = {}): string {
  const dims = Object.entries(dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return dims.length === 0 ? name : `${name}{${dims.join(",")}}`;
}

/** `inner` publishing only what {@link isPublished} lets through. */
export function observedTelemetry(inner: Telemetry, mode: MetricsMode): Telemetry {
  return {
    logger: inner.logger,
    metrics: {
      add: (name, value, unit, dimensions) => {
        if (isPublished(mode, name, value, unit)) inner.metrics.add(name, value, unit, dimensions);
      },
      flush: () => inner.metrics.flush(),
    },
  };
}
