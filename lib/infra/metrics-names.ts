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
}

/** Every metric the dashboard and alarms read. */
export const METRICS = {
  pendingPods: {
    name: "PendingPods",
    unit: "Count",
    total: true,
    description: "provisioner, each batch: provisionable pods in the batch",
  },
  podsUnschedulable: {
    name: "PodsUnschedulable",
    unit: "Count",
    total: true,
    description: "provisioner, each batch: pods no allowed instance type can take",
  },
  oldestPendingPodAge: {
    name: "OldestPendingPodAgeSeconds",
    unit: "Seconds",
    total: true,
    description: "provisioner, each batch: age of the oldest provisionable pod (alarm: pods pending too long)",
  },
  decisionLatency: {
    name: "DecisionLatency",
    unit: "Milliseconds",
    total: true,
    description: "provisioner: from the oldest pod of a batch turning pending to the CreateFleet call",
  },
  nodes: {
    name: "Nodes",
    unit: "Count",
    breakdown: DIMENSIONS.capacityType,
    total: false,
    description: "provisioner, each loop: live nodes Stevedore launched, per capacity type (gauge)",
  },
  nodesLaunched: {
    name: "NodesLaunched",
    unit: "Count",
    breakdown: DIMENSIONS.pool,
    total: false,
    description: "provisioner and replacements: instances launched, per pool",
  },
  launchFailures: {
    name: "LaunchFailures",
    unit: "Count",
    breakdown: DIMENSIONS.errorClass,
    total: true,
    description: "launches that failed, per error class, and in total (alarm)",
  },
  fleetCostPerHour: {
    name: "FleetCostPerHour",
    unit: "None",
    total: true,
    description: "provisioner: summed $/hour of every live node claim (gauge)",
  },
  poolCostPerHour: {
    name: "PoolCostPerHour",
    unit: "None",
    breakdown: DIMENSIONS.pool,
    total: false,
    description: "provisioner, each pass: summed $/hour of the live node claims of each pool (gauge)",
  },
  planOptimalityGap: {
    name: "PlanOptimalityGap",
    unit: "None",
    total: true,
    description: "provisioner, each solve with a known LP bound: plan cost / lower bound − 1 (0.05 = 5% above)",
  },
  decisionEventsFailed: {
    name: "DecisionEventsFailed",
    unit: "Count",
    total: true,
    description: "every controller, each invocation: decision events EventBridge did not take",
  },
  kubeEventsNotWritten: {
    name: "KubeEventsNotWritten",
    unit: "Count",
    total: true,
    description: "every controller, each invocation: Kubernetes events that failed or were over the per-invocation cap",
  },
  interruptionsHandled: {
    name: "InterruptionsHandled",
    unit: "Count",
    breakdown: DIMENSIONS.kind,
    total: false,
    description: "interruption: events acted on, per kind",
  },
  nodesTerminated: {
    name: "NodesTerminated",
    unit: "Count",
    breakdown: DIMENSIONS.reason,
    total: false,
    description: "termination (disruption, interruption, gc, registration timeout): nodes terminated, per reason",
  },
  disruptions: {
    name: "Disruptions",
    unit: "Count",
    breakdown: DIMENSIONS.method,
    total: false,
    description: "disruptor: disruption commands started, per method",
  },
} as const satisfies Record<string, MetricSpec>;

/** Capacity types the dashboard draws a line for. */
export const CAPACITY_TYPES = ["spot", "on-demand"] as const;
