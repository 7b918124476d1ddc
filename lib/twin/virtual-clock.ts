/**
 * A discrete-event virtual clock for the digital twin. Code under simulation sleeps on it; the twin's driver
 * advances it, timer by timer, only when the system is quiescent (no request in flight on the twin's servers and
 * the event loop has gone quiet), so an hour of cluster life runs in seconds without racing ahead of the code.
 */
import type { Clock } from "../core/clock.js";

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/** Tracks work in flight (HTTP requests on twin servers) so the driver knows when the system is idle. */
export class ActivityTracker {
  private inFlight = 0;
  private lastChange = 0;

  /** Marks one unit of work started; returns a function that marks it done (idempotent). */
  begin(): () => void {
    this.inFlight++;
    this.lastChange++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      this.lastChange++;
    };
  }

  /** Number of units currently in flight. */
  get busy(): number {
    return this.inFlight;
  }

  /** A counter that changes whenever work starts or ends. */
  get generation(): number {
    return this.lastChange;
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Options of the virtual clock. */
export interface VirtualClockOptions {
  /** Virtual start time (ms since epoch). @default 2026-01-01T00:00:00Z */
  start?: number;
  /** Activity of the twin's servers. @default a private tracker */
  activity?: ActivityTracker;
  /** Quiet event-loop turns required before time may advance. @default 3 */
  quietTurns?: number;
}

/** The virtual clock. Implements the controllers' `Clock`. */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: Timer[] = [];
  private followsWallClock = false;
  private sleepsStarted = 0;
  readonly activity: ActivityTracker;
  private readonly quietTurns: number;

  constructor(opts: VirtualClockOptions = {}) {
    this.current = opts.start ?? Date.UTC(2026, 0, 1);
    this.activity = opts.activity ?? new ActivityTracker();
    this.quietTurns = opts.quietTurns ?? 3;
  }

  now(): number {
    if (this.followsWallClock) this.current = Math.max(this.current, Date.now());
    return this.current;
  }

  /**
   * From now on, time follows the wall clock (never going back): for a twin kept running after its scenario, whose
   * objects then age as real ones do. Timers still fire only through `advanceTo`.
   */
  followWallClock(): void {
    this.followsWallClock = true;
  }

  sleep(ms: number): Promise<void> {
    this.sleepsStarted++;
    return new Promise((resolve) => {
      this.insert({ at: this.current + Math.max(0, ms), seq: this.seq++, resolve });
    });
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.length;
  }

  /** The time of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    return this.timers[0]?.at;
  }

  private insert(t: Timer): void {
    // Timers are few (one per actor); keep them sorted by (at, seq) with a binary insertion.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.timers[mid];
      if (m.at < t.at || (m.at === t.at && m.seq < t.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, t);
  }

  /**
   * Waits until the system is quiescent: no tracked work in flight, no new sleeps or activity for
   * `quietTurns` consecutive event-loop turns. Gives up after `maxRealMs` of real time (returns false).
   */
  async settle(maxRealMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + maxRealMs;
    let quiet = 0;
    let lastGen = this.activity.generation;
    let lastSleeps = this.sleepsStarted;
    while (quiet < this.quietTurns) {
      if (Date.now() > deadline) return false;
      if (this.activity.busy > 0) {
        await realDelay(1);
        quiet = 0;
      } else {
        await turn();
      }
      const gen = this.activity.generation;
      if (this.activity.busy === 0 && gen === lastGen && this.sleepsStarted === lastSleeps) quiet++;
      else quiet = 0;
      lastGen = gen;
      lastSleeps = this.sleepsStarted;
    }
    return true;
  }

  /**
   * Advances virtual time to `target`, firing timers in order and letting the system settle after each one.
   * Time never jumps more than `maxStepMs` without a settle, so periodic work interleaves realistically.
   */
  async advanceTo(target: number, maxStepMs = 1_000): Promise<void> {
    await this.settle();
    while (this.current < target) {
      const next = this.timers[0];
      const stepEnd = Math.min(target, this.current + maxStepMs);
      if (next && next.at <= stepEnd) {
        this.current = Math.max(this.current, next.at);
        // Fire every timer due at this instant, in insertion order.
        while (this.timers.length > 0 && this.timers[0].at <= this.current) {
          const t = this.timers.shift() as Timer;
          t.resolve();
        }
      } else {
        this.current = stepEnd;
      }
      await this.settle();
    }
  }

  /** Advances by `ms`. */
  advance(ms: number, maxStepMs?: number): Promise<void> {
    return this.advanceTo(this.current + ms, maxStepMs);
  }
}
