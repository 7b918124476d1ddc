/**
 * What controllers report: structured logs and metrics. Lambdas inject the Powertools-backed implementation
 * (`telemetry-powertools.ts`: JSON logs, EMF metrics); tests and the twin use {@link MemoryTelemetry} or
 * {@link silentTelemetry}.
 */
import type { LogAttributes, Logger } from "../core/logger.js";

/** Units metrics are reported in. */
export type MetricUnit = "Count" | "Seconds" | "Milliseconds" | "None";

/** A metrics sink. Dimensions are per data point. */
export interface Metrics {
  add(name: string, value: number, unit?: MetricUnit, dimensions?: Record<string, string>): void;
  /** Publishes buffered metrics (end of an invocation). */
  flush(): void;
}

/** Logger + metrics, injected into every controller. */
export interface Telemetry {
  logger: Logger;
  metrics: Metrics;
}

/**
 * Metric names (CloudWatch namespace `Stevedore`); the dashboard and alarms read them (`lib/infra/metrics-names.ts`,
 * checked equal by the test suite).
 */
export const METRIC = {
  /** Provisionable pods seen in a batch. */
  pendingPods: "PendingPods",
  /** Age of the oldest provisionable pod of a batch (s). */
  oldestPendingPodAge: "OldestPendingPodAgeSeconds",
  /** Live nodes Stevedore launched; dimension `capacityType` (gauge). */
  nodes: "Nodes",
  /** Interruption events acted on; dimension `kind`. */
  interruptionsHandled: "InterruptionsHandled",
  /** Pods placed on new or existing capacity by a solve. */
  podsPlaced: "PodsPlaced",
  /** Pods the packer could not place. */
  podsUnschedulable: "PodsUnschedulable",
  /** Instances launched; dimension `pool`. */
  nodesLaunched: "NodesLaunched",
  /** Nodes terminated; dimension `reason`. */
  nodesTerminated: "NodesTerminated",
  /** Launch failures; dimension `errorClass`, and a total without it. */
  launchFailures: "LaunchFailures",
  /** $/hour of every live claim. */
  fleetCostPerHour: "FleetCostPerHour",
  /** $/hour of the live claims of one pool; dimension `pool`. */
  poolCostPerHour: "PoolCostPerHour",
  /** A solve's cost over its LP lower bound, minus one (0.05 = 5% above the bound). */
  planOptimalityGap: "PlanOptimalityGap",
  /** Decision events the event bus did not take (failed calls or rejected entries). */
  decisionEventsFailed: "DecisionEventsFailed",
  /** Kubernetes event writes that failed, plus events dropped by the per-invocation cap. */
  kubeEventsNotWritten: "KubeEventsNotWritten",
  /** Per pod: from the pod turning pending to the CreateFleet call for it, or to its record on an in-flight claim (ms). */
  decisionLatency: "DecisionLatency",
  /** From an interruption event's time to its node being drained (s). */
  interruptionHandlingTime: "InterruptionHandlingTime",
  /** Disruption commands started; dimension `method`. */
  disruptions: "Disruptions",
} as const;

/**
 * Gauges: published on every provisioner pass whether or not anything changed, so each is a metric series
 * CloudWatch bills every hour of the month. Only full observability publishes them (`telemetry-observed.ts`).
 */
export const GAUGE_METRICS: ReadonlySet<string> = new Set([
  METRIC.nodes,
  METRIC.fleetCostPerHour,
  METRIC.poolCostPerHour,
]);

/**
 * In lean observability, the oldest pending pod's age is published only from this age on: its one reader there, the
 * pods-pending-too-long alarm (maximum over a minute above 300 s, missing data not breaching), sees every value that
 * could breach it and evaluates exactly as before, while an hour in which every pod was placed sooner publishes
 * nothing — and CloudWatch bills a series only for the hours it receives data. Half the alarm's threshold.
 */
export const LEAN_PENDING_AGE_FLOOR_SECONDS = 150;

/**
 * What lean observability publishes: the pending-pod age its alarm reads, the decision latency (how an operator sees
 * reaction time; published only by passes that launched, so one series in the hours with launches), and the failure
 * counters (which publish only when something failed, so they cost nothing while all is well).
 */
export const LEAN_METRICS: ReadonlySet<string> = new Set([
  METRIC.oldestPendingPodAge,
  METRIC.decisionLatency,
  METRIC.launchFailures,
  METRIC.decisionEventsFailed,
  METRIC.kubeEventsNotWritten,
]);

const noop = () => {};

/** Drops everything. */
export const silentTelemetry: Telemetry = {
  logger: { debug: noop, info: noop, warn: noop, error: noop },
  metrics: { add: noop, flush: noop },
};

/** A recorded log line. */
export interface LogRecord {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  attrs: LogAttributes;
}

/** A recorded data point. */
export interface MetricRecord {
  name: string;
  value: number;
  unit: MetricUnit;
  dimensions: Record<string, string>;
}

/** Keeps everything in memory (tests, the twin's report). */
export class MemoryTelemetry implements Telemetry {
  readonly logs: LogRecord[] = [];
  readonly points: MetricRecord[] = [];
  flushes = 0;

  readonly logger: Logger = {
    debug: (message, attrs = {}) => this.logs.push({ level: "debug", message, attrs }),
    info: (message, attrs = {}) => this.logs.push({ level: "info", message, attrs }),
    warn: (message, attrs = {}) => this.logs.push({ level: "warn", message, attrs }),
    error: (message, attrs = {}) => this.logs.push({ level: "error", message, attrs }),
  };

  readonly metrics: Metrics = {
    add: (name, value, unit = "Count", dimensions = {}) => this.points.push({ name, value, unit, dimensions }),
    flush: () => {
      this.flushes++;
    },
  };

  /** Sum of a metric's values, optionally only points with these dimensions. */
  sum(name: string, dimensions: Record<string, string> = {}): number {
    return this.points
      .filter((p) => p.name === name && Object.entries(dimensions).every(([k, v]) => p.dimensions[k] === v))
      .reduce((s, p) => s + p.value, 0);
  }

  /** Values of a metric in order. */
  values(name: string): number[] {
    return this.points.filter((p) => p.name === name).map((p) => p.value);
  }

  /** Log messages at a level (or all). */
  messages(level?: LogRecord["level"]): string[] {
    return this.logs.filter((l) => !level || l.level === level).map((l) => l.message);
  }
}
