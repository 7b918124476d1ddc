/**
 * Steps the disruptor the way it runs deployed: one scheduled invocation a minute (`DISRUPTOR_SCHEDULE`), each a
 * fresh `Disruptor` sharing one warm container's `memory`, on the harness's virtual clock. Between invocations the
 * clock moves on to the next scheduled start (instances boot, kubelets register, the scheduler binds), and `between`
 * runs there (another controller's invocation at that minute, say), until a condition holds or `max` invocations ran.
 *
 * ```ts
 * const run = await invokeDisruptor(h, { until: (r) => r.terminated.length > 0 });
 * assert.deepEqual(run.commands.map((c) => c.method), ["Emptiness"]);
 * ```
 */
import { DISRUPTOR_SCHEDULE, scheduleIntervalSeconds } from "../../lib/cloud/aws/event-patterns.js";
import type { ControllerDeps } from "../../lib/controllers/deps.js";
import {
  type DisruptionMemory,
  Disruptor,
  type DisruptorOptions,
  type DisruptorResult,
} from "../../lib/controllers/disruptor.js";
import { scheduledPassOptions } from "../../lib/controllers/disruptor-options.js";
import type { ControllerHarness } from "./controller-harness.js";

/** Milliseconds between scheduled disruptor invocations (a minute). */
export const DISRUPTOR_INTERVAL_MS = scheduleIntervalSeconds(DISRUPTOR_SCHEDULE) * 1000;

/** What the invocations did together: their results summed, each invocation's own, and how many ran. */
export interface DisruptorRun extends DisruptorResult {
  invocations: number;
  results: DisruptorResult[];
}

/** How to step the disruptor. */
export interface InvokeDisruptorOptions {
  /** The disruptor's options (not `memory`). @default as deployed in reaction seconds (`scheduledPassOptions`) */
  options?: Omit<DisruptorOptions, "memory">;
  /** The warm container's memory, shared by the invocations (pass one to keep it across calls). @default fresh */
  memory?: DisruptionMemory;
  /** Dependencies for each invocation. @default `h.deps()` */
  deps?: () => ControllerDeps;
  /**
   * Checked after each invocation on what ran so far; stepping stops once it holds.
   * @default the last invocation ended idle (nothing in progress, awaiting validation or planned)
   */
  until?: (run: DisruptorRun) => boolean | Promise<boolean>;
  /** Most invocations. @default 10 */
  max?: number;
  /** Runs after the clock moved to each next invocation's start, before it (e.g. a provisioner invocation). */
  between?: () => Promise<unknown>;
}

/** Runs scheduled disruptor invocations on `h`'s clock; see the file's description. */
export async function invokeDisruptor(h: ControllerHarness, opts: InvokeDisruptorOptions = {}): Promise<DisruptorRun> {
  const memory = opts.memory ?? {};
  const options = opts.options ?? scheduledPassOptions("seconds");
  const until = opts.until ?? ((r: DisruptorRun) => r.idle);
  const max = opts.max ?? 10;
  const run: DisruptorRun = {
    invocations: 0,
    results: [],
    passes: 0,
    deadlineStops: 0,
    simulations: 0,
    commands: [],
    terminated: [],
    repaired: [],
    idle: false,
  };
  for (;;) {
    const startedAt = h.clock.now();
    const r = await new Disruptor(opts.deps?.() ?? h.deps(), { ...options, memory }).run();
    run.invocations++;
    run.results.push(r);
    run.passes += r.passes;
    run.deadlineStops += r.deadlineStops;
    run.simulations += r.simulations;
    run.commands.push(...r.commands);
    run.terminated.push(...r.terminated);
    run.repaired.push(...r.repaired);
    run.idle = r.idle;
    run.skipped = r.skipped;
    if ((await until(run)) || run.invocations >= max) return run;
    h.advance(Math.max(0, startedAt + DISRUPTOR_INTERVAL_MS - h.clock.now()));
    await opts.between?.();
  }
}
