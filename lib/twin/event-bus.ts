/**
 * The twin's EventBridge and SQS: scheduled rules invoke functions at the same `rate(...)` expressions the CDK stack
 * deploys, and emulator events that match the stack's interruption rules (the same patterns, one source of truth)
 * go to a queue that a poller delivers to the interruption function in batches, as a Lambda event source mapping
 * does. Functions have reserved concurrency 1 (the watcher 2): a scheduled invocation that finds the function at
 * its concurrency is dropped (throttled, with no async retry — the stack sets retry attempts to 0).
 */
import { randomUUID } from "node:crypto";
import {
  INTERRUPTION_EVENT_PATTERNS,
  matchesEventPattern,
  scheduleIntervalSeconds,
} from "../cloud/aws/event-patterns.js";
import type { Clock } from "../core/clock.js";

/** One SQS message as the interruption function receives it. */
export interface QueueMessage {
  messageId: string;
  body: string;
}

/** A function the bus invokes; a rejection is a crashed invocation (logged by the caller's `onError`). */
export type TwinFunction = () => Promise<void>;

/** Counters of what the bus did. */
export interface BusStats {
  invocations: Record<string, number>;
  throttled: Record<string, number>;
  crashed: Record<string, number>;
  eventsMatched: number;
  eventsIgnored: number;
}

/** The event bus of one twin run. */
export class TwinEventBus {
  private readonly running = new Map<string, Set<Promise<void>>>();
  private readonly queue: QueueMessage[] = [];
  private halted = false;
  readonly stats: BusStats = { invocations: {}, throttled: {}, crashed: {}, eventsMatched: 0, eventsIgnored: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly onError: (fn: string, err: unknown) => void,
  ) {}

  /**
   * Invokes `fn` now unless `concurrency` invocations of `name` are still running (then it is throttled and
   * dropped). Returns whether it started.
   */
  invoke(name: string, fn: TwinFunction, concurrency = 1): boolean {
    const running = this.running.get(name) ?? new Set<Promise<void>>();
    if (running.size >= concurrency) {
      this.stats.throttled[name] = (this.stats.throttled[name] ?? 0) + 1;
      return false;
    }
    this.stats.invocations[name] = (this.stats.invocations[name] ?? 0) + 1;
    const p: Promise<void> = fn()
      .catch((err) => {
        this.stats.crashed[name] = (this.stats.crashed[name] ?? 0) + 1;
        this.onError(name, err);
      })
      .finally(() => {
        running.delete(p);
        if (running.size === 0) this.running.delete(name);
      });
    running.add(p);
    this.running.set(name, running);
    return true;
  }

  /** Settles when no invocation of `name` runs any more (at once when none does). */
  async whenIdle(name: string): Promise<void> {
    for (let r = this.running.get(name); r && r.size > 0; r = this.running.get(name)) await Promise.all([...r]);
  }

  /**
   * Runs `fn` on a `rate(...)` schedule until {@link stop}; the first run is one interval after start, or at once
   * with `runAtStart` (a function of a stack deployed before the scenario began, already on its schedule).
   * `concurrency` is the function's reserved concurrency (default 1).
   */
  schedule(
    name: string,
    expression: string,
    fn: TwinFunction,
    opts: { runAtStart?: boolean; concurrency?: number } = {},
  ): Promise<void> {
    const intervalMs = scheduleIntervalSeconds(expression) * 1000;
    const concurrency = opts.concurrency ?? 1;
    return (async () => {
      if (opts.runAtStart && !this.halted) this.invoke(name, fn, concurrency);
      while (!this.halted) {
        await this.clock.sleep(intervalMs);
        if (this.halted) break;
        this.invoke(name, fn, concurrency);
      }
    })();
  }

  /** Routes an event through the interruption rules; matching ones are enqueued. Returns whether it matched. */
  publish(event: unknown): boolean {
    const matched = INTERRUPTION_EVENT_PATTERNS.some((rule) => matchesEventPattern(rule.pattern, event));
    if (!matched) {
      this.stats.eventsIgnored++;
      return false;
    }
    this.stats.eventsMatched++;
    this.queue.push({ messageId: randomUUID(), body: JSON.stringify(event) });
    return true;
  }

  /** Messages waiting in the queue. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Polls the queue every `pollMs` and delivers up to `batchSize` messages to `handler`; messages it reports as
   * failed (partial batch response) go back to the queue.
   */
  poll(
    name: string,
    handler: (messages: QueueMessage[]) => Promise<{ failed: string[] }>,
    opts: { pollMs?: number; batchSize?: number } = {},
  ): Promise<void> {
    const pollMs = opts.pollMs ?? 1000;
    const batchSize = opts.batchSize ?? 10;
    return (async () => {
      while (!this.halted) {
        if (this.queue.length > 0 && !this.running.has(name)) {
          const batch = this.queue.splice(0, batchSize);
          this.invoke(name, async () => {
            let failed: string[] = batch.map((m) => m.messageId);
            try {
              failed = (await handler(batch)).failed;
            } finally {
              this.queue.push(...batch.filter((m) => failed.includes(m.messageId)));
            }
          });
        }
        await this.clock.sleep(pollMs);
      }
    })();
  }

  /** Stops schedules and polling; running invocations finish on their own. */
  stop(): void {
    this.halted = true;
  }

  /** Whether {@link stop} was called: nothing new should start. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Waits for every running invocation. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].flatMap((r) => [...r]));
  }

  /** Names of functions running now. */
  runningFunctions(): string[] {
    return [...this.running.keys()];
  }
}
