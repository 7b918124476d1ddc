/**
 * Alarms: messages in the interruption dead-letter queue, controller errors, launch failures, pods pending too long,
 * and a provisioner that stopped running; in lean observability only {@link LEAN_ALARMS}. They have no actions:
 * subscribe them to your paging (SNS, Chatbot) by name (`Stevedore-<cluster>-…`).
 */
import { Duration } from "aws-cdk-lib";
import { Alarm, type AlarmProps, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRICS, type ObservabilityMode } from "./metrics-names.js";
import { LEAN_ALARMS } from "./observability.js";
import { StevedoreMetrics } from "./stevedore-metrics.js";

/** Seconds a pod may stay provisionable before the pending alarm fires. @see StevedoreAlarms */
export const PENDING_POD_ALARM_SECONDS = 300;
/** Launch failures in 10 minutes that fire the launch alarm. */
export const LAUNCH_FAILURE_ALARM_COUNT = 3;

/** Props of {@link StevedoreAlarms}. */
export interface StevedoreAlarmsProps {
  clusterName: string;
  deadLetterQueue: IQueue;
  /** Functions whose errors alarm, by display name. */
  functions: Record<string, NodejsFunction>;
  provisioner: NodejsFunction;
  /** `lean` keeps only {@link LEAN_ALARMS}. @default "full" */
  observability?: ObservabilityMode;
}

/** The stack's alarms. */
export class StevedoreAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: StevedoreAlarmsProps) {
    super(scope, id);
    const prefix = `Stevedore-${props.clusterName}`;
    const metrics = new StevedoreMetrics(props.clusterName);
    const lean = props.observability === "lean";
    const alarm = (alarmId: string, alarmProps: AlarmProps): void => {
      if (!lean || (LEAN_ALARMS as readonly string[]).includes(alarmId))
        this.alarms.push(new Alarm(this, alarmId, alarmProps));
    };
    alarm("DeadLetterQueue", {
      alarmName: `${prefix}-InterruptionDeadLetters`,
      alarmDescription:
        "Interruption events were not handled (out of retries, or too old) and are in the dead-letter queue: check the interruption function's logs",
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: "Maximum",
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, {
        alarmName: `${prefix}-${name}Errors`,
        alarmDescription: `The ${name} function failed in 2 of the last 3 five-minute periods`,
        metric: fn.metricErrors({ statistic: "Sum", period: Duration.minutes(5) }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    alarm("LaunchFailures", {
      alarmName: `${prefix}-LaunchFailures`,
      alarmDescription: `At least ${LAUNCH_FAILURE_ALARM_COUNT} node launches failed in 10 minutes (see the dashboard's failures by reason)`,
      metric: metrics.total(METRICS.launchFailures, { statistic: "Sum", period: Duration.minutes(10) }),
      threshold: LAUNCH_FAILURE_ALARM_COUNT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // The pending-pod age is published only while pods are pending: no data means none waits.
    alarm("PodsPendingTooLong", {
      alarmName: `${prefix}-PodsPendingTooLong`,
      alarmDescription: `A provisionable pod has waited more than ${PENDING_POD_ALARM_SECONDS} s for capacity for 3 minutes`,
      metric: metrics.total(METRICS.oldestPendingPodAge, { statistic: "Maximum", period: Duration.minutes(1) }),
      threshold: PENDING_POD_ALARM_SECONDS,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm("ProvisionerStalled", {
      alarmName: `${prefix}-ProvisionerStalled`,
      alarmDescription: "The provisioner has not been invoked for 5 minutes (schedule disabled, throttled or deleted)",
      metric: props.provisioner.metricInvocations({ statistic: "Sum", period: Duration.minutes(1) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: TreatMissingData.BREACHING,
    });
  }
}
