/**
 * Batches pod triggers like Karpenter's provisioner: after the first trigger, keep collecting while new distinct
 * pods keep arriving within the idle window (1 s), but never longer than the max window (10 s). Time is the
 * injected clock's, so the twin and tests run it on virtual time.
 */
import type { Clock } from "../core/clock.js";

/** Batching windows. */
export interface BatcherOptions {
  /** @default 1000 */
  idleMs?: number;
  /** @default 10000 */
  maxMs?: number;
  /** How often the clock is polled while waiting. @default 100 */
  pollMs?: number;
}

/** Collects triggers (pod uids) and tells when a batch is ready. */
export class PodBatcher {
  private readonly seen = new Set<string>();
  private firstAt: number | undefined;
  private lastAt: number | undefined;
  private readonly idleMs: number;
  private readonly maxMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly clock: Clock,
    opts: BatcherOptions = {},
  ) {
    this.idleMs = opts.idleMs ?? 1000;
    this.maxMs = opts.maxMs ?? 10_000;
    this.pollMs = opts.pollMs ?? 100;
  }

  /** Records a trigger; a uid already in the current batch does not extend it. */
  trigger(uid: string): void {
    if (this.seen.has(uid)) return;
    this.seen.add(uid);
    const now = this.clock.now();
    this.firstAt ??= now;
    this.lastAt = now;
  }

  /** Number of distinct triggers in the current batch. */
  get size(): number {
    return this.seen.size;
  }

  /**
   * Waits until a batch is ready (idle or max window reached after the first trigger), or until `until` (clock
   * time). Returns true when a batch closed, false on timeout with nothing collected. The batch is reset.
   */
  async wait(until: number): Promise<boolean> {
    for (;;) {
      const now = this.clock.now();
      if (this.firstAt !== undefined && this.lastAt !== undefined) {
        if (now - this.lastAt >= this.idleMs || now - this.firstAt >= this.maxMs || now >= until) {
          this.reset();
          return true;
        }
      } else if (now >= until) {
        return false;
      }
      await this.clock.sleep(Math.max(1, Math.min(this.pollMs, until - now)));
    }
  }

  private reset(): void {
    this.seen.clear();
    this.firstAt = undefined;
    this.lastAt = undefined;
  }
}
