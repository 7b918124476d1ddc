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
  queue: IQueue;
  deadLetterQueue: IQueue;
  alarms: Alarm[];
}

/** The dashboard name of a cluster (unique per account and region). */
export function dashboardName(clusterName: string, region: string): string {
  return `Stevedore-${clusterName}-${region}`;
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
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    const fns = Object.entries(props.functions);
    const perFunction = (metric: (fn: NodejsFunction, label: string) => IMetric) =>
      fns.map(([label, fn]) => metric(fn, label));

    this.dashboard = new Dashboard(this, "Dashboard", { dashboardName: name, defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# Stevedore — ${props.clusterName}\n` +
          "Pending pods and decision latency show how fast capacity arrives; nodes, launches and $/hour what it " +
          "costs; interruptions, terminations and the queue what was taken away; the last row the Lambdas' health.",
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: "Now",
        metrics: [
          m.search(METRICS.pendingPods, { statistic: "Maximum", period: minute, label: "Pending pods" }),
          ...CAPACITY_TYPES.map((ct) =>
            m.search(METRICS.nodes, { statistic: "Maximum", period: minute, only: ct, label: `Nodes (${ct})` }),
          ),
          m.search(METRICS.fleetCostPerHour, { statistic: "Maximum", period: minute, label: "Fleet $/hour" }),
        ],
        width: 16,
        height: 4,
      }),
      new AlarmStatusWidget({ title: "Alarms", alarms: props.alarms, width: 8, height: 4 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Pending pods",
        left: [
          m.search(METRICS.pendingPods, { statistic: "Maximum", period: minute, label: "pending pods" }),
          m.search(METRICS.podsUnschedulable, { statistic: "Maximum", period: minute, label: "unschedulable" }),
        ],
        right: [
          m.search(METRICS.oldestPendingPodAge, { statistic: "Maximum", period: minute, label: "oldest pending (s)" }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: "Decision latency (pod seen pending → launch requested)",
        left: ["p50", "p90", "p99", "Maximum"].map((statistic) =>
          m.search(METRICS.decisionLatency, { statistic, period: fiveMinutes, label: statistic }),
        ),
        leftYAxis: { label: "ms", showUnits: false },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Nodes by capacity type",
        left: [m.search(METRICS.nodes, { statistic: "Maximum", period: minute, breakdown: true })],
        stacked: true,
        width: 12,
      }),
      new GraphWidget({
        title: "Fleet cost ($/hour)",
        left: [m.search(METRICS.fleetCostPerHour, { statistic: "Maximum", period: minute, label: "$/hour" })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Launches by pool",
        left: [m.search(METRICS.nodesLaunched, { statistic: "Sum", period: fiveMinutes, breakdown: true })],
        right: [m.search(METRICS.launchFailures, { statistic: "Sum", period: fiveMinutes, label: "launch failures" })],
        width: 12,
      }),
      new GraphWidget({
        title: "Launch failures by reason",
        left: [m.search(METRICS.launchFailures, { statistic: "Sum", period: fiveMinutes, breakdown: true })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Interruptions handled by kind",
        left: [m.search(METRICS.interruptionsHandled, { statistic: "Sum", period: fiveMinutes, breakdown: true })],
        width: 8,
      }),
      new GraphWidget({
        title: "Nodes terminated by reason, disruptions by method",
        left: [m.search(METRICS.nodesTerminated, { statistic: "Sum", period: fiveMinutes, breakdown: true })],
        right: [m.search(METRICS.disruptions, { statistic: "Sum", period: fiveMinutes, breakdown: true })],
        width: 8,
      }),
      new GraphWidget({
        title: "Interruption queue",
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({
            statistic: "Maximum",
            period: minute,
            label: "queued",
          }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            statistic: "Maximum",
            period: minute,
            label: "dead letters",
          }),
        ],
        right: [
          props.queue.metricApproximateAgeOfOldestMessage({
            statistic: "Maximum",
            period: minute,
            label: "oldest (s)",
          }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Lambda errors",
        left: perFunction((fn, label) => fn.metricErrors({ statistic: "Sum", period: fiveMinutes, label })),
        width: 8,
      }),
      new GraphWidget({
        title: "Lambda duration (max)",
        left: perFunction((fn, label) => fn.metricDuration({ statistic: "Maximum", period: fiveMinutes, label })),
        width: 8,
      }),
      new GraphWidget({
        title: "Lambda throttles",
        left: perFunction((fn, label) => fn.metricThrottles({ statistic: "Sum", period: fiveMinutes, label })),
        width: 8,
      }),
    );
    this.url =
      `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}` +
      `#dashboards:name=${name}`;
  }
}
