/**
 * The per-cluster CloudWatch dashboard: what Stevedore is waiting for (pending pods, their age), how fast it decides,
 * what it runs (nodes by capacity type, fleet $/hour), what it launched and why launches failed, interruptions and
 * terminations, the interruption queue, and the Lambdas' own health (errors, durations against their timeouts,
 * throttles). Metric names come from `metrics-names.ts`.
 */
import { Duration, Stack } from "aws-cdk-lib";
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  SingleValueWidget,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { CAPACITY_TYPES, METRICS } from "./metrics-names.js";
import { StevedoreMetrics } from "./stevedore-metrics.js";

/** Props of {@link StevedoreDashboard}. */
export interface StevedoreDashboardProps {
  clusterName: string;
  functions: Record<string, NodejsFunction>;
  /** The interruption queue (reaction seconds). @default none: the rules invoke the function directly */
  queue?: IQueue;
  deadLetterQueue: IQueue;
  alarms: Alarm[];
}

/** The dashboard name of a cluster (unique per account and region). */
export function dashboardName(clusterName: string, region: string): string {
  return `Stevedore-${clusterName}-${region}`;
}

const MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/** One dashboard row. */
type Row = IWidget[];

/** The title and what the rows below show. */
function headerRow(clusterName: string): Row {
  return [
    new TextWidget({
      markdown:
        `# Stevedore — ${clusterName}\n` +
        "Pending pods and decision latency show how fast capacity arrives; nodes, launches and $/hour what it " +
        "costs; interruptions, terminations and the queue what was taken away; the last row the Lambdas' health.",
      width: 24,
      height: 2,
    }),
  ];
}

/** Current pending pods, nodes and cost, and the alarms. */
function nowRow(m: StevedoreMetrics, alarms: Alarm[]): Row {
  return [
    new SingleValueWidget({
      title: "Now",
      metrics: [
        m.search(METRICS.pendingPods, { statistic: "Maximum", period: MINUTE, label: "Pending pods" }),
        ...CAPACITY_TYPES.map((ct) =>
          m.search(METRICS.nodes, { statistic: "Maximum", period: MINUTE, only: ct, label: `Nodes (${ct})` }),
        ),
        m.search(METRICS.fleetCostPerHour, { statistic: "Maximum", period: MINUTE, label: "Fleet $/hour" }),
      ],
      width: 16,
      height: 4,
    }),
    new AlarmStatusWidget({ title: "Alarms", alarms, width: 8, height: 4 }),
  ];
}

/** What Stevedore is waiting for and how fast it decides. */
function pendingRow(m: StevedoreMetrics): Row {
  return [
    new GraphWidget({
      title: "Pending pods",
      left: [
        m.search(METRICS.pendingPods, { statistic: "Maximum", period: MINUTE, label: "pending pods" }),
        m.search(METRICS.podsUnschedulable, { statistic: "Maximum", period: MINUTE, label: "unschedulable" }),
      ],
      right: [
        m.search(METRICS.oldestPendingPodAge, { statistic: "Maximum", period: MINUTE, label: "oldest pending (s)" }),
      ],
      width: 12,
    }),
    new GraphWidget({
      title: "Decision latency (pod seen pending → launch requested)",
      left: ["p50", "p90", "p99", "Maximum"].map((statistic) =>
        m.search(METRICS.decisionLatency, { statistic, period: FIVE_MINUTES, label: statistic }),
      ),
      leftYAxis: { label: "ms", showUnits: false },
      width: 12,
    }),
  ];
}

/** What Stevedore runs and what it costs. */
function fleetRow(m: StevedoreMetrics): Row {
  return [
    new GraphWidget({
      title: "Nodes by capacity type",
      left: [m.search(METRICS.nodes, { statistic: "Maximum", period: MINUTE, breakdown: true })],
      stacked: true,
      width: 12,
    }),
    new GraphWidget({
      title: "Cost ($/hour): fleet and per pool; plan gap to the LP bound",
      left: [
        m.search(METRICS.fleetCostPerHour, { statistic: "Maximum", period: MINUTE, label: "fleet $/hour" }),
        m.search(METRICS.poolCostPerHour, { statistic: "Maximum", period: MINUTE, breakdown: true }),
      ],
      right: [m.search(METRICS.planOptimalityGap, { statistic: "Maximum", period: FIVE_MINUTES, label: "plan gap" })],
      width: 12,
    }),
  ];
}

/** What Stevedore launched and why launches failed. */
function launchRow(m: StevedoreMetrics): Row {
  return [
    new GraphWidget({
      title: "Launches by pool",
      left: [m.search(METRICS.nodesLaunched, { statistic: "Sum", period: FIVE_MINUTES, breakdown: true })],
      right: [m.search(METRICS.launchFailures, { statistic: "Sum", period: FIVE_MINUTES, label: "launch failures" })],
      width: 12,
    }),
    new GraphWidget({
      title: "Launch failures by reason",
      left: [m.search(METRICS.launchFailures, { statistic: "Sum", period: FIVE_MINUTES, breakdown: true })],
      width: 12,
    }),
  ];
}

/** What was taken away: interruptions, terminations, disruptions, and the interruption queue (or its dead letters). */
function takenAwayRow(m: StevedoreMetrics, queue: IQueue | undefined, deadLetterQueue: IQueue): Row {
  const deadLetters = deadLetterQueue.metricApproximateNumberOfMessagesVisible({
    statistic: "Maximum",
    period: MINUTE,
    label: "dead letters",
  });
  return [
    new GraphWidget({
      title: "Interruptions handled by kind",
      left: [m.search(METRICS.interruptionsHandled, { statistic: "Sum", period: FIVE_MINUTES, breakdown: true })],
      width: 6,
    }),
    new GraphWidget({
      title: "Nodes terminated by reason, disruptions by method",
      left: [m.search(METRICS.nodesTerminated, { statistic: "Sum", period: FIVE_MINUTES, breakdown: true })],
      right: [m.search(METRICS.disruptions, { statistic: "Sum", period: FIVE_MINUTES, breakdown: true })],
      width: 6,
    }),
    new GraphWidget({
      title: "Events not delivered (EventBridge, Kubernetes)",
      left: [
        m.search(METRICS.decisionEventsFailed, { statistic: "Sum", period: FIVE_MINUTES, label: "decision events" }),
        m.search(METRICS.kubeEventsNotWritten, { statistic: "Sum", period: FIVE_MINUTES, label: "Kubernetes events" }),
      ],
      width: 6,
    }),
    queue
      ? new GraphWidget({
          title: "Interruption queue",
          left: [
            queue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", period: MINUTE, label: "queued" }),
            deadLetters,
          ],
          right: [
            queue.metricApproximateAgeOfOldestMessage({ statistic: "Maximum", period: MINUTE, label: "oldest (s)" }),
          ],
          width: 6,
        })
      : new GraphWidget({ title: "Interruption events not handled", left: [deadLetters], width: 6 }),
  ];
}

/** The Lambdas' health: errors, durations, throttles. */
function lambdaRow(functions: Record<string, NodejsFunction>): Row {
  const fns = Object.entries(functions);
  const perFunction = (metric: (fn: NodejsFunction, label: string) => IMetric) =>
    fns.map(([label, fn]) => metric(fn, label));
  return [
    new GraphWidget({
      title: "Lambda errors",
      left: perFunction((fn, label) => fn.metricErrors({ statistic: "Sum", period: FIVE_MINUTES, label })),
      width: 8,
    }),
    new GraphWidget({
      title: "Lambda duration (max)",
      left: perFunction((fn, label) => fn.metricDuration({ statistic: "Maximum", period: FIVE_MINUTES, label })),
      width: 8,
    }),
    new GraphWidget({
      title: "Lambda throttles",
      left: perFunction((fn, label) => fn.metricThrottles({ statistic: "Sum", period: FIVE_MINUTES, label })),
      width: 8,
    }),
  ];
}

/** The dashboard and its console URL. */
export class StevedoreDashboard extends Construct {
  readonly dashboard: Dashboard;
  readonly url: string;

  constructor(scope: Construct, id: string, props: StevedoreDashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const name = dashboardName(props.clusterName, stack.region);
    const m = new StevedoreMetrics(props.clusterName);
    this.dashboard = new Dashboard(this, "Dashboard", { dashboardName: name, defaultInterval: Duration.hours(3) });
    const rows = [
      headerRow(props.clusterName),
      nowRow(m, props.alarms),
      pendingRow(m),
      fleetRow(m),
      launchRow(m),
      takenAwayRow(m, props.queue, props.deadLetterQueue),
      lambdaRow(props.functions),
    ];
    for (const row of rows) this.dashboard.addWidgets(...row);
    this.url =
      `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}` +
      `#dashboards:name=${name}`;
  }
}
