/**
 * Charges a controller invocation's computation to virtual time. The virtual clock only moves while nothing is in
 * flight, so without this a solve that takes a second of CPU would take no virtual time at all. The meter measures
 * the CPU of the invocation's own stretches of synchronous work — from the moment an adapter call or a sleep
 * returns until the next one starts — and, when charging, makes the invocation wait that long on the virtual clock
 * before its next call goes out (or sleeps that much longer), as a slower Lambda would. The client-side work inside
 * an adapter call (serialising, parsing) is not separated from the twin servers' work there and is not charged.
 */
import { memoryUsage } from "node:process";
import type { Clock } from "../core/clock.js";

/** Debt below this many ms waits for the next call rather than costing a clock step of its own. */
const MIN_CHARGE_MS = 1;

/** What one invocation used. */
export interface InvocationUsage {
  /** CPU ms of the invocation's own synchronous work. */
  cpuMs: number;
  /** The process's largest heap in use (MB) seen while the invocation ran: the twin's own heap is included. */
  heapMb: number;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Meters one invocation; wrap its adapters and clock with it. */
export class InvocationMeter {
  private inFlight = 0;
  private runningSince: number | undefined;
  private cpuUs = 0;
  private debtUs = 0;
  private heapBytes = 0;

  /** @param charge whether measured CPU is charged to `clock` (otherwise it is only measured). */
  constructor(
    private readonly clock: Clock,
    private readonly charge: boolean,
  ) {
    this.runningSince = cpuMicros();
    this.sampleHeap();
  }

  private sampleHeap(): void {
    this.heapBytes = Math.max(this.heapBytes, memoryUsage().heapUsed);
  }

  /** The invocation stops running: it awaits a call or a sleep. */
  private suspend(): void {
    if (this.inFlight++ > 0 || this.runningSince === undefined) return;
    const used = cpuMicros() - this.runningSince;
    this.runningSince = undefined;
    this.cpuUs += used;
    if (this.charge) this.debtUs += used;
    if (used >= 1_000) this.sampleHeap();
  }

  /** A call or sleep returned: the invocation runs again once nothing else of it is in flight. */
  private resume(): void {
    if (--this.inFlight === 0) this.runningSince = cpuMicros();
  }

  /** Whole ms of debt to pay now (and forgets them), or 0 while the debt is below {@link MIN_CHARGE_MS}. */
  private takeDebtMs(): number {
    const ms = Math.floor(this.debtUs / 1_000);
    if (ms < MIN_CHARGE_MS) return 0;
    this.debtUs -= ms * 1_000;
    return ms;
  }

  /** The clock as the invocation sees it: sleeps are metered and pay the debt. */
  wrapClock(): Clock {
    return {
      now: () => this.clock.now(),
      sleep: (ms) => {
        this.suspend();
        return this.clock.sleep(ms + this.takeDebtMs()).finally(() => this.resume());
      },
    };
  }

  /**
   * `target` with every method metered. The debt is paid before an async method's call goes out (so the call takes
   * effect when the computation would have ended); a method that is not async pays it after its promise settles,
   * and a synchronous result carries the debt on to the next call.
   */
  wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (obj, prop, receiver) => {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== "function") return value;
        const method = value as (...a: unknown[]) => unknown;
        const isAsync = (method as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === "AsyncFunction";
        return (...args: unknown[]) => {
          this.suspend();
          if (isAsync) {
            const debt = this.takeDebtMs();
            const call =
              debt > 0 ? this.clock.sleep(debt).then(() => method.apply(obj, args)) : method.apply(obj, args);
            return (call as Promise<unknown>).finally(() => this.resume());
          }
          let result: unknown;
          try {
            result = method.apply(obj, args);
          } catch (err) {
            this.resume();
            throw err;
          }
          if (!(result instanceof Promise)) {
            this.resume();
            return result;
          }
          return result
            .finally(() => {
              const debt = this.takeDebtMs();
              return debt > 0 ? this.clock.sleep(debt) : undefined;
            })
            .finally(() => this.resume());
        };
      },
    });
  }

  /** Ends the metering; returns what the invocation used. */
  finish(): InvocationUsage {
    if (this.inFlight === 0 && this.runningSince !== undefined) this.cpuUs += cpuMicros() - this.runningSince;
    this.runningSince = undefined;
    this.sampleHeap();
    return { cpuMs: this.cpuUs / 1_000, heapMb: this.heapBytes / 2 ** 20 };
  }
}
