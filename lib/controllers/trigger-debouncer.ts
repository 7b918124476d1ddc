/**
 * Debounces the watcher's events into provisioner triggers: after the first event, wait until no new one has come
 * for the idle window (100 ms) but never longer than the max window (1 s) after the first; and start at most one
 * trigger per minimum interval (1 s). Events of both reasons share one batch (the provisioner runs the same burst
 * for either); the batch's reason is `pods` when any pod asked. Time is passed in, so the watcher can run it on
 * a virtual clock.
 */
import type { TriggerReason } from "../cloud/provisioner-trigger.js";

/** Debouncing windows. */
export interface DebounceWindows {
  /** Quiet time after the last event that closes a batch. @default 100 */
  idleMs?: number;
  /** Longest a batch stays open after its first event. @default 1000 */
  maxMs?: number;
  /** Least time between the starts of two triggers (and before retrying a failed one). @default 1000 */
  minIntervalMs?: number;
}

/** One closed batch: what a trigger says. */
export interface TriggerBatch {
  reason: TriggerReason;
  /** Events in the batch. */
  count: number;
}

/** Collects events and tells when the next trigger is due. */
export class TriggerDebouncer {
  private pods = 0;
  private nodes = 0;
  private firstAt: number | undefined;
  private lastAt: number | undefined;
  private nextAllowedAt = Number.NEGATIVE_INFINITY;
  private readonly idleMs: number;
  private readonly maxMs: number;
  private readonly minIntervalMs: number;

  constructor(windows: DebounceWindows = {}) {
    this.idleMs = windows.idleMs ?? 100;
    this.maxMs = windows.maxMs ?? 1000;
    this.minIntervalMs = windows.minIntervalMs ?? 1000;
  }

  /** Records one event at `now`. */
  note(reason: TriggerReason, now: number): void {
    if (reason === "pods") this.pods++;
    else this.nodes++;
    this.firstAt ??= now;
    this.lastAt = now;
  }

  /** Whether events wait for a trigger. */
  get pending(): boolean {
    return this.firstAt !== undefined;
  }

  /** When the pending batch may be triggered; undefined when nothing waits. */
  dueAt(): number | undefined {
    if (this.firstAt === undefined || this.lastAt === undefined) return undefined;
    const closes = Math.min(this.lastAt + this.idleMs, this.firstAt + this.maxMs);
    return Math.max(closes, this.nextAllowedAt);
  }

  /** Takes the due batch at `now` (undefined when none is due) and starts the minimum interval. */
  take(now: number): TriggerBatch | undefined {
    const due = this.dueAt();
    if (due === undefined || due > now) return undefined;
    const batch: TriggerBatch =
      this.pods > 0 ? { reason: "pods", count: this.pods + this.nodes } : { reason: "nodes", count: this.nodes };
    this.pods = 0;
    this.nodes = 0;
    this.firstAt = undefined;
    this.lastAt = undefined;
    this.nextAllowedAt = now + this.minIntervalMs;
    return batch;
  }

  /**
   * Puts back a batch whose trigger was refused or failed: it is due again once the minimum interval has passed
   * and at least `retryAfterMs` after `now`, together with whatever came meanwhile.
   */
  restore(batch: TriggerBatch, now: number, retryAfterMs = 0): void {
    this.nextAllowedAt = Math.max(this.nextAllowedAt, now + retryAfterMs);
    if (batch.reason === "pods") this.pods += batch.count;
    else this.nodes += batch.count;
    this.firstAt = Math.min(this.firstAt ?? now, now - this.maxMs);
    this.lastAt ??= now;
  }
}
