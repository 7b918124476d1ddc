/**
 * An asynchronous Lambda invoke (`InvocationType: "Event"`) of a function with reserved concurrency 1, as the
 * watcher's trigger of the provisioner meets it: the event is accepted at once; it runs now when the function is
 * free; when the function is busy, Lambda keeps the throttled event and retries it, and the twin runs it as soon as
 * the running invocation ends. Events that arrive while one already waits add nothing (the waiting invocation will
 * see what they saw), and a waiting event older than the maximum event age is dropped.
 */
import type { Clock } from "../../core/clock.js";
import type { TwinEventBus, TwinFunction } from "../event-bus.js";

/** What the invoker did. */
export interface AsyncInvokeStats {
  /** Events accepted (every call). */
  accepted: number;
  /** Events that started an invocation at once. */
  startedAtOnce: number;
  /** Events that waited for the running invocation and then started one. */
  startedLater: number;
  /** Events merged into the one already waiting. */
  merged: number;
  /** Waiting events dropped because they grew older than the maximum event age (or the run ended). */
  dropped: number;
}

/** Asynchronous invokes of one function on the twin's bus. */
export class AsyncInvoker {
  readonly stats: AsyncInvokeStats = { accepted: 0, startedAtOnce: 0, startedLater: 0, merged: 0, dropped: 0 };
  /** When the waiting event was accepted; undefined when none waits. */
  private waitingSince: number | undefined;

  constructor(
    private readonly bus: TwinEventBus,
    private readonly clock: Clock,
    private readonly name: string,
    private readonly fn: TwinFunction,
    /** Lambda's maximum event age for this function. @default 60000 */
    private readonly maxEventAgeMs = 60_000,
  ) {}

  /** Accepts one event: starts the function now, or keeps (at most) one event for when it is free. */
  invoke(): void {
    this.stats.accepted++;
    if (this.waitingSince !== undefined) {
      this.stats.merged++;
      return;
    }
    if (!this.bus.stopped && this.bus.invoke(this.name, this.fn)) {
      this.stats.startedAtOnce++;
      return;
    }
    this.waitingSince = this.clock.now();
    void this.retryWhenFree();
  }

  private async retryWhenFree(): Promise<void> {
    while (this.waitingSince !== undefined) {
      await this.bus.whenIdle(this.name);
      if (this.bus.stopped || this.clock.now() - this.waitingSince > this.maxEventAgeMs) {
        this.stats.dropped++;
        this.waitingSince = undefined;
        return;
      }
      if (this.bus.invoke(this.name, this.fn)) {
        this.stats.startedLater++;
        this.waitingSince = undefined;
      }
    }
  }
}
