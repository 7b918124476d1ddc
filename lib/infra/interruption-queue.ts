/**
 * The interruption events' way to the interruption Lambda: EventBridge rules for the interruption events — patterns
 * from `lib/cloud/aws/event-patterns.ts`, the single source of truth — and a dead-letter queue with SQS-managed
 * encryption and TLS-only access.
 *
 * - `reaction: seconds` (as Karpenter's CloudFormation template sets it up): the rules deliver to an SQS queue, with
 *   the dead-letter queue after {@link MAX_RECEIVE_COUNT} receives; the Lambda consumes it through an event source
 *   mapping (batches, partial batch responses).
 * - `reaction: minute`: no queue. The rules invoke the function directly, asynchronously
 *   ({@link InterruptionQueue.deliverTo}); an event EventBridge cannot deliver, and one the function still fails
 *   after Lambda's retries, goes to the dead-letter queue. An event source mapping's pollers long-poll their queue
 *   around the clock (about 660,000 requests a month); a direct invocation costs nothing while nothing happens, and
 *   still reaches the function within seconds of the notice.
 */
import { Duration } from "aws-cdk-lib";
import { type EventPattern, type IRuleTarget, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction, SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { AnyPrincipal, Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { INTERRUPTION_EVENT_PATTERNS, type EventPattern as JsonEventPattern } from "../cloud/aws/event-patterns.js";
import { acknowledge } from "./nag.js";
import type { ReactionMode } from "./stack-config.js";

/**
 * Every SQS API action, listed instead of `sqs:*` in the TLS-only deny statement: the stack has no statement whose
 * Action contains a wildcard, even a Deny.
 */
export const SQS_ALL_ACTIONS = [
  "sqs:AddPermission",
  "sqs:CancelMessageMoveTask",
  "sqs:ChangeMessageVisibility",
  "sqs:CreateQueue",
  "sqs:DeleteMessage",
  "sqs:DeleteQueue",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
  "sqs:ListDeadLetterSourceQueues",
  "sqs:ListMessageMoveTasks",
  "sqs:ListQueueTags",
  "sqs:ListQueues",
  "sqs:PurgeQueue",
  "sqs:ReceiveMessage",
  "sqs:RemovePermission",
  "sqs:SendMessage",
  "sqs:SetQueueAttributes",
  "sqs:StartMessageMoveTask",
  "sqs:TagQueue",
  "sqs:UntagQueue",
] as const;

/** What the interruption function's SQS event source mapping needs on the queue (reaction seconds). */
export const QUEUE_CONSUMER_ACTIONS = [
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibility",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
] as const;

/** The controller role's statement for the event source mapping's actions on the interruption queue. */
export function queueConsumerStatement(queueArn: string): PolicyStatement {
  const actions = [...QUEUE_CONSUMER_ACTIONS];
  return new PolicyStatement({
    sid: "AllowInterruptionQueueActions",
    effect: Effect.ALLOW,
    actions,
    resources: [queueArn],
  });
}

/** Receives before a message goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 3;

/**
 * How long an interruption event stays worth delivering (reaction minute): a spot warning gives two minutes and a
 * state change is stale sooner; ten minutes covers EventBridge's and Lambda's retries with room to spare, and an
 * older event only reaches the dead-letter queue (the disruptor and the garbage collector clean up after the
 * instance anyway). Both EventBridge's target and Lambda's asynchronous invocation use it.
 */
export const DIRECT_EVENT_MAX_AGE = Duration.minutes(10);
/**
 * EventBridge's retries of an invocation Lambda's API refused with a retryable error (reaction minute). Lambda
 * accepts an asynchronous invocation even while the function is busy or throttled and retries that itself, so these
 * cover the service's own hiccups; errors that cannot succeed (no permission, no function) are not retried and go
 * to the dead-letter queue at once.
 */
export const DIRECT_EVENT_DELIVERY_RETRIES = 8;
/** Lambda's retries of an interruption invocation that failed (reaction minute): its default, two. */
export const DIRECT_EVENT_INVOKE_RETRIES = 2;

/** Converts a JSON event pattern (`"detail-type"` etc.) to the CDK's camelCase `EventPattern`. */
export function toCdkEventPattern(pattern: JsonEventPattern): EventPattern {
  const keys: Record<string, keyof EventPattern> = {
    version: "version",
    id: "id",
    "detail-type": "detailType",
    source: "source",
    account: "account",
    time: "time",
    region: "region",
    resources: "resources",
    detail: "detail",
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    const cdkKey = keys[key];
    if (!cdkKey) throw new Error(`event pattern: unsupported top-level field "${key}"`);
    out[cdkKey] = structuredClone(value);
  }
  return out as EventPattern;
}

/** Props of {@link InterruptionQueue}. */
export interface InterruptionQueueProps {
  /** The consumer's timeout: the visibility timeout is this plus 30 s. */
  consumerTimeout: Duration;
  /** `seconds`: the queue and its rules; `minute`: no queue, the rules come with {@link InterruptionQueue.deliverTo}. */
  reaction: ReactionMode;
}

/** The dead-letter queue, the six EventBridge rules and (reaction seconds) the queue they deliver to. */
export class InterruptionQueue extends Construct {
  /** Only with `reaction: seconds`. */
  readonly queue?: Queue;
  readonly deadLetterQueue: Queue;
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: InterruptionQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    denyInsecureTransport(this.deadLetterQueue);
    if (props.reaction === "seconds") this.queue = this.createQueue(props.consumerTimeout);
  }

  /**
   * Reaction minute: the rules invoke `fn` asynchronously. EventBridge sends an event it cannot deliver to the
   * dead-letter queue (the CDK adds the queue policy for each rule and the function's permission scoped to it);
   * the function's own asynchronous settings (retries, maximum age, its dead-letter queue) are set where it is made.
   */
  deliverTo(fn: IFunction): void {
    this.addRules(
      new LambdaFunction(fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: DIRECT_EVENT_DELIVERY_RETRIES,
        maxEventAge: DIRECT_EVENT_MAX_AGE,
      }),
    );
  }

  private createQueue(consumerTimeout: Duration): Queue {
    const queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      // Interruption notices are worth little after a few minutes, but a message must live long enough to be
      // received MAX_RECEIVE_COUNT times and reach the dead-letter queue.
      retentionPeriod: Duration.minutes(15),
      visibilityTimeout: consumerTimeout.plus(Duration.seconds(30)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    denyInsecureTransport(queue);
    this.addRules(new SqsQueue(queue));
    return queue;
  }

  private addRules(target: IRuleTarget): void {
    for (const named of INTERRUPTION_EVENT_PATTERNS) {
      this.rules.push(
        new Rule(this, `${named.name}Rule`, {
          description: `Stevedore: ${named.description}`,
          eventPattern: toCdkEventPattern(named.pattern),
          targets: [target],
        }),
      );
    }
  }
}

function denyInsecureTransport(queue: Queue): void {
  queue.addToResourcePolicy(
    new PolicyStatement({
      sid: "DenyInsecureTransport",
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: [...SQS_ALL_ACTIONS],
      resources: [queue.queueArn],
      conditions: { Bool: { "aws:SecureTransport": "false" } },
    }),
  );
  acknowledge(
    queue,
    "AwsSolutions-SQS4",
    "TLS is required by an explicit Deny on aws:SecureTransport=false that lists every SQS action instead of sqs:* " +
      "(the stack allows no wildcard action in any statement)",
  );
}
