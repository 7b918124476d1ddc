/**
 * {@link DecisionEventSink} over EventBridge PutEvents on the default bus: source `stevedore`, one detail-type per
 * action, the decision as detail. Decisions are batched (PutEvents takes up to 10 entries and 256 KB per call); a
 * batch goes out as soon as it is full, the rest on `flush()`. A decision whose detail alone would pass the size
 * limit is sent with its details cut to their keys. Failed entries and failed calls are logged and counted, never
 * retried here and never thrown.
 */
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { type Logger, silentLogger } from "../../core/logger.js";
import { waitAtMost } from "../../core/wait-at-most.js";
import type { DecisionRecord } from "../../state/types.js";
import {
  DECISION_EVENT_SOURCE,
  type DecisionEventSink,
  type DecisionPublishStats,
  decisionDetailType,
} from "../decision-events.js";

/** Most entries one PutEvents call takes. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** Most bytes one PutEvents call takes (entries summed as EventBridge counts them). */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** Options of {@link EventBridgeDecisionSink}. */
export interface EventBridgeDecisionSinkOptions {
  client: EventBridgeClient;
  /** Put in every event's detail as `cluster`. */
  clusterName: string;
  /** The bus. @default "default" */
  eventBusName?: string;
  /** @default silent */
  logger?: Logger;
  /** Longest `flush()` waits for the puts; a put still running then is counted as failed. @default 5000 */
  flushTimeoutMs?: number;
}

/** An entry's size as EventBridge counts it: time, source, detail-type, detail and resources. */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s ? Buffer.byteLength(s, "utf8") : 0);
  return (
    (entry.Time ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((s, r) => s + bytes(r), 0)
  );
}

/** Publishes decisions on an EventBridge bus. */
export class EventBridgeDecisionSink implements DecisionEventSink {
  private readonly logger: Logger;
  private batch: PutEventsRequestEntry[] = [];
  private batchBytes = 0;
  /** Puts in flight, each with its entry count; an abandoned one no longer counts when it settles. */
  private readonly sends = new Map<Promise<void>, { entries: number; abandoned: boolean }>();
  private stats: DecisionPublishStats = { published: 0, failed: 0 };

  constructor(private readonly opts: EventBridgeDecisionSinkOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  publish(decision: DecisionRecord): void {
    try {
      const entry = this.entryFor(decision);
      const size = putEventsEntrySize(entry);
      if (this.batch.length >= PUT_EVENTS_MAX_ENTRIES || this.batchBytes + size > PUT_EVENTS_MAX_BYTES) this.send();
      this.batch.push(entry);
      this.batchBytes += size;
      if (this.batch.length >= PUT_EVENTS_MAX_ENTRIES) this.send();
    } catch (err) {
      this.stats.failed++;
      this.logger.warn("decision event not published", { action: decision.action, error: String(err) });
    }
  }

  async flush(): Promise<DecisionPublishStats> {
    this.send();
    if (!(await waitAtMost(Promise.all([...this.sends.keys()]), this.opts.flushTimeoutMs ?? 5000))) {
      this.logger.warn("decision events still being put at the flush deadline", { calls: this.sends.size });
      for (const [sending, send] of this.sends) {
        send.abandoned = true;
        this.stats.failed += send.entries;
        this.sends.delete(sending);
      }
    }
    const out = this.stats;
    this.stats = { published: 0, failed: 0 };
    return out;
  }

  /** The entry for a decision (details cut to their keys when the whole would not fit one call). */
  entryFor(decision: DecisionRecord): PutEventsRequestEntry {
    const base = {
      cluster: this.opts.clusterName,
      controller: decision.controller,
      action: decision.action,
      at: new Date(decision.at).toISOString(),
    };
    const entry: PutEventsRequestEntry = {
      Time: new Date(decision.at),
      Source: DECISION_EVENT_SOURCE,
      DetailType: decisionDetailType(decision.action),
      Detail: JSON.stringify({ ...base, details: decision.details }),
      EventBusName: this.opts.eventBusName ?? "default",
    };
    if (putEventsEntrySize(entry) <= PUT_EVENTS_MAX_BYTES) return entry;
    const keys = Object.keys(decision.details);
    return { ...entry, Detail: JSON.stringify({ ...base, details: { truncated: true, keys } }) };
  }

  private send(): void {
    if (this.batch.length === 0) return;
    const entries = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const send = { entries: entries.length, abandoned: false };
    const sending: Promise<void> = this.put(entries, send).finally(() => this.sends.delete(sending));
    this.sends.set(sending, send);
  }

  private async put(entries: PutEventsRequestEntry[], send: { abandoned: boolean }): Promise<void> {
    try {
      const out = await this.opts.client.send(new PutEventsCommand({ Entries: entries }));
      if (send.abandoned) return;
      const failed = out.FailedEntryCount ?? 0;
      this.stats.published += entries.length - failed;
      this.stats.failed += failed;
      if (failed > 0) {
        const codes = (out.Entries ?? []).flatMap((e) => (e.ErrorCode ? [e.ErrorCode] : []));
        this.logger.warn("decision events rejected", { failed, errorCodes: [...new Set(codes)] });
      }
    } catch (err) {
      if (send.abandoned) return;
      this.stats.failed += entries.length;
      this.logger.warn("decision events not published", { entries: entries.length, error: String(err) });
    }
  }
}
