/**
 * Interruption Lambda (SQS event source with `ReportBatchItemFailures`): spot interruption warnings, rebalance
 * recommendations, instance state changes and AWS Health scheduled changes. Messages are handled in order while
 * the invocation has time; the rest, and retryable failures, go back to SQS. Wiring only; the behaviour is
 * `lib/controllers/interruption.ts`.
 */
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { lambdaDeadline } from "../lib/controllers/deadline.js";
import { InterruptionHandler } from "../lib/controllers/interruption.js";
import { wiring } from "./wiring.js";

/** Lambda entry point: only retryable failures and unprocessed messages are returned for redelivery. */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { deps, settings } = await wiring("interruption");
  const records = event.Records.map((r) => ({ messageId: r.messageId, body: r.body }));
  const deadline = lambdaDeadline(deps.clock, context);
  const result = await new InterruptionHandler(deps, { rebalance: settings.rebalance, deadline }).handleRecords(
    records,
  );
  return { batchItemFailures: result.batchItemFailures };
}
