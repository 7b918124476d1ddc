/**
 * The four controller Lambdas and what invokes them:
 *
 * - provisioner and disruptor: EventBridge `rate(1 minute)`; each invocation works for `loopSeconds` (timeout =
 *   loop + 20 s); reserved concurrency 1 (a singleton — the state table's lease is the second guard); async
 *   invocations older than 60 s are dropped and never retried, so a throttled tick never piles up behind a long run.
 * - gc: EventBridge `rate(2 minutes)`, singleton, same async settings.
 * - interruption: the interruption queue through an event source mapping (batches of 10, partial batch responses,
 *   at most two concurrent batches).
 *
 * All four share the controller role and one environment contract (`controller-env.ts`).
 */

import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IRole } from "aws-cdk-lib/aws-iam";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DISRUPTOR_SCHEDULE, GC_SCHEDULE, PROVISIONER_SCHEDULE } from "../cloud/aws/event-patterns.js";
import { type ControllerEnvironmentInputs, controllerEnvironment } from "./controller-env.js";
import { GC_TIMEOUT_SECONDS, INTERRUPTION_TIMEOUT_SECONDS, loopTimeoutSeconds } from "./function-timeouts.js";
import type { LambdaNetwork } from "./lambda-network.js";
import { createStevedoreFunction } from "./stevedore-function.js";

/** Scheduled invocations older than this are dropped (EventBridge's and Lambda's minimum is 60 s). */
export const SCHEDULE_MAX_EVENT_AGE = Duration.seconds(60);
/** Interruption function timeout: the spot notice (two minutes); the controller drains for at most 100 s of it. */
export const INTERRUPTION_TIMEOUT = Duration.seconds(INTERRUPTION_TIMEOUT_SECONDS);
/** GC function timeout. */
export const GC_TIMEOUT = Duration.seconds(GC_TIMEOUT_SECONDS);
/** Messages per interruption batch. */
export const INTERRUPTION_BATCH_SIZE = 10;
/** Concurrent interruption batches. */
export const INTERRUPTION_MAX_CONCURRENCY = 2;

/** Timeout of the looping functions: the loop plus 20 s to finish the last batch and flush. */
export function loopTimeout(loopSeconds: number): Duration {
  return Duration.seconds(loopTimeoutSeconds(loopSeconds));
}

/** Props of {@link ControllerFunctions}. */
export interface ControllerFunctionsProps extends ControllerEnvironmentInputs {
  root: string;
  role: IRole;
  queue: IQueue;
  network?: LambdaNetwork;
}

/** The provisioner, disruptor, interruption and gc functions with their triggers. */
export class ControllerFunctions extends Construct {
  readonly provisioner: NodejsFunction;
  readonly disruptor: NodejsFunction;
  readonly interruption: NodejsFunction;
  readonly gc: NodejsFunction;
  readonly schedules: Rule[] = [];

  constructor(scope: Construct, id: string, props: ControllerFunctionsProps) {
    super(scope, id);
    const common = {
      root: props.root,
      role: props.role,
      environment: controllerEnvironment(props),
      logRetentionDays: props.config.logRetentionDays,
      network: props.network,
    };
    const cluster = props.config.clusterName;
    this.provisioner = createStevedoreFunction(this, "Provisioner", {
      ...common,
      name: "provisioner",
      description: `Stevedore provisioner of EKS cluster ${cluster}: pending pods to new nodes`,
      timeout: loopTimeout(props.config.loopSeconds),
      memorySize: 1024,
      reservedConcurrentExecutions: 1,
      asyncMaxEventAge: SCHEDULE_MAX_EVENT_AGE,
    });
    this.disruptor = createStevedoreFunction(this, "Disruptor", {
      ...common,
      name: "disruptor",
      description: `Stevedore disruptor of EKS cluster ${cluster}: emptiness, expiry, drift, consolidation`,
      timeout: loopTimeout(props.config.loopSeconds),
      memorySize: 1024,
      reservedConcurrentExecutions: 1,
      asyncMaxEventAge: SCHEDULE_MAX_EVENT_AGE,
    });
    this.gc = createStevedoreFunction(this, "GarbageCollector", {
      ...common,
      name: "gc",
      description: `Stevedore garbage collection of EKS cluster ${cluster}: orphaned instances, nodes and claims`,
      timeout: GC_TIMEOUT,
      memorySize: 512,
      reservedConcurrentExecutions: 1,
      asyncMaxEventAge: SCHEDULE_MAX_EVENT_AGE,
    });
    this.interruption = createStevedoreFunction(this, "Interruption", {
      ...common,
      name: "interruption",
      description: `Stevedore interruption handling of EKS cluster ${cluster}: spot, rebalance, state, health events`,
      timeout: INTERRUPTION_TIMEOUT,
      memorySize: 512,
    });
    this.interruption.addEventSourceMapping("QueueEvents", {
      eventSourceArn: props.queue.queueArn,
      batchSize: INTERRUPTION_BATCH_SIZE,
      reportBatchItemFailures: true,
      maxConcurrency: INTERRUPTION_MAX_CONCURRENCY,
    });
    for (const [fn, expression, name] of [
      [this.provisioner, PROVISIONER_SCHEDULE, "ProvisionerSchedule"],
      [this.disruptor, DISRUPTOR_SCHEDULE, "DisruptorSchedule"],
      [this.gc, GC_SCHEDULE, "GarbageCollectorSchedule"],
    ] as const) {
      this.schedules.push(
        new Rule(this, name, {
          description: `Stevedore ${cluster}: ${expression}`,
          schedule: Schedule.expression(expression),
          targets: [new LambdaFunction(fn, { retryAttempts: 0, maxEventAge: SCHEDULE_MAX_EVENT_AGE })],
        }),
      );
    }
  }

  /** Every controller function. */
  get all(): NodejsFunction[] {
    return [this.provisioner, this.disruptor, this.interruption, this.gc];
  }
}
