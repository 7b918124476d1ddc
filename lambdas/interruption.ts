/**
 * Interruption Lambda: spot interruption warnings, rebalance recommendations, instance state changes and AWS Health
 * scheduled changes. With `reaction: seconds` an SQS batch from the interruption queue (`ReportBatchItemFailures`):
 * messages are handled in order while the invocation has time; the rest, and retryable failures, go back to SQS.
 * With `reaction: minute` one EventBridge event per asynchronous invocation, straight from the rule: a retryable
 * failure throws, and Lambda retries the invocation. Wiring only; the behaviour is `lib/controllers/interruption.ts`
 * and `lib/controllers/interruption-invocation.ts`.
 */
import type { Context, SQSBatchResponse } from "aws-lambda";
import { lambdaDeadline } from "../lib/controllers/deadline.js";
import { InterruptionHandler } from "../lib/controllers/interruption.js";
import { handleDirectEvent, isQueueBatch } from "../lib/controllers/interruption-invocation.js";
import { wiring } from "./wiring.js";

/**
 * Lambda entry point. An SQS batch: only retryable failures and unprocessed messages are returned for redelivery.
 * A direct event: nothing is returned; a retryable failure throws `RetryableInterruptionError`.
 */
export async function handler(event: unknown, context: Context): Promise<SQSBatchResponse | undefined> {
  const { deps, settings } = await wiring("interruption");
  const deadline = lambdaDeadline(deps.clock, context);
  const interruptions = new InterruptionHandler(deps, { rebalance: settings.rebalance, deadline });
  if (isQueueBatch(event)) {
    const records = event.Records.map((r) => ({ messageId: r.messageId, body: r.body }));
    const result = await interruptions.handleRecords(records);
    return { batchItemFailures: result.batchItemFailures };
  }
  await handleDirectEvent(interruptions, event, deps.telemetry.logger);
  return undefined;
}
