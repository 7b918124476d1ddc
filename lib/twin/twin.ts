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
import { setUpRun } from "./run/setup.js";
import type { Scenario } from "./scenario.js";
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
}

/** Runs the scenario and returns the report. */
export async function runTwin(opts: TwinRunOptions): Promise<TwinReport> {
  const scenario = opts.seed === undefined ? opts.scenario : { ...opts.scenario, seed: opts.seed };
  const chaos = opts.chaos ?? 0;
  const wallStart = Date.now();
  const clock = new VirtualClock();
  const stopTracking = trackHttpServerActivity(clock.activity);
  const world = await startTwinWorld(scenario, clock);
  try {
    return await simulate(scenario, chaos, clock, world, wallStart, opts.onProgress);
  } finally {
    await world.close();
    stopTracking();
  }
}

/** Sets the run up, starts the controllers and the cluster loop, runs to the scenario's end, and reports. */
async function simulate(
  scenario: Scenario,
  chaos: number,
  clock: VirtualClock,
  world: TwinWorld,
  wallStart: number,
  onProgress?: (line: string) => void,
): Promise<TwinReport> {
  const run = await setUpRun(scenario, chaos, clock, world);
  const actors = startControllers(run);
  const cluster = startClusterLoop(run, onProgress);
  await runToEnd(run, actors, cluster);
  return buildReport(run, wallStart);
}
