/**
 * The `requests` section of the deployed mode's report: what the run's functions asked of the billed services
 * besides Lambda — DynamoDB request units (by caller, action and partition: `dynamo-meter.ts`), SQS requests of
 * the interruption messages, decision events published, and log bytes per function — and the same as the bill's
 * measured quantities.
 *
 * SQS counts one SendMessage per message (EventBridge's delivery to the queue, or a dead letter), and per batch the
 * event source mapping received, one ReceiveMessage and one DeleteMessageBatch (a batch whose invocation failed
 * deletes nothing; it is counted all the same). With reaction minute the rules invoke the interruption function
 * directly: no queue, no mapping, and only dead letters count. Log bytes count each output line plus CloudWatch Logs' 26 bytes per event, and Lambda's own START,
 * END and REPORT lines ({@link PLATFORM_LOG_BYTES_PER_INVOCATION}).
 */

import type { MeasuredRequests } from "./deployed-cost.js";
import type { DeployedStack } from "./deployed-stack.js";
import type { DynamoUsage } from "./dynamo-meter.js";

/** Bytes CloudWatch Logs meters per log event on top of its message. */
export const LOG_EVENT_OVERHEAD_BYTES = 26;
/** Bytes of Lambda's START, END and REPORT lines for one invocation, overhead included (model assumption). */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 350;

/** Counts the bytes of log each function writes. */
export class LogVolume {
  readonly bytes = new Map<string, number>();

  /** Records one output line of `fn`. */
  line(fn: string, line: string): void {
    this.bytes.set(fn, (this.bytes.get(fn) ?? 0) + Buffer.byteLength(line) + LOG_EVENT_OVERHEAD_BYTES);
  }
}

/** `requests` in the report. */
export interface RunRequests {
  dynamodb: DynamoUsage & { byCall: Record<string, DynamoUsage> };
  sqs: { sendMessage: number; receiveMessage: number; deleteMessageBatch: number };
  /** Events billed for the PutEvents entries (one per started 64 KB of each), by caller (function name). */
  decisionEvents: Record<string, number>;
  /** Log bytes per function, Lambda's own lines included. */
  logBytes: Record<string, number>;
}

/** The section, and the quantities the bill reads from it. */
export function runRequests(
  stack: DeployedStack,
  logs: LogVolume,
): { report: RunRequests; measured: MeasuredRequests } {
  const sent = [...stack.queues.stats.values()].reduce((n, s) => n + s.sent, 0);
  const batches = stack.pollers.reduce((n, p) => n + p.stats.batches, 0);
  const logBytes: Record<string, number> = {};
  for (const [fn, m] of Object.entries(stack.lambda.metrics())) {
    const bytes = (logs.bytes.get(fn) ?? 0) + m.invocations * PLATFORM_LOG_BYTES_PER_INVOCATION;
    if (bytes > 0) logBytes[fn] = bytes;
  }
  const dynamo = stack.gateway.dynamo.totals();
  const events = Object.fromEntries(stack.gateway.eventsPublished);
  const report: RunRequests = {
    dynamodb: {
      ...dynamo,
      byCall: Object.fromEntries([...stack.gateway.dynamo.usage].sort().map(([k, u]) => [k, { ...u }])),
    },
    sqs: { sendMessage: sent, receiveMessage: batches, deleteMessageBatch: batches },
    decisionEvents: events,
    logBytes,
  };
  return {
    report,
    measured: {
      dynamoReadUnits: dynamo.readUnits,
      dynamoWriteUnits: dynamo.writeUnits,
      sqsMessageRequests: sent + 2 * batches,
      decisionEvents: Object.values(events).reduce((a, b) => a + b, 0),
      logBytes: Object.values(logBytes).reduce((a, b) => a + b, 0),
    },
  };
}
