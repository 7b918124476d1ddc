/**
 * Runs a scenario on the digital twin: the real controllers (provisioner, disruptor, interruption, GC) invoked as
 * their Lambdas would be — on the stack's schedules and interruption rules — against the fake kube-apiserver, the AWS
 * emulator and dynalite, with simulated kubelets, kube-scheduler and workload controllers, on a virtual clock.
 */
import { trackHttpServerActivity } from "./activity-channel.js";
import type { TwinReport } from "./report.js";
import { startControllers } from "./run/actors.js";
import { runToEnd, startClusterLoop } from "./run/loop.js";
import { buildReport } from "./run/report-builder.js";
import { setUpRun, type TwinRun } from "./run/setup.js";
import { parseDurationMs, type Scenario } from "./scenario.js";
import { startTwinWorld, type TwinWorld } from "./twin-world.js";
import { VirtualClock } from "./virtual-clock.js";

/** Options of one run. */
export interface TwinRunOptions {
  scenario: Scenario;
  /** Overrides the scenario's seed. @default scenario.seed */
  seed?: number;
  /** Probability that a controller invocation is killed, at a random step boundary. @default 0 */
  chaos?: number;
  /** Receives a progress line every few virtual minutes. @default none */
  onProgress?: (line: string) => void;
  /** Receives the run's log lines (virtual time, level, message) once the run ends. @default none */
  onLogs?: (lines: readonly string[]) => void;
  /**
   * Charge each controller invocation's measured CPU time to the virtual clock, so latencies include computation.
   * Runs then depend on the machine's speed; tests that need repeatable runs leave it off. @default false
   */
  chargeCpu?: boolean;
}

/** A twin whose servers keep running after its scenario (`stevedore simulate --keep`). */
export interface KeptTwinRun {
  report: TwinReport;
  /** The world, its servers still up: the fake kube-apiserver (HTTPS), the AWS emulator and dynalite. */
  world: TwinWorld;
  /** Stops every server. */
  close(): Promise<void>;
}

/** Runs the scenario and returns the report. */
export async function runTwin(opts: TwinRunOptions): Promise<TwinReport> {
  const scenario = opts.seed === undefined ? opts.scenario : { ...opts.scenario, seed: opts.seed };
  const wallStart = Date.now();
  const clock = new VirtualClock();
  const stopTracking = trackHttpServerActivity(clock.activity);
  const world = await startTwinWorld(scenario, clock);
  try {
    const run = await setUpRun(scenario, opts.chaos ?? 0, clock, world, opts.chargeCpu ?? false);
    const report = await simulate(run, wallStart, opts.onProgress);
    opts.onLogs?.(run.logs);
    return report;
  } finally {
    await world.close();
    stopTracking();
  }
}

/**
 * Runs the scenario so that it ends at about the current wall-clock time, and keeps its servers running: the fake
 * kube-apiserver serves HTTPS (for kubectl), and afterwards the virtual clock follows the wall clock, so ages,
 * `--since` windows and budgets read as they would on a live cluster. The controllers and the simulated cluster
 * stop with the scenario; the servers keep its final state until `close()`.
 */
export async function runTwinAndKeep(opts: TwinRunOptions): Promise<KeptTwinRun> {
  const scenario = opts.seed === undefined ? opts.scenario : { ...opts.scenario, seed: opts.seed };
  const wallStart = Date.now();
  const clock = new VirtualClock({
    start: keptRunStart(wallStart, parseDurationMs(scenario.duration) + parseDurationMs(scenario.settle ?? "0s")),
  });
  const stopTracking = trackHttpServerActivity(clock.activity);
  const world = await startTwinWorld(scenario, clock, { tls: true });
  let report: TwinReport;
  try {
    const run = await setUpRun(scenario, opts.chaos ?? 0, clock, world, opts.chargeCpu ?? false);
    report = await simulate(run, wallStart, opts.onProgress);
  } catch (err) {
    await world.close();
    stopTracking();
    throw err;
  }
  stopTracking();
  clock.followWallClock();
  return { report, world, close: () => world.close() };
}

/**
 * The virtual start of a kept run: its duration (plus the few minutes a run's end may overshoot while invocations
 * finish) before the wall-clock start, on a whole minute, so that the run ends in the past.
 */
export function keptRunStart(wallStart: number, durationMs: number): number {
  const overshootMs = 5 * 60_000;
  return Math.floor((wallStart - durationMs - overshootMs) / 60_000) * 60_000;
}

/** Starts the controllers and the cluster loop, runs to the scenario's end, and reports. */
async function simulate(run: TwinRun, wallStart: number, onProgress?: (line: string) => void): Promise<TwinReport> {
  const actors = startControllers(run);
  const cluster = startClusterLoop(run, onProgress);
  await runToEnd(run, actors, cluster);
  return buildReport(run, wallStart);
}
