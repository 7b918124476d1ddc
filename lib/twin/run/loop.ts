/**
 * The virtual-time loop of a twin run. Every virtual second the cluster ticks: the AWS emulator advances, due
 * scenario steps apply, the kubelets, workload controllers and kube-scheduler run, and the collector observes; every
 * virtual minute it takes a timeline sample. The run then advances the clock to the scenario's end (and, with the
 * scenario's `settle`, on until the workload pods run), lets running invocations finish, and stops the loop.
 */

import type { Pod } from "../../core/kube-objects.js";
import { isDaemonSetPod } from "../../core/pods.js";
import { seededRandom } from "../../core/seeded-random.js";
import type { InstanceSnapshot } from "../aws/index.js";
import type { TimelineSample } from "../report.js";
import { parseDurationMs, type ScenarioStep } from "../scenario.js";
import { applyStep, type StepContext } from "../scenario-steps.js";
import type { SettleOutcome, TwinRun } from "./setup.js";

/** One cluster tick per virtual second. */
export const TICK_MS = 1_000;
const SAMPLE_MS = 60_000;
const PROGRESS_MS = 5 * 60_000;
/** Pod phases a settled cluster may show. */
const SETTLED_PHASES: ReadonlySet<string> = new Set(["Running", "Succeeded", "Failed"]);

/** A scenario step and the virtual time it is due at. */
interface DueStep {
  step: ScenarioStep;
  at: number;
  i: number;
}

/** A running cluster loop. */
export interface ClusterLoop {
  /** Settles when the loop has stopped. */
  done: Promise<void>;
  /** Ends the loop after its current tick. */
  stop(): void;
}

/** The scenario's steps in the order they fall due (ties in scenario order). */
function dueSteps(run: TwinRun): DueStep[] {
  return run.scenario.steps
    .map((s, i) => ({ step: s, at: run.start + parseDurationMs(s.at), i }))
    .sort((a, b) => a.at - b.at || a.i - b.i);
}

/** Runs the deferred actions that are due and keeps the others. */
function runDeferred(stepCtx: StepContext, now: number): void {
  for (const due of stepCtx.later.filter((l) => l.at <= now)) due.run();
  stepCtx.later = stepCtx.later.filter((l) => l.at > now);
}

/** The progress line for a timeline sample. */
function progressLine(run: TwinRun, now: number, s: TimelineSample): string {
  const nodes = Object.values(s.nodesByCapacityType).reduce((a, b) => a + b, 0);
  return `${Math.round((now - run.start) / 60_000)}/${Math.round(run.durationMs / 60_000)} min  pods ${s.runningPods} running, ${s.pendingPods} pending  nodes ${nodes}  $${s.costPerHour.toFixed(4)}/h`;
}

/** Samples the cluster for the timeline, and reports progress every few virtual minutes. */
class Sampler {
  private nextSample: number;
  private nextProgress: number;

  constructor(
    private readonly run: TwinRun,
    private readonly onProgress?: (line: string) => void,
  ) {
    this.nextSample = run.start;
    this.nextProgress = run.start;
  }

  /** Takes a sample when one is due. */
  maybeSample(now: number, pods: readonly Pod[], instances: InstanceSnapshot[]): void {
    if (now < this.nextSample) return;
    const { collector, world } = this.run;
    const s = collector.sample(
      now,
      pods.filter((p) => !isDaemonSetPod(p)),
      instances,
      world.aws.hourlyCost(),
    );
    this.nextSample += SAMPLE_MS;
    if (now >= this.nextProgress) {
      this.nextProgress += PROGRESS_MS;
      this.onProgress?.(progressLine(this.run, now, s));
    }
  }
}

/** Ticks the simulated cluster and lets the collector and the sampler observe it. */
function tickCluster(run: TwinRun, sampler: Sampler, now: number, joinable: InstanceFilter): void {
  const { world, sim, collector } = run;
  const instances = world.aws.instances();
  sim.tick(now, joinable(instances));
  // One snapshot of the cluster after the simulation step serves both observers.
  const pods = world.store.view<Pod>("pods");
  collector.observe(now, world.store.view("nodes"), pods, instances);
  sampler.maybeSample(now, pods, instances);
}

/** The instances whose kubelets may join the cluster. */
export type InstanceFilter = (instances: InstanceSnapshot[]) => InstanceSnapshot[];

/**
 * Starts the cluster loop; it ticks every virtual second until stopped. `joinable` picks the instances whose
 * kubelets register (all by default).
 */
export function startClusterLoop(
  run: TwinRun,
  onProgress?: (line: string) => void,
  joinable: InstanceFilter = (all) => all,
): ClusterLoop {
  const { world, clock } = run;
  const steps = dueSteps(run);
  const stepCtx: StepContext = {
    world,
    clock,
    collector: run.collector,
    random: seededRandom(run.scenario.seed),
    later: [],
  };
  const sampler = new Sampler(run, onProgress);
  let stopped = false;
  // The tick stays free of extra awaits: the order in which actors sleep on the virtual clock decides who runs
  // first when several wake at the same instant.
  const done = (async () => {
    while (!stopped) {
      const now = clock.now();
      world.aws.tick(now);
      while (steps.length > 0 && steps[0].at <= now) {
        const { step } = steps.shift() as DueStep;
        await applyStep(stepCtx, step);
        if (step.config !== undefined) await run.refreshStartupTaints();
      }
      runDeferred(stepCtx, now);
      tickCluster(run, sampler, now, joinable);
      await clock.sleep(TICK_MS);
    }
  })();
  return {
    done,
    stop: () => {
      stopped = true;
    },
  };
}

/** Whether every workload pod (DaemonSet pods aside) is Running or finished. */
export function workloadSettled(pods: readonly Pod[]): boolean {
  return pods.every((p) => isDaemonSetPod(p) || SETTLED_PHASES.has(p.status?.phase ?? ""));
}

/**
 * The end rule of a scenario with `settle`: past its duration, with the controllers and the cluster still running,
 * virtual time goes on a tick at a time until every workload pod is Running or finished, for at most `settle`.
 */
async function settleCluster(run: TwinRun): Promise<SettleOutcome | undefined> {
  if (run.scenario.settle === undefined) return undefined;
  const limitMs = parseDurationMs(run.scenario.settle);
  const { clock, world } = run;
  const settled = () => workloadSettled(world.store.view<Pod>("pods"));
  while (!settled() && clock.now() < run.end + limitMs) await clock.advance(TICK_MS);
  return { limitMs, tookMs: clock.now() - run.end, settled: settled() };
}

/**
 * Advances virtual time to the scenario's end (and past it while it settles, for a scenario with `settle`), stops the schedules, lets running invocations finish (a Lambda's
 * timeout bounds them) while the cluster keeps ticking, then stops the cluster loop.
 */
export async function runToEnd(run: TwinRun, actors: Promise<void>[], cluster: ClusterLoop): Promise<void> {
  const { bus } = run;
  await runToEndWith(run, cluster, { stop: () => bus.stop(), running: () => bus.runningFunctions().length });
  await Promise.race([Promise.all([...actors, cluster.done]), run.clock.advance(TICK_MS)]);
  run.stopEvents();
}

/** What invokes the controllers: stopped at the scenario's end, then waited for while invocations run. */
export interface ControllerTriggers {
  stop(): void;
  /** Invocations running now. */
  running(): number;
}

/**
 * A quiet tail after the scenario's end: the cluster and the controllers keep running for `ms` of virtual time with
 * nothing new to do (the scenario's steps are all applied by then), so a run measures what its end state costs.
 */
export interface QuietTail {
  /** Virtual ms of the tail. */
  ms: number;
  /** Called once at the scenario's end (after it settled and wound down), before the tail starts. */
  atScenarioEnd(): void;
  /**
   * The scenario's wind-down: after it settled, the run goes on until `state()` (say, the instances launched and
   * live) has not changed for `stillForMs`, for at most `maxMs`, so the work the scenario set off (a consolidation
   * that is still removing nodes) counts as the scenario's and the tail measures a cluster at rest. @default none
   */
  windDown?: WindDown;
}

/** When a scenario's work is done: its state still for a while, and nothing left over. */
export interface WindDown {
  stillForMs: number;
  maxMs: number;
  state(): string;
  /** Whether work the scenario left is still outstanding (say, closed records awaiting collection). @default none */
  outstanding?(): Promise<boolean>;
}

/**
 * Advances a minute at a time until `w.state()` has not changed for `w.stillForMs` and nothing is outstanding (at
 * most `w.maxMs`); the ms taken.
 */
export async function windDown(clock: TwinRun["clock"], w: WindDown): Promise<number> {
  const start = clock.now();
  let last = w.state();
  let stillSince = start;
  const done = async () => clock.now() - stillSince >= w.stillForMs && !(await w.outstanding?.());
  while (!(await done()) && clock.now() - start < w.maxMs) {
    await clock.advance(60_000);
    const now = w.state();
    if (now !== last) {
      last = now;
      stillSince = clock.now();
    }
  }
  return clock.now() - start;
}

/**
 * {@link runToEnd} for any controller triggers (the in-process bus, or a deployed stack's rules and pollers); with
 * a `tail`, the triggers keep firing through it before they stop.
 */
export async function runToEndWith(
  run: TwinRun,
  cluster: ClusterLoop,
  triggers: ControllerTriggers,
  tail?: QuietTail,
): Promise<void> {
  const { clock } = run;
  await clock.advanceTo(run.end);
  run.settle = await settleCluster(run);
  if (tail) {
    if (tail.windDown) run.windDownMs = await windDown(clock, tail.windDown);
    tail.atScenarioEnd();
    await clock.advance(tail.ms);
  }
  triggers.stop();
  const graceFrom = tail ? clock.now() : run.end;
  const grace = graceFrom + (run.scenario.controllers.loopSeconds + 120) * 1000;
  while (triggers.running() > 0 && clock.now() < grace) await clock.advance(TICK_MS);
  cluster.stop();
  await clock.advance(TICK_MS * 2);
}
