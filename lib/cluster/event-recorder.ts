/**
 * {@link EventRecorder} over core/v1 Events (`@kubernetes/client-node`), the kind `kubectl describe` lists.
 *
 * - De-duplicated: an event with the same object, reason and message as one seen less than `dedupeWindowMs` ago is
 *   not written again; its repeats are counted, and `flush()` bumps the stored event's `count` and `lastTimestamp`
 *   with one merge patch (at most once per `patchIntervalMs` per event).
 * - Capped: at most `maxWritesPerFlush` writes (creates and patches) between two flushes, so a pass over 10,000 pods
 *   writes a bounded number of events; the rest are counted as dropped.
 * - Never in the way: `record()` queues and returns; writes run a few at a time in the background, and a failed
 *   write is logged and counted, never thrown.
 */
import { CoreV1Api, type CoreV1Event, type KubeConfig, PatchStrategy } from "@kubernetes/client-node";
import { type Clock, systemClock } from "../core/clock.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { waitAtMost } from "../core/wait-at-most.js";
import { kubeCallOptions } from "./call-options.js";
import {
  type ClusterEvent,
  type EventRecorder,
  type EventRecorderStats,
  type EventSubject,
  emptyEventStats,
} from "./events.js";

/** Options of {@link KubeEventRecorder}. */
export interface KubeEventRecorderOptions {
  kubeConfig: KubeConfig;
  /** Time of the events. @default systemClock */
  clock?: Clock;
  /** Where failed writes are reported. @default silent */
  logger?: Logger;
  /** `source.component` and `reportingComponent`. @default "stevedore" */
  component?: string;
  /** A repeat less than this long after the previous one bumps the same event. @default 600000 (10 min) */
  dedupeWindowMs?: number;
  /** Shortest time between two count bumps of one event. @default 120000 */
  patchIntervalMs?: number;
  /** Most writes between two flushes (one controller invocation). @default 100 */
  maxWritesPerFlush?: number;
  /** Writes in flight at once. @default 4 */
  concurrency?: number;
  /** Most events remembered for de-duplication (oldest forgotten first). @default 5000 */
  maxTracked?: number;
  /** Per-write timeout. @default 5000 */
  requestTimeoutMs?: number;
  /** Longest `flush()` waits; writes still queued then are dropped (those in flight finish on their own). @default 5000 */
  flushTimeoutMs?: number;
}

/** Longest message stored (the events.k8s.io `note` limit). */
const MAX_MESSAGE_LENGTH = 1024;

/** One distinct event seen recently. */
interface Tracked {
  namespace: string;
  /** The stored Event's name, once created. */
  name?: string;
  count: number;
  writtenCount: number;
  firstAt: number;
  lastAt: number;
  lastWriteAt: number;
}

function keyOf(e: ClusterEvent): string {
  const s = e.subject;
  return JSON.stringify([s.kind, s.namespace ?? "", s.name, s.uid ?? "", e.type, e.reason, e.message]);
}

/** Writes core/v1 Events for the controllers. */
export class KubeEventRecorder implements EventRecorder {
  private readonly core: CoreV1Api;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly opts: Required<Omit<KubeEventRecorderOptions, "kubeConfig" | "clock" | "logger">>;
  private readonly tracked = new Map<string, Tracked>();
  private readonly queue: (() => Promise<void>)[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private stats = emptyEventStats();
  private writes = 0;
  private sequence = 0;

  constructor(options: KubeEventRecorderOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.opts = {
      component: options.component ?? "stevedore",
      dedupeWindowMs: options.dedupeWindowMs ?? 600_000,
      patchIntervalMs: options.patchIntervalMs ?? 120_000,
      maxWritesPerFlush: options.maxWritesPerFlush ?? 100,
      concurrency: options.concurrency ?? 4,
      maxTracked: options.maxTracked ?? 5000,
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      flushTimeoutMs: options.flushTimeoutMs ?? 5000,
    };
  }

  record(event: ClusterEvent): void {
    try {
      this.recordOne(event);
    } catch (err) {
      this.stats.failed++;
      this.logger.warn("event not recorded", { reason: event.reason, error: String(err) });
    }
  }

  async flush(): Promise<EventRecorderStats> {
    const now = this.clock.now();
    for (const t of this.tracked.values()) {
      if (t.name === undefined || t.count === t.writtenCount) continue;
      if (now - t.lastWriteAt < this.opts.patchIntervalMs) continue;
      if (!this.admitWrite()) break;
      this.enqueue(() => this.bump(t));
    }
    if (!(await waitAtMost(this.drain(), this.opts.flushTimeoutMs))) {
      this.stats.dropped += this.queue.length;
      this.logger.warn("event writes still queued at the flush deadline; dropped", { dropped: this.queue.length });
      this.queue.length = 0;
    }
    const out = this.stats;
    this.stats = emptyEventStats();
    this.writes = 0;
    return out;
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.queue.length > 0) await Promise.all([...this.inFlight]);
  }

  private recordOne(event: ClusterEvent): void {
    const now = this.clock.now();
    const key = keyOf(event);
    const seen = this.tracked.get(key);
    if (seen && now - seen.lastAt < this.opts.dedupeWindowMs) {
      seen.count++;
      seen.lastAt = now;
      this.stats.deduplicated++;
      return;
    }
    if (!this.admitWrite()) {
      this.stats.dropped++;
      return;
    }
    const t: Tracked = {
      namespace: event.subject.namespace ?? "default",
      count: 1,
      writtenCount: 0,
      firstAt: now,
      lastAt: now,
      lastWriteAt: now,
    };
    this.tracked.delete(key);
    this.tracked.set(key, t);
    this.forgetOldest();
    this.enqueue(() =>
      this.create(event, t).catch((err: unknown) => {
        if (this.tracked.get(key) === t) this.tracked.delete(key); // a later repeat tries again
        throw err;
      }),
    );
  }

  private admitWrite(): boolean {
    if (this.writes >= this.opts.maxWritesPerFlush) return false;
    this.writes++;
    return true;
  }

  private forgetOldest(): void {
    for (const key of this.tracked.keys()) {
      if (this.tracked.size <= this.opts.maxTracked) return;
      this.tracked.delete(key);
    }
  }

  private enqueue(write: () => Promise<void>): void {
    this.queue.push(write);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight.size < this.opts.concurrency && this.queue.length > 0) {
      const write = this.queue.shift() as () => Promise<void>;
      const running: Promise<void> = write()
        .catch((err: unknown) => {
          this.stats.failed++;
          this.logger.warn("event write failed", { error: String(err) });
        })
        .finally(() => {
          this.inFlight.delete(running);
          this.pump();
        });
      this.inFlight.add(running);
    }
  }

  private eventName(subject: EventSubject, now: number): string {
    this.sequence = (this.sequence + 1) % 0x10000;
    return `${subject.name}.${now.toString(16)}${this.sequence.toString(16).padStart(4, "0")}`;
  }

  private async create(event: ClusterEvent, t: Tracked): Promise<void> {
    const at = new Date(t.firstAt);
    const name = this.eventName(event.subject, t.firstAt);
    const count = t.count;
    const body: CoreV1Event = {
      metadata: { name, namespace: t.namespace },
      involvedObject: {
        apiVersion: "v1",
        kind: event.subject.kind,
        name: event.subject.name,
        ...(event.subject.namespace ? { namespace: event.subject.namespace } : {}),
        ...(event.subject.uid ? { uid: event.subject.uid } : {}),
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, MAX_MESSAGE_LENGTH),
      source: { component: this.opts.component },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.component,
      firstTimestamp: at,
      lastTimestamp: new Date(t.lastAt),
      count,
    };
    await this.core.createNamespacedEvent(
      { namespace: t.namespace, body },
      kubeCallOptions(this.opts.requestTimeoutMs),
    );
    t.name = name;
    t.writtenCount = count;
    this.stats.created++;
  }

  private async bump(t: Tracked): Promise<void> {
    const count = t.count;
    const body = { count, lastTimestamp: new Date(t.lastAt).toISOString() };
    await this.core.patchNamespacedEvent(
      { name: t.name as string, namespace: t.namespace, body },
      kubeCallOptions(this.opts.requestTimeoutMs, PatchStrategy.MergePatch),
    );
    t.writtenCount = count;
    t.lastWriteAt = this.clock.now();
    this.stats.updated++;
  }
}
