/**
 * What one invocation of the interruption function receives, in either reaction mode, and how it is answered:
 *
 * - `reaction: seconds`: an SQS batch from the interruption queue's event source mapping. Its records go to
 *   {@link InterruptionHandler.handleRecords}; retryable failures and the messages there was no time for are returned
 *   as `batchItemFailures`, and SQS redelivers them.
 * - `reaction: minute`: one EventBridge event, invoked asynchronously by an interruption rule (no queue). It is
 *   handled as a batch of one through the same handler, so de-duplication, ownership and draining are the same. A
 *   retryable failure, or no time left to handle it, throws {@link RetryableInterruptionError}: the invocation fails
 *   and Lambda retries it (twice, while it is younger than the maximum event age; then the dead-letter queue). An
 *   event that is not an EventBridge event, or one the parser cannot read, is logged and dropped: retrying it could
 *   never succeed.
 */
import type { Logger } from "../core/logger.js";
import type { InterruptionHandler, InterruptionResult, QueueRecord } from "./interruption.js";

/** The interruption of a direct event failed in a way a retry may fix (or the invocation had no time for it). */
export class RetryableInterruptionError extends Error {
  constructor(
    /** The event's id. */
    readonly eventId: string,
    /** Why it is retried. */
    readonly reason: "failed" | "no-time-left",
  ) {
    super(
      reason === "failed"
        ? `interruption event ${eventId} failed with a retryable error; Lambda retries the invocation`
        : `no time left for interruption event ${eventId}; Lambda retries the invocation`,
    );
    this.name = "RetryableInterruptionError";
  }
}

/** An SQS batch as Lambda's event source mapping delivers it (the fields the handler reads). */
export interface QueueBatch {
  Records: { messageId: string; body: string }[];
}

/** Whether the invocation's payload is an SQS batch (reaction seconds). */
export function isQueueBatch(event: unknown): event is QueueBatch {
  return typeof event === "object" && event !== null && Array.isArray((event as { Records?: unknown }).Records);
}

/** An EventBridge event as a rule delivers it to a Lambda target: `detail-type`, `source` and `detail` at least. */
export interface DirectEvent {
  id?: string;
  "detail-type": string;
  source: string;
  time?: string;
  detail: Record<string, unknown>;
}

/** Whether `event` has the shape of an EventBridge event. */
export function isDirectEvent(event: unknown): event is DirectEvent {
  if (typeof event !== "object" || event === null) return false;
  const e = event as Record<string, unknown>;
  return (
    typeof e["detail-type"] === "string" &&
    typeof e.source === "string" &&
    typeof e.detail === "object" &&
    e.detail !== null
  );
}

/**
 * Handles one event delivered directly by an interruption rule; throws {@link RetryableInterruptionError} when a
 * retry is needed. A payload that is not an EventBridge event is logged and dropped (the result counts it ignored).
 */
export async function handleDirectEvent(
  handler: InterruptionHandler,
  event: unknown,
  logger: Logger,
): Promise<InterruptionResult> {
  if (!isDirectEvent(event)) {
    logger.warn("interruption invocation is neither an SQS batch nor an EventBridge event; dropped", {
      payload: JSON.stringify(event)?.slice(0, 500),
    });
    return { batchItemFailures: [], acted: [], ignored: 1, drained: [], deferred: 0, deadlineStops: 0 };
  }
  const record: QueueRecord = {
    messageId: event.id ?? `${event.source}:${event["detail-type"]}:${event.time ?? ""}`,
    body: JSON.stringify(event),
  };
  const result = await handler.handleRecords([record]);
  if (result.batchItemFailures.length > 0)
    throw new RetryableInterruptionError(record.messageId, result.deferred > 0 ? "no-time-left" : "failed");
  return result;
}
