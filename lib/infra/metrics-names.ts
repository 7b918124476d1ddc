/**
 * The CloudWatch metrics contract between the controllers (which publish them through `Telemetry`, as Powertools EMF
 * metrics) and the stack's dashboard and alarms (which read them). Names shared with the controllers' `METRIC`
 * (`lib/controllers/telemetry.ts`) have the same values; the test suite checks that they stay equal.
 *
 * A metric's identity in CloudWatch is namespace + name + the exact set of dimensions. Every data point carries
 * {@link DIMENSIONS}.service (Powertools adds it from its `serviceName`, which the stack sets on every function through
 * `POWERTOOLS_SERVICE_NAME` = {@link METRICS_SERVICE_NAME}) and {@link DIMENSIONS}.cluster (a default dimension the
 * Lambda wiring adds). A metric with a breakdown adds that one dimension; where `total` is true the controllers also
 * publish it without the breakdown, which is what alarms read (alarms cannot use SEARCH).
 *
 * Pure: no CDK, no SDK, so the controllers can import it without pulling the CDK into a Lambda bundle.
 */

/** CloudWatch namespace (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = "Stevedore";
/** Powertools `serviceName` of every Stevedore function (the `service` dimension; env `POWERTOOLS_SERVICE_NAME`). */
export const METRICS_SERVICE_NAME = "stevedore";

/** Dimension names. */
export const DIMENSIONS = {
  /** Added by Powertools. */
  service: "service",
  /** Default dimension: the EKS cluster name. */
  cluster: "cluster",
  /** `spot` | `on-demand`. */
  capacityType: "capacityType",
  /** The pool (NodePool/Provisioner) name. */
  pool: "pool",
  /** Why a node was terminated: `Unregistered`, `Empty`, `Expired`, `Drifted`, `Consolidated`, `Interrupted`, … */
  reason: "reason",
  /** The launch error's class name (`InsufficientCapacityError`, `UnauthorizedError`, …). */
  errorClass: "errorClass",
  /** Interruption kind of the parser (`spot-interruption`, `scheduled-change`, …). */
  kind: "kind",
  /** Disruption method (`delete`, `replace`). */
  method: "method",
} as const;

/** Units as CloudWatch (and Powertools' `MetricUnit`) spell them. */
export type MetricUnitName = "Count" | "Seconds" | "Milliseconds" | "None";

/** The observability modes (stack setting `observability`, env `STEVEDORE_OBSERVABILITY`; see `observability.ts`). */
export const OBSERVABILITY_MODES = ["full", "lean"] as const;
export type ObservabilityMode = (typeof OBSERVABILITY_MODES)[number];

/**
 * When a metric receives data, which decides what CloudWatch bills for it (each series, each hour it receives a
 * point): `gauge` = every provisioner pass, all month (full observability only); `pending` = each provisioning
 * batch, so only while pods are pending; `event` = when a node is launched, terminated, disrupted or interrupted;
 * `failure` = only when something went wrong — a failure, or pods nothing can take (zero is never published).
 */
export type MetricEmission = "gauge" | "pending" | "event" | "failure";

/** One published metric. */
export interface MetricSpec {
  name: string;
  unit: MetricUnitName;
  /** The breakdown dimension, if the metric is published per value of one. */
  breakdown?: (typeof DIMENSIONS)[keyof typeof DIMENSIONS];
  /** Published under the base dimensions alone (without a breakdown). */
  total: boolean;
  /** Who publishes it and what one data point means. */
  description: string;
  /** When it receives data. */
  emission: MetricEmission;
  /** Published in lean observability too (alarms read it, or it counts failures). */
  lean: boolean;
  /** When it receives data in lean observability, if not as in full. @default `emission` */
  leanEmission?: MetricEmission;
}

/** Every metric the dashboard and alarms read. */
export const METRICS = {
  pendingPods: {
    name: "PendingPods",
    unit: "Count",
    total: true,
    description: "provisioner, each batch: provisionable pods in the batch",
    emission: "pending",
    lean: false,
  },
  podsUnschedulable: {
    name: "PodsUnschedulable",
    unit: "Count",
    total: true,
    description: "provisioner, each batch that has any: pods no allowed instance type can take",
    emission: "failure",
    lean: false,
  },
  oldestPendingPodAge: {
    name: "OldestPendingPodAgeSeconds",
    unit: "Seconds",
    total: true,
    description:
      "provisioner, each batch: age of the oldest provisionable pod (alarm: pods pending too long); lean: only from 150 s on, half the alarm's threshold",
    emission: "pending",
    lean: true,
    // Lean publishes it only once a pod has waited half the alarm's threshold: never in a healthy hour.
    leanEmission: "failure",
  },
  decisionLatency: {
    name: "DecisionLatency",
    unit: "Milliseconds",
    total: true,
    description:
      "provisioner, per pod: from turning pending to the CreateFleet call (or the record on an in-flight claim)",
    emission: "pending",
    lean: true,
  },
  nodes: {
    name: "Nodes",
    unit: "Count",
    breakdown: DIMENSIONS.capacityType,
    total: false,
    description: "provisioner, each loop: live nodes Stevedore launched, per capacity type (gauge)",
    emission: "gauge",
    lean: false,
  },
  nodesLaunched: {
    name: "NodesLaunched",
    unit: "Count",
    breakdown: DIMENSIONS.pool,
    total: false,
    description: "provisioner and replacements: instances launched, per pool",
    emission: "event",
    lean: false,
  },
  launchFailures: {
    name: "LaunchFailures",
    unit: "Count",
    breakdown: DIMENSIONS.errorClass,
    total: true,
    description: "launches that failed, per error class, and in total (alarm)",
    emission: "failure",
    lean: true,
  },
  fleetCostPerHour: {
    name: "FleetCostPerHour",
    unit: "None",
    total: true,
    description: "provisioner: summed $/hour of every live node claim (gauge)",
    emission: "gauge",
    lean: false,
  },
  poolCostPerHour: {
    name: "PoolCostPerHour",
    unit: "None",
    breakdown: DIMENSIONS.pool,
    total: false,
    description: "provisioner, each pass: summed $/hour of the live node claims of each pool (gauge)",
    emission: "gauge",
    lean: false,
  },
  planOptimalityGap: {
    name: "PlanOptimalityGap",
    unit: "None",
    total: true,
    description: "provisioner, each solve with a known LP bound: plan cost / lower bound − 1 (0.05 = 5% above)",
    emission: "pending",
    lean: false,
  },
  decisionEventsFailed: {
    name: "DecisionEventsFailed",
    unit: "Count",
    total: true,
    description: "every controller, each invocation: decision events EventBridge did not take",
    emission: "failure",
    lean: true,
  },
  kubeEventsNotWritten: {
    name: "KubeEventsNotWritten",
    unit: "Count",
    total: true,
    description: "every controller, each invocation: Kubernetes events that failed or were over the per-invocation cap",
    emission: "failure",
    lean: true,
  },
  interruptionsHandled: {
    name: "InterruptionsHandled",
    unit: "Count",
    breakdown: DIMENSIONS.kind,
    total: false,
    description: "interruption: events acted on, per kind",
    emission: "event",
    lean: false,
  },
  nodesTerminated: {
    name: "NodesTerminated",
    unit: "Count",
    breakdown: DIMENSIONS.reason,
    total: false,
    description: "termination (disruption, interruption, gc, registration timeout): nodes terminated, per reason",
    emission: "event",
    lean: false,
  },
  disruptions: {
    name: "Disruptions",
    unit: "Count",
    breakdown: DIMENSIONS.method,
    total: false,
    description: "disruptor: disruption commands started, per method",
    emission: "event",
    lean: false,
  },
} as const satisfies Record<string, MetricSpec>;

/**
 * Metrics the controllers publish that the dashboard and alarms do not read (the cost model counts them too; the
 * test suite checks that every published name is here or in {@link METRICS}).
 */
export const UNCHARTED_METRICS = {
  podsPlaced: {
    name: "PodsPlaced",
    unit: "Count",
    total: true,
    description: "provisioner, each batch: pods a solve placed on new or existing capacity",
    emission: "pending",
    lean: false,
  },
  interruptionHandlingTime: {
    name: "InterruptionHandlingTime",
    unit: "Seconds",
    total: true,
    description: "interruption: from an interruption event's time to its node being drained",
    emission: "event",
    lean: false,
  },
} as const satisfies Record<string, MetricSpec>;

/** Every metric the controllers publish. */
export const PUBLISHED_METRICS: Record<string, MetricSpec> = { ...METRICS, ...UNCHARTED_METRICS };

/** Capacity types the dashboard draws a line for. */
export const CAPACITY_TYPES = ["spot", "on-demand"] as const;
