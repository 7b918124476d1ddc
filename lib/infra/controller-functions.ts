/**
 * The controller Lambdas and what invokes them:
 *
 * - provisioner and disruptor: EventBridge `rate(1 minute)`; reserved concurrency 1 (a singleton — the state
 *   table's lease is the second guard); async invocations older than 60 s are dropped and never retried, so a
 *   throttled tick never piles up behind a long run. Each provisioner invocation is one burst (passes until one
 *   finds nothing to do, within `loopSeconds`), whether the schedule or the watcher started it.
 * - watcher (`reaction: seconds` only): EventBridge `rate(1 minute)`; each invocation watches unscheduled pods and
 *   nodes for a little more than a minute and invokes the provisioner asynchronously when there is work; reserved
 *   concurrency 2, so consecutive watchers overlap.
 * - gc: EventBridge `rate(2 minutes)` (`rate(5 minutes)` with `reaction: minute`), singleton, same async settings.
 * - interruption: with `reaction: seconds`, the interruption queue through an event source mapping (batches of 10,
 *   partial batch responses, at most two concurrent batches); with `reaction: minute`, the interruption rules
 *   invoke it asynchronously, one event per invocation (`interruption-queue.ts`): Lambda retries a failed event
 *   twice, drops it after ten minutes, and sends it to the dead-letter queue then.
 *
 * All share the controller role and one environment contract (`controller-env.ts`).
 */

import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IRole } from "aws-cdk-lib/aws-iam";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DISRUPTOR_SCHEDULE, gcSchedule, PROVISIONER_SCHEDULE, WATCHER_SCHEDULE } from "../cloud/aws/event-patterns.js";
import { type ControllerEnvironmentInputs, controllerEnvironment, watcherEnvironment } from "./controller-env.js";
import {
  GC_TIMEOUT_SECONDS,
  INTERRUPTION_TIMEOUT_SECONDS,
  loopTimeoutSeconds,
  WATCH_SECONDS,
  WATCHER_TIMEOUT_SECONDS,
} from "./function-timeouts.js";
import { DIRECT_EVENT_INVOKE_RETRIES, DIRECT_EVENT_MAX_AGE } from "./interruption-queue.js";
import type { LambdaNetwork } from "./lambda-network.js";
import { createStevedoreFunction, type StevedoreFunctionProps } from "./stevedore-function.js";

/** Scheduled invocations older than this are dropped (EventBridge's and Lambda's minimum is 60 s). */
export const SCHEDULE_MAX_EVENT_AGE = Duration.seconds(60);
/** Interruption function timeout: the spot notice (two minutes); the controller drains for at most 100 s of it. */
export const INTERRUPTION_TIMEOUT = Duration.seconds(INTERRUPTION_TIMEOUT_SECONDS);
/** GC function timeout. */
export const GC_TIMEOUT = Duration.seconds(GC_TIMEOUT_SECONDS);
/** Watcher function timeout: its watch ({@link WATCH_SECONDS}) plus time to finish. */
export const WATCHER_TIMEOUT = Duration.seconds(WATCHER_TIMEOUT_SECONDS);
/** Watcher memory: it only holds two watches and sends small invokes. */
export const WATCHER_MEMORY_MB = 128;
/** Concurrent watchers: the running one and the next, which starts two seconds before the first stops. */
export const WATCHER_CONCURRENCY = 2;
/**
 * Provisioner memory. Each invocation is a burst of deciding (snapshot, packing, launches), not waiting, and Lambda
 * gives CPU in proportion to memory: 1,024 MB keeps the packer's CPU share and heap for clusters of thousands of
 * pods as before; a smaller size is a choice to make from a scale scenario's measured CPU time and heap.
 */
export const PROVISIONER_MEMORY_MB = 1024;
/**
 * Disruptor memory. An idle pass, measured in the deployed twin, is about 17 requests and 65 ms of CPU: it waits on
 * API calls more than it computes, and Lambda bills waiting by memory, so 512 MB bills about 30 % less than 1,024 MB
 * for the same pass (and half for the waits between follow-up passes in reaction seconds). The twin's controllers peak at about
 * 130 MB of heap; planning in a large cluster gets half the CPU share, within its per-pass time budget (the plan's
 * memo carries the rest to the next pass).
 */
export const DISRUPTOR_MEMORY_MB = 512;
/** Messages per interruption batch. */
export const INTERRUPTION_BATCH_SIZE = 10;
/** Concurrent interruption batches. */
export const INTERRUPTION_MAX_CONCURRENCY = 2;

/** Timeout of the provisioner and the disruptor: the provisioner's loop plus 20 s to finish the last batch and flush. */
export function loopTimeout(loopSeconds: number): Duration {
  return Duration.seconds(loopTimeoutSeconds(loopSeconds));
}

/** What every controller function shares. */
type SharedFunctionProps = Pick<
  StevedoreFunctionProps,
  "root" | "role" | "environment" | "logRetentionDays" | "network"
>;

/** Props of {@link ControllerFunctions}. */
export interface ControllerFunctionsProps extends ControllerEnvironmentInputs {
  root: string;
  role: IRole;
  /** The interruption queue (reaction seconds: the event source mapping). @default none (reaction minute) */
  queue?: IQueue;
  /** Where failed interruption events go (reaction minute: the function's dead-letter queue). */
  deadLetterQueue: IQueue;
  network?: LambdaNetwork;
}

/** The provisioner, disruptor, interruption, gc and (reaction seconds) watcher functions with their triggers. */
export class ControllerFunctions extends Construct {
  readonly provisioner: NodejsFunction;
  readonly disruptor: NodejsFunction;
  readonly interruption: NodejsFunction;
  readonly gc: NodejsFunction;
  /** Only with `reaction: seconds`. */
  readonly watcher?: NodejsFunction;
  readonly schedules: Rule[] = [];
  /** The watcher's schedule (only with `reaction: seconds`). */
  readonly watcherSchedule?: Rule;

  constructor(scope: Construct, id: string, props: ControllerFunctionsProps) {
    super(scope, id);
    const common: SharedFunctionProps = {
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
      memorySize: PROVISIONER_MEMORY_MB,
      reservedConcurrentExecutions: 1,
      asyncMaxEventAge: SCHEDULE_MAX_EVENT_AGE,
    });
    this.disruptor = createStevedoreFunction(this, "Disruptor", {
      ...common,
      name: "disruptor",
      description: `Stevedore disruptor of EKS cluster ${cluster}: emptiness, expiry, drift, consolidation`,
      // One pass (plus follow-ups) needs far less; the timeout only bounds a slow pass. The lease TTL derives from
      // the invocation's deadline and outlives this timeout (`disruptorLeaseTtlMs`).
      timeout: loopTimeout(props.config.loopSeconds),
      memorySize: DISRUPTOR_MEMORY_MB,
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
    this.interruption = this.createInterruption(common, props);
    this.schedule(this.provisioner, PROVISIONER_SCHEDULE, "ProvisionerSchedule", cluster);
    this.schedule(this.disruptor, DISRUPTOR_SCHEDULE, "DisruptorSchedule", cluster);
    this.schedule(this.gc, gcSchedule(props.config.reaction), "GarbageCollectorSchedule", cluster);
    if (props.config.reaction === "seconds") {
      this.watcher = this.createWatcher(common, cluster);
      this.watcherSchedule = this.schedule(this.watcher, WATCHER_SCHEDULE, "WatcherSchedule", cluster);
    }
  }

  /**
   * The interruption function: a queue consumer (reaction seconds), or invoked by the rules directly (reaction
   * minute), with Lambda's retries, a maximum age that fits interruption notices and the dead-letter queue.
   */
  private createInterruption(common: SharedFunctionProps, props: ControllerFunctionsProps): NodejsFunction {
    const cluster = props.config.clusterName;
    const direct = props.config.reaction === "minute";
    const fn = createStevedoreFunction(this, "Interruption", {
      ...common,
      name: "interruption",
      description: `Stevedore interruption handling of EKS cluster ${cluster}: spot, rebalance, state, health events`,
      timeout: INTERRUPTION_TIMEOUT,
      memorySize: 512,
      ...(direct
        ? {
            asyncMaxEventAge: DIRECT_EVENT_MAX_AGE,
            asyncRetryAttempts: DIRECT_EVENT_INVOKE_RETRIES,
            deadLetterQueue: props.deadLetterQueue,
          }
        : {}),
    });
    if (direct) return fn;
    if (!props.queue) throw new Error("reaction seconds: the interruption function needs the interruption queue");
    fn.addEventSourceMapping("QueueEvents", {
      eventSourceArn: props.queue.queueArn,
      batchSize: INTERRUPTION_BATCH_SIZE,
      reportBatchItemFailures: true,
      maxConcurrency: INTERRUPTION_MAX_CONCURRENCY,
    });
    return fn;
  }

  /** The watcher: told the provisioner's name and how long to watch. */
  private createWatcher(common: SharedFunctionProps, cluster: string): NodejsFunction {
    return createStevedoreFunction(this, "Watcher", {
      ...common,
      environment: { ...common.environment, ...watcherEnvironment(this.provisioner.functionName, WATCH_SECONDS) },
      name: "watcher",
      description: `Stevedore watcher of EKS cluster ${cluster}: pending pods and node changes start the provisioner`,
      timeout: WATCHER_TIMEOUT,
      memorySize: WATCHER_MEMORY_MB,
      reservedConcurrentExecutions: WATCHER_CONCURRENCY,
      asyncMaxEventAge: SCHEDULE_MAX_EVENT_AGE,
    });
  }

  /** Every controller function by its construct id (what the alarms and the dashboard cover). */
  get byName(): Record<string, NodejsFunction> {
    return {
      Provisioner: this.provisioner,
      Disruptor: this.disruptor,
      Interruption: this.interruption,
      GarbageCollector: this.gc,
      ...(this.watcher ? { Watcher: this.watcher } : {}),
    };
  }

  /** Every controller function. */
  get all(): NodejsFunction[] {
    return Object.values(this.byName);
  }

  /** A schedule rule invoking `fn` asynchronously: dropped after 60 s, never retried. */
  private schedule(fn: NodejsFunction, expression: string, id: string, cluster: string): Rule {
    const rule = new Rule(this, id, {
      description: `Stevedore ${cluster}: ${expression}`,
      schedule: Schedule.expression(expression),
      targets: [new LambdaFunction(fn, { retryAttempts: 0, maxEventAge: SCHEDULE_MAX_EVENT_AGE })],
    });
    this.schedules.push(rule);
    return rule;
  }
}
