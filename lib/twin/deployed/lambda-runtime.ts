/**
 * The Lambda service of the deployed mode: per function, a pool of execution environments (a warm idle one is
 * reused, else a new one starts cold), concurrency capped by reserved concurrency (an invocation over the cap is
 * throttled), and the two invocation types:
 *
 * - synchronous (`invoke`, as an event source mapping does): a throttle is returned to the caller;
 * - asynchronous (`invokeAsync`, as EventBridge does): a throttled event is retried with backoff until it is older
 *   than the function's maximum event age, and a failed one is retried up to its maximum retry attempts; an event
 *   given up on goes where the function sends failed events (`onAsyncFailure`: its dead-letter queue or on-failure
 *   destination), else it is dropped.
 *
 * Every invocation is billed as Lambda bills it — duration rounded up to the millisecond, times the memory in GB —
 * with the duration made honest for the twin, whose virtual clock stands still while a function computes and
 * while its requests are served ({@link billedDurationMs}):
 *
 * `billed = virtual duration + cpuMs × max(1, 1769 / memoryMb) + requests × ROUND_TRIP_MS`
 *
 * Two model assumptions: Lambda allots CPU in proportion to memory, one full vCPU at 1,769 MB, and the twin's core
 * stands in for one vCPU ({@link FULL_VCPU_MEMORY_MB}); every AWS or Kubernetes call from inside the region takes
 * {@link ROUND_TRIP_MS} of waiting (a watch stream counts once, when it opens).
 */
import { randomUUID } from "node:crypto";
import { type Clock, systemClock } from "../../core/clock.js";
import type { VirtualClock } from "../virtual-clock.js";
import { ExecutionEnvironment, type InvocationOutcome } from "./execution-environment.js";
import type { DeployedFunction } from "./template-model.js";

/** Memory at which Lambda allots one full vCPU; less memory gets a proportional share (model assumption). */
export const FULL_VCPU_MEMORY_MB = 1769;

/** The twin's limit of execution environments (processes) per function ({@link LambdaRuntimeOptions}). */
export const TWIN_ENVIRONMENTS_PER_FUNCTION = 16;

/** Waiting billed per outbound request: one AWS or Kubernetes round trip inside the region (model assumption). */
export const ROUND_TRIP_MS = 10;

/** The duration Lambda would bill for an invocation that took `durationMs` of virtual time, rounded up to 1 ms. */
export function billedDurationMs(o: { durationMs: number; cpuMs: number; requests: number }, memoryMb: number): number {
  const cpuSlowdown = Math.max(1, FULL_VCPU_MEMORY_MB / memoryMb);
  return Math.max(1, Math.ceil(o.durationMs + o.cpuMs * cpuSlowdown + o.requests * ROUND_TRIP_MS));
}

/** Counters per function (`lambda.<function>.*` in the twin's report). */
export interface FunctionMetrics {
  invocations: number;
  coldStarts: number;
  timeouts: number;
  errors: number;
  throttles: number;
  /** Invocations that waited for one of the twin's environments ({@link LambdaRuntimeOptions.environmentsPerFunction}). */
  environmentWaits: number;
  /** Async events dropped: older than the maximum event age, or out of retries. */
  droppedEvents: number;
  /** Sum of billed durations ({@link billedDurationMs}). */
  billedMs: number;
  gbSeconds: number;
  /** Virtual duration of each invocation (what the clock saw, without the CPU and round-trip charges). */
  durationsMs: number[];
  /** CPU time the environments reported, ms (unscaled). */
  cpuMs: number;
  /** Outbound requests the environments reported. */
  requests: number;
  /** Largest CPU time of one invocation, ms (unscaled). */
  cpuMsMax: number;
  /** Largest virtual duration of one invocation, ms. */
  durationMsMax: number;
  /** Largest peak V8 used heap of one invocation, MB. */
  heapMbMax: number;
  /** Largest resident set an environment reached, MB. */
  rssMbMax: number;
}

/** The result of a synchronous invoke. */
export type InvokeResult = InvocationOutcome | { status: "throttled" };

/** Settings of {@link LambdaRuntime}. */
export interface LambdaRuntimeOptions {
  /** Variables every environment gets on top of the template's (endpoints, credentials per role). */
  extraEnv: (fn: DeployedFunction) => Record<string, string>;
  /** Function timeout in ms instead of the template's (tests). @default the template's */
  timeoutMs?: (fn: DeployedFunction) => number | undefined;
  /** Concurrency when the function reserves none (the account's unreserved pool). @default 1000 */
  unreservedConcurrency?: number;
  /**
   * The twin's own limit (not Lambda's): execution environments one function runs at once. An invocation beyond it
   * is not throttled; it waits for a running one to end (counted in `environmentWaits`), so a burst of events that
   * Lambda would run on hundreds of environments does not start hundreds of `node` processes on one machine. Each
   * waiting invocation then reuses a warm environment, so the twin bills fewer cold starts than Lambda would.
   * @default {@link TWIN_ENVIRONMENTS_PER_FUNCTION}
   */
  environmentsPerFunction?: number;
  /** Where environments' stdout/stderr lines go. @default dropped */
  onOutput?: (fn: string, line: string) => void;
  /** First retry delay of a throttled or failed async event, ms (doubles up to 5 minutes). @default 1000 */
  asyncRetryBaseMs?: number;
  /**
   * The twin's virtual clock: environments run with the virtual-time preload, timeouts, retries and event ages are
   * virtual. @default the wall clock
   */
  clock?: VirtualClock;
  /**
   * An async event was given up on (out of retries, or older than the maximum event age): Lambda sends it to the
   * function's dead-letter queue or on-failure destination. @default dropped
   */
  onAsyncFailure?: (fn: DeployedFunction, event: unknown, failure: AsyncFailure) => Promise<void> | void;
}

/** Why Lambda gave up on an async event, and the last outcome. */
export interface AsyncFailure {
  condition: "RetriesExhausted" | "EventAgeExceeded";
  /** Invocations that ran (throttles not counted). */
  attempts: number;
  /** The last invocation's outcome, if one ran. */
  last?: InvocationOutcome;
}

interface FunctionPool {
  fn: DeployedFunction;
  idle: ExecutionEnvironment[];
  busy: Set<ExecutionEnvironment>;
  /** Invocations waiting for an environment, first in first out. */
  waiting: (() => void)[];
  metrics: FunctionMetrics;
}

/** Metrics of a function that has not run. */
export const newFunctionMetrics = (): FunctionMetrics => ({
  invocations: 0,
  coldStarts: 0,
  timeouts: 0,
  errors: 0,
  throttles: 0,
  environmentWaits: 0,
  droppedEvents: 0,
  billedMs: 0,
  gbSeconds: 0,
  durationsMs: [],
  cpuMs: 0,
  requests: 0,
  cpuMsMax: 0,
  durationMsMax: 0,
  heapMbMax: 0,
  rssMbMax: 0,
});

/** Runs deployed functions. */
export class LambdaRuntime {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly pendingAsync = new Set<Promise<void>>();
  private closed = false;
  private readonly clock: Clock;
  /** Holds the clock while a poke waits for the end of the turn. */
  private pokeHold: (() => void) | undefined;

  constructor(
    functions: DeployedFunction[],
    private readonly opts: LambdaRuntimeOptions,
  ) {
    for (const fn of functions)
      this.pools.set(fn.arn, { fn, idle: [], busy: new Set(), waiting: [], metrics: newFunctionMetrics() });
    this.clock = opts.clock ?? systemClock;
  }

  /** Invocations running now, over every function. */
  get running(): number {
    return [...this.pools.values()].reduce((n, p) => n + p.busy.size, 0);
  }

  /** The function with this ARN or short name. */
  function(arnOrName: string): DeployedFunction {
    return this.pool(arnOrName).fn;
  }

  /** Metrics by function short name. */
  metrics(): Record<string, FunctionMetrics> {
    return Object.fromEntries([...this.pools.values()].map((p) => [p.fn.name, p.metrics]));
  }

  /**
   * Data was written to a stream a running invocation may read (a watch): see {@link ExecutionEnvironment.poke}.
   * The chunks written in one event-loop turn share one poke (the clock is held until it is sent).
   */
  poke(): void {
    if (this.pokeHold) return;
    this.pokeHold = this.opts.clock?.activity.begin() ?? (() => {});
    setImmediate(() => {
      const release = this.pokeHold;
      this.pokeHold = undefined;
      for (const pool of this.pools.values()) for (const env of pool.busy) env.poke();
      release?.();
    });
  }

  /** Synchronous invoke. */
  async invoke(arnOrName: string, event: unknown): Promise<InvokeResult> {
    const pool = this.pool(arnOrName);
    const limit = pool.fn.reservedConcurrency ?? this.opts.unreservedConcurrency ?? 1000;
    if (this.closed || pool.busy.size >= limit) {
      pool.metrics.throttles++;
      return { status: "throttled" };
    }
    const cap = this.opts.environmentsPerFunction ?? TWIN_ENVIRONMENTS_PER_FUNCTION;
    if (pool.busy.size + pool.waiting.length >= cap) {
      pool.metrics.environmentWaits++;
      await new Promise<void>((resolve) => pool.waiting.push(resolve));
      if (this.closed) return { status: "throttled" };
    }
    const env =
      pool.idle.pop() ??
      new ExecutionEnvironment(pool.fn, this.opts.extraEnv(pool.fn), this.opts.onOutput, this.opts.clock);
    pool.busy.add(env);
    const timeoutMs = this.opts.timeoutMs?.(pool.fn) ?? pool.fn.timeoutSeconds * 1000;
    const outcome = await env.invoke(event, randomUUID(), timeoutMs);
    pool.busy.delete(env);
    this.record(pool, outcome);
    if (env.dead || this.closed) env.dispose();
    else pool.idle.push(env);
    pool.waiting.shift()?.();
    return outcome;
  }

  /** Asynchronous invoke: returns at once; throttles and failures are retried per the function's settings. */
  invokeAsync(arnOrName: string, event: unknown): void {
    const pool = this.pool(arnOrName);
    const p = this.deliverAsync(pool, event, this.clock.now()).finally(() => this.pendingAsync.delete(p));
    this.pendingAsync.add(p);
  }

  /** Waits for every async event in flight (delivered, retried or dropped). */
  async drain(): Promise<void> {
    while (this.pendingAsync.size > 0) await Promise.all([...this.pendingAsync]);
  }

  /** Stops accepting invocations, waits for async ones and kills every environment. */
  async close(): Promise<void> {
    this.closed = true;
    // On a virtual clock, retries wait on timers nobody advances any more: they are dropped with the environments.
    if (!this.opts.clock) await this.drain();
    for (const pool of this.pools.values()) {
      for (const release of pool.waiting.splice(0)) release();
      for (const env of [...pool.idle, ...pool.busy]) env.dispose();
      pool.idle = [];
    }
  }

  private async deliverAsync(pool: FunctionPool, event: unknown, enqueuedAt: number): Promise<void> {
    let delay = this.opts.asyncRetryBaseMs ?? 1000;
    let failures = 0;
    let last: InvocationOutcome | undefined;
    let condition: AsyncFailure["condition"] = "EventAgeExceeded";
    while (!this.closed) {
      if (this.clock.now() - enqueuedAt > pool.fn.maxEventAgeSeconds * 1000) break;
      const r = await this.invoke(pool.fn.arn, event);
      if (r.status === "ok") return;
      if (r.status !== "throttled") {
        last = r;
        if (++failures > pool.fn.maxRetryAttempts) {
          condition = "RetriesExhausted";
          break;
        }
      }
      await this.clock.sleep(delay);
      delay = Math.min(delay * 2, 300_000);
    }
    pool.metrics.droppedEvents++;
    if (!this.closed)
      await this.opts.onAsyncFailure?.(pool.fn, event, { condition, attempts: failures, ...(last ? { last } : {}) });
  }

  private record(pool: FunctionPool, o: InvocationOutcome): void {
    const m = pool.metrics;
    m.invocations++;
    if (o.cold) m.coldStarts++;
    if (o.status === "timeout") m.timeouts++;
    if (o.status === "error" || o.status === "crash") m.errors++;
    const billed = billedDurationMs(o, pool.fn.memoryMb);
    m.billedMs += billed;
    m.cpuMs += o.cpuMs;
    m.requests += o.requests;
    m.gbSeconds += (billed / 1000) * (pool.fn.memoryMb / 1024);
    m.durationsMs.push(o.durationMs);
    m.cpuMsMax = Math.max(m.cpuMsMax, o.cpuMs);
    m.durationMsMax = Math.max(m.durationMsMax, o.durationMs);
    m.heapMbMax = Math.max(m.heapMbMax, o.heapMb);
    m.rssMbMax = Math.max(m.rssMbMax, o.rssMb);
  }

  private pool(arnOrName: string): FunctionPool {
    const pool = this.pools.get(arnOrName) ?? [...this.pools.values()].find((p) => p.fn.name === arnOrName);
    if (!pool) throw new Error(`no deployed function ${arnOrName}`);
    return pool;
  }
}
