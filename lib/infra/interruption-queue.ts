/**
 * The interruption queue (as Karpenter's CloudFormation template sets it up): EventBridge rules for the five interruption
 * events — patterns from `lib/cloud/aws/event-patterns.ts`, the single source of truth — deliver to an SQS queue
 * with SQS-managed encryption, TLS-only access and a dead-letter queue. The interruption Lambda consumes it.
 */
import { Duration } from "aws-cdk-lib";
import { type EventPattern, Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { AnyPrincipal, Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { INTERRUPTION_EVENT_PATTERNS, type EventPattern as JsonEventPattern } from "../cloud/aws/event-patterns.js";
import { acknowledge } from "./nag.js";

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

/** Receives before a message goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 3;

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
}

/** Queue, dead-letter queue and the six EventBridge rules. */
export class InterruptionQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly rules: Rule[];

  constructor(scope: Construct, id: string, props: InterruptionQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    denyInsecureTransport(this.deadLetterQueue);
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      // Interruption notices are worth little after a few minutes, but a message must live long enough to be
      // received MAX_RECEIVE_COUNT times and reach the dead-letter queue.
      retentionPeriod: Duration.minutes(15),
      visibilityTimeout: props.consumerTimeout.plus(Duration.seconds(30)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    denyInsecureTransport(this.queue);
    this.rules = INTERRUPTION_EVENT_PATTERNS.map(
      (named) =>
        new Rule(this, `${named.name}Rule`, {
          description: `Stevedore: ${named.description}`,
          eventPattern: toCdkEventPattern(named.pattern),
          targets: [new SqsQueue(this.queue)],
        }),
    );
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
