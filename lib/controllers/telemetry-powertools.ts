/**
 * {@link Telemetry} over AWS Lambda Powertools: JSON logs (Logger) and CloudWatch EMF metrics (Metrics). Data points
 * without dimensions are buffered and published by `flush()`; dimensioned points go out as single metrics so their
 * dimensions do not leak onto other points.
 */
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import type { LogAttributes } from "../core/logger.js";
import type { MetricUnit, Telemetry } from "./telemetry.js";

/** Options of {@link powertoolsTelemetry}. */
export interface PowertoolsTelemetryOptions {
  /** Powertools `serviceName` (e.g. `stevedore-provisioner`). */
  serviceName: string;
  /** CloudWatch namespace. @default "Stevedore" */
  namespace?: string;
  /** Dimensions on every metric (e.g. `{cluster: "prod"}`). @default {} */
  defaultDimensions?: Record<string, string>;
}

/** Telemetry for a Lambda function. */
export function powertoolsTelemetry(opts: PowertoolsTelemetryOptions): Telemetry {
  const logger = new PowertoolsLogger({ serviceName: opts.serviceName });
  const metrics = new PowertoolsMetrics({
    serviceName: opts.serviceName,
    namespace: opts.namespace ?? "Stevedore",
    defaultDimensions: opts.defaultDimensions ?? {},
  });
  const log = (level: "debug" | "info" | "warn" | "error") => (message: string, attrs?: LogAttributes) =>
    attrs ? logger[level](message, attrs) : logger[level](message);
  return {
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    metrics: {
      add(name: string, value: number, unit: MetricUnit = "Count", dimensions?: Record<string, string>) {
        if (dimensions && Object.keys(dimensions).length > 0) {
          const single = metrics.singleMetric();
          single.addDimensions(dimensions);
          single.addMetric(name, unit, value);
          return;
        }
        metrics.addMetric(name, unit, value);
      },
      flush() {
        // Nothing stored: no EMF document and no "no metrics" warning line (log bytes are billed).
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      },
    },
  };
}
