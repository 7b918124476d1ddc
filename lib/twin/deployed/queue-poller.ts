/**
 * An SQS event source mapping: pollers receive batches of up to `batchSize` messages (at most `maxConcurrency`
 * batches in flight) and invoke the function synchronously. A batch that succeeds is deleted, except the messages
 * the function lists in `batchItemFailures` (when the mapping reports batch item failures); a batch whose invocation
 * fails, times out or is throttled is left alone, so its messages come back after the visibility timeout and, past
 * the redrive policy's `maxReceiveCount`, go to the dead-letter queue.
 */
import type { LambdaRuntime } from "./lambda-runtime.js";
import type { SqsQueues } from "./sqs-queues.js";
import type { DeployedEventSourceMapping } from "./template-model.js";

/** Counters of one mapping. */
export interface PollerStats {
  batches: number;
  /** Messages deleted after a successful invocation. */
  succeeded: number;
  /** Messages left for redelivery (reported failures, failed/throttled/timed-out invocations). */
  returned: number;
}

/** Polls one queue for one function. */
export class QueuePoller {
  readonly stats: PollerStats = { batches: 0, succeeded: 0, returned: 0 };
  private inFlight = 0;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly mapping: DeployedEventSourceMapping,
    private readonly queues: SqsQueues,
    private readonly lambda: LambdaRuntime,
    /** Pause between empty polls, ms. @default 200 */
    private readonly pollIntervalMs = 200,
  ) {}

  /** Starts polling until {@link stop}. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops polling and waits for the batches in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /**
   * Starts a batch for every visible batch's worth of messages, up to the mapping's concurrency, without waiting for
   * them (a poll of Lambda's pollers on a virtual clock). Returns the number of batches started.
   */
  pump(): number {
    const limit = this.mapping.maxConcurrency ?? 1000;
    let started = 0;
    while (this.inFlight < limit && this.queues.depth(this.mapping.queueArn).visible > 0) {
      void this.pollOnce().catch(() => false);
      started++;
    }
    return started;
  }

  /** Receives and processes one batch now (returns false when the queue had nothing visible). */
  async pollOnce(): Promise<boolean> {
    const batch = this.queues.receive(this.mapping.queueArn, this.mapping.batchSize);
    if (batch.length === 0) return false;
    this.inFlight++;
    this.stats.batches++;
    try {
      const arn = this.mapping.queueArn;
      const region = arn.split(":")[3];
      const event = {
        Records: batch.map((m) => ({
          messageId: m.messageId,
          receiptHandle: m.receiptHandle,
          body: m.body,
          attributes: {
            ApproximateReceiveCount: String(m.receiveCount),
            SentTimestamp: String(m.sentAt),
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          eventSource: "aws:sqs",
          eventSourceARN: arn,
          awsRegion: region,
        })),
      };
      const r = await this.lambda.invoke(this.mapping.functionArn, event);
      if (r.status !== "ok") {
        this.stats.returned += batch.length;
        return true;
      }
      const failed = new Set(this.reportedFailures(r.value));
      for (const m of batch) {
        if (failed.has(m.messageId)) this.stats.returned++;
        else if (this.queues.delete(arn, m.receiptHandle)) this.stats.succeeded++;
      }
      return true;
    } finally {
      this.inFlight--;
    }
  }

  private reportedFailures(value: unknown): string[] {
    if (!this.mapping.reportBatchItemFailures) return [];
    const failures = (value as { batchItemFailures?: { itemIdentifier: string }[] } | null)?.batchItemFailures;
    return (failures ?? []).map((f) => f.itemIdentifier);
  }

  private async run(): Promise<void> {
    const limit = this.mapping.maxConcurrency ?? 1000;
    while (!this.stopped) {
      if (this.inFlight >= limit) {
        await new Promise((r) => setTimeout(r, this.pollIntervalMs));
        continue;
      }
      const started = this.pollOnce().catch(() => false);
      const got = await Promise.race([started, new Promise<boolean>((r) => setTimeout(() => r(true), 5))]);
      if (!got) await new Promise((r) => setTimeout(r, this.pollIntervalMs));
    }
  }
}
