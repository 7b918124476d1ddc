/**
 * Interruption Lambda (SQS event source with `ReportBatchItemFailures`): spot interruption warnings, rebalance
 * recommendations, instance state changes and AWS Health scheduled changes. Wiring only; the behaviour is
 * `lib/controllers/interruption.ts`.
 */
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { InterruptionHandler } from "../lib/controllers/interruption.js";
import { wiring } from "./wiring.js";

/** Lambda entry point: only retryable failures are returned for redelivery. */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { deps, settings } = await wiring("interruption");
  const records = event.Records.map((r) => ({ messageId: r.messageId, body: r.body }));
  const result = await new InterruptionHandler(deps, { rebalance: settings.rebalance }).handleRecords(records);
  return { batchItemFailures: result.batchItemFailures };
}
