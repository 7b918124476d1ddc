/**
 * The controllers' telemetry during a twin run: everything goes to the world's telemetry, and the run also keeps
 * its warnings and errors (for the report) and each decision latency with the virtual time it was measured at (for
 * the report's latency chart).
 */
import { METRIC, type Telemetry } from "../../controllers/telemetry.js";

/** A decision latency and the virtual time (ms since the run started) it was measured at. */
export interface TimedLatency {
  t: number;
  ms: number;
}

/** Telemetry that also remembers when each decision latency was measured (for the report's chart). */
export function timedTelemetry(
  inner: Telemetry,
  now: () => number,
  latencies: TimedLatency[],
  logs: string[],
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
        inner.metrics.add(name, value, unit, dimensions);
      },
      flush: () => inner.metrics.flush(),
    },
  };
}
