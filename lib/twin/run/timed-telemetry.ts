/**
 * The controllers' telemetry during a twin run: everything goes to the world's telemetry, and the run also keeps
 * its warnings and errors (for the report), each decision latency with the virtual time it was measured at (for
 * the report's latency chart), and the distinct virtual hours each metric series would have received data in
 * CloudWatch (for the controller's bill).
 */

import { METRIC, type Telemetry } from "../../controllers/telemetry.js";
import { isPublished, type MetricsMode, seriesKey } from "../../controllers/telemetry-observed.js";

/** A decision latency and the virtual time (ms since the run started) it was measured at. */
export interface TimedLatency {
  t: number;
  ms: number;
}

/** The metric series a run published, as CloudWatch would bill them. */
export interface SeriesHours {
  /** The stack's observability: what the Lambda wiring would let through. */
  mode: MetricsMode;
  /** Per series key: the virtual hours (since the run started) it received data in. */
  hours: Map<string, Set<number>>;
}

/** Per series: the number of distinct hours it received data in. */
export function seriesHourCounts(series: SeriesHours): Record<string, number> {
  return Object.fromEntries([...series.hours].map(([key, hours]) => [key, hours.size]));
}

/** Telemetry that also remembers when each decision latency was measured (for the report's chart). */
export function timedTelemetry(
  inner: Telemetry,
  now: () => number,
  latencies: TimedLatency[],
  logs: string[],
  series?: SeriesHours,
): Telemetry {
  const stamp =
    (level: "debug" | "info" | "warn" | "error") =>
    (message: string, attrs: Record<string, unknown> = {}) => {
      if (level !== "debug") logs.push(`${(now() / 60_000).toFixed(2)}m ${level}: ${message} ${JSON.stringify(attrs)}`);
      inner.logger[level](message, attrs);
    };
  return {
    logger: { debug: stamp("debug"), info: stamp("info"), warn: stamp("warn"), error: stamp("error") },
    metrics: {
      add: (name, value, unit, dimensions) => {
        if (name === METRIC.decisionLatency) latencies.push({ t: now(), ms: value });
        if (series && isPublished(series.mode, name, value, unit)) {
          const key = seriesKey(name, dimensions);
          const hours = series.hours.get(key) ?? new Set<number>();
          hours.add(Math.floor(now() / 3_600_000));
          series.hours.set(key, hours);
        }
        inner.metrics.add(name, value, unit, dimensions);
      },
      flush: () => inner.metrics.flush(),
    },
  };
}
