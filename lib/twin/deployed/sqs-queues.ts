/**
 * SQS standard queues as the deployed mode needs them: at-least-once delivery, a receive hides a message for the
 * queue's visibility timeout, a message not deleted in time becomes visible again with its receive count up, and a
 * message that would be received more than the redrive policy's `maxReceiveCount` times moves to the dead-letter
 * queue instead. Messages older than the retention period are dropped. Time is the twin's clock.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { DeployedQueue } from "./template-model.js";

/** A message as a receive returns it. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** `ApproximateReceiveCount`, this receive included. */
  receiveCount: number;
  sentAt: number;
}

interface StoredMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
}

/** Unknown queue. */
export class QueueDoesNotExistError extends Error {
  constructor(arn: string) {
    super(`queue ${arn} does not exist (AWS.SimpleQueueService.NonExistentQueue)`);
    this.name = "QueueDoesNotExistError";
  }
}

/** Counters per queue. */
export interface QueueStats {
  sent: number;
  received: number;
  deleted: number;
  movedToDeadLetter: number;
  expired: number;
}

/** The queues of one deployed stack. */
export class SqsQueues {
  private readonly messages = new Map<string, StoredMessage[]>();
  private readonly configs = new Map<string, DeployedQueue>();
  readonly stats = new Map<string, QueueStats>();

  constructor(
    private readonly clock: Clock,
    queues: DeployedQueue[],
  ) {
    for (const q of queues) {
      this.configs.set(q.arn, q);
      this.messages.set(q.arn, []);
      this.stats.set(q.arn, { sent: 0, received: 0, deleted: 0, movedToDeadLetter: 0, expired: 0 });
    }
  }

  /** The queue's settings. */
  config(arn: string): DeployedQueue {
    const q = this.configs.get(arn);
    if (!q) throw new QueueDoesNotExistError(arn);
    return q;
  }

  /** SendMessage: returns the message id. */
  send(arn: string, body: string): string {
    this.config(arn);
    const messageId = randomUUID();
    const now = this.clock.now();
    this.list(arn).push({ messageId, body, sentAt: now, receiveCount: 0, visibleAt: now });
    this.count(arn, "sent");
    return messageId;
  }

  /** ReceiveMessage: up to `max` visible messages, hidden for the visibility timeout (or `visibilityTimeoutSeconds`). */
  receive(arn: string, max: number, visibilityTimeoutSeconds?: number): ReceivedMessage[] {
    const q = this.config(arn);
    const now = this.clock.now();
    this.expire(q, now);
    const out: ReceivedMessage[] = [];
    for (const m of [...this.list(arn)]) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      if (q.redrive && m.receiveCount >= q.redrive.maxReceiveCount) {
        this.moveToDeadLetter(q, m);
        continue;
      }
      m.receiveCount++;
      m.visibleAt = now + (visibilityTimeoutSeconds ?? q.visibilityTimeoutSeconds) * 1000;
      m.receiptHandle = randomUUID();
      this.count(arn, "received");
      out.push({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        receiveCount: m.receiveCount,
        sentAt: m.sentAt,
      });
    }
    return out;
  }

  /** DeleteMessage: a stale receipt handle (the message was received again since) deletes nothing. */
  delete(arn: string, receiptHandle: string): boolean {
    const list = this.list(arn);
    const i = list.findIndex((m) => m.receiptHandle === receiptHandle);
    if (i < 0) return false;
    list.splice(i, 1);
    this.count(arn, "deleted");
    return true;
  }

  /** Messages in the queue: visible now, and in flight (received, not yet visible again). */
  depth(arn: string): { visible: number; inFlight: number } {
    const now = this.clock.now();
    const list = this.list(arn);
    const visible = list.filter((m) => m.visibleAt <= now).length;
    return { visible, inFlight: list.length - visible };
  }

  /** Bodies of the messages in a queue (for reports and tests). */
  bodies(arn: string): string[] {
    return this.list(arn).map((m) => m.body);
  }

  /** When the next message becomes visible (undefined when the queue is empty). */
  nextVisibleAt(arn: string): number | undefined {
    const list = this.list(arn);
    return list.length === 0 ? undefined : Math.min(...list.map((m) => m.visibleAt));
  }

  private list(arn: string): StoredMessage[] {
    const l = this.messages.get(arn);
    if (!l) throw new QueueDoesNotExistError(arn);
    return l;
  }

  private moveToDeadLetter(q: DeployedQueue, m: StoredMessage): void {
    const dlq = q.redrive?.deadLetterArn ?? "";
    const list = this.list(q.arn);
    list.splice(list.indexOf(m), 1);
    // A moved message keeps its id, body and original send time; its receive count carries over.
    this.list(dlq).push({ ...m, visibleAt: this.clock.now(), receiptHandle: undefined });
    this.count(q.arn, "movedToDeadLetter");
  }

  private expire(q: DeployedQueue, now: number): void {
    const list = this.list(q.arn);
    const keep = list.filter((m) => now - m.sentAt < q.messageRetentionSeconds * 1000);
    const dropped = list.length - keep.length;
    if (dropped === 0) return;
    list.splice(0, list.length, ...keep);
    const s = this.stats.get(q.arn);
    if (s) s.expired += dropped;
  }

  private count(arn: string, key: keyof QueueStats): void {
    const s = this.stats.get(arn);
    if (s) s[key]++;
  }
}
