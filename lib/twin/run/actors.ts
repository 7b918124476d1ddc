/**
 * The controllers of a twin run, invoked as their Lambdas would be: the provisioner, disruptor and garbage
 * collector on the stack's schedules, the interruption handler on batches from the interruption queue, and with
 * reaction `seconds` the watcher on its schedule, whose triggers invoke the provisioner asynchronously. Each
 * invocation gets fresh dependencies, which chaos may doom.
 */

import {
  DISRUPTOR_SCHEDULE,
  gcSchedule,
  PROVISIONER_SCHEDULE,
  WATCHER_SCHEDULE,
} from "../../cloud/aws/event-patterns.js";
import { ProvisionerThrottledError, type ProvisionerTrigger } from "../../cloud/provisioner-trigger.js";
import { lambdaDeadline } from "../../controllers/deadline.js";
import type { ControllerDeps } from "../../controllers/deps.js";
import { type DisruptionMemory, Disruptor } from "../../controllers/disruptor.js";
import { scheduledPassOptions } from "../../controllers/disruptor-options.js";
import { GarbageCollector } from "../../controllers/gc.js";
import { InterruptionHandler } from "../../controllers/interruption.js";
import { PendingWatcher } from "../../controllers/pending-watcher.js";
import { Provisioner } from "../../controllers/provisioner.js";
import { parseFeatureGates } from "../../infra/feature-gates.js";
import {
  GC_TIMEOUT_SECONDS,
  INTERRUPTION_TIMEOUT_SECONDS,
  loopTimeoutSeconds,
  WATCHER_TIMEOUT_SECONDS,
} from "../../infra/function-timeouts.js";
import { solve } from "../../scheduling/packer/solve.js";
import { type InvocationLife, withChaos } from "../chaos.js";
import type { TwinFunction } from "../event-bus.js";
import { InvocationMeter } from "../invocation-meter.js";
import type { TwinRun } from "./setup.js";

/** Chance that a doomed invocation dies at each step boundary (mean: around its 33rd adapter call). */
const DOOMED_HAZARD = 0.03;

/**
 * Dependencies for one invocation. With chaos P, each invocation is doomed with probability P; a doomed one dies
 * at a random step boundary — before or after one of its adapter calls, with a {@link DOOMED_HAZARD} chance at
 * each — and every adapter it holds fails from then on, as a crashed Lambda would. `meter` measures the
 * invocation's computation between its calls (and charges it to the virtual clock when the run does).
 */
export function invocationDeps(run: TwinRun, meter?: InvocationMeter): ControllerDeps {
  const { world, chaosRandom, chaosStats } = run;
  const life: InvocationLife = {};
  const hazard = run.chaos > 0 && chaosRandom() < run.chaos ? DOOMED_HAZARD : 0;
  const metered = <T extends object>(t: T) => (meter ? meter.wrap(t) : t);
  const wrap = <T extends object>(t: T, name: string) =>
    withChaos(metered(t), name, hazard, chaosRandom, chaosStats, ["releaseLease"], life);
  return {
    cluster: wrap(world.kubeClient, "cluster"),
    cloud: wrap(world.cloud, "cloud"),
    state: wrap(world.state, "state"),
    clock: meter ? meter.wrapClock() : run.clock,
    telemetry: run.telemetry,
    config: metered(world.config),
    solve,
    events: world.events,
    decisionEvents: world.decisionEvents,
  };
}

/** Whether a controller's result says it stopped because its deadline arrived. */
export function stoppedByDeadline(result: unknown): boolean {
  if (result === null || typeof result !== "object") return false;
  const stops = (result as { deadlineStops?: unknown }).deadlineStops;
  return typeof stops === "number" && stops > 0;
}

/** The deadline a deployed function of this timeout would get now: its timeout less the handlers' safety margin. */
function deadlineIn(run: TwinRun, timeoutSeconds: number): number {
  return lambdaDeadline(run.clock, { getRemainingTimeInMillis: () => timeoutSeconds * 1000 });
}

/** Runs one invocation of `controller` on metered dependencies and records what it used. */
async function invoke<R>(run: TwinRun, controller: string, body: (deps: ControllerDeps) => Promise<R>): Promise<R> {
  const meter = new InvocationMeter(run.clock, run.chargeCpu);
  const startedAt = run.clock.now();
  let result: R | undefined;
  try {
    result = await body(invocationDeps(run, meter));
    return result;
  } finally {
    run.invocationUsage.push({
      controller,
      ...meter.finish(),
      deadlineStop: stoppedByDeadline(result),
      durationMs: run.clock.now() - startedAt,
    });
  }
}

/** The watcher's reserved concurrency: consecutive watchers overlap by a couple of seconds. */
const WATCHER_CONCURRENCY = 2;

/**
 * The watcher on its schedule (reaction `seconds`): each invocation runs {@link PendingWatcher}, whose trigger is a
 * synchronous invoke of the provisioner (`provision`, the same function the schedule invokes): it runs now and
 * returns when the burst ends, or is throttled at once while another invocation runs (reserved concurrency 1).
 */
function startWatcher(run: TwinRun, provision: TwinFunction): Promise<void> {
  const trigger: ProvisionerTrigger = {
    trigger: async () => {
      if (run.bus.stopped || !run.bus.invoke("provisioner", provision))
        throw new ProvisionerThrottledError("provisioner: TooManyRequestsException (reserved concurrency in use)");
      await run.bus.whenIdle("provisioner");
    },
  };
  return run.bus.schedule(
    "watcher",
    WATCHER_SCHEDULE,
    async () => {
      await invoke(run, "watcher", (deps) =>
        new PendingWatcher(
          { cluster: deps.cluster, clock: deps.clock, telemetry: deps.telemetry, trigger },
          { deadline: deadlineIn(run, WATCHER_TIMEOUT_SECONDS) },
        ).run(),
      );
    },
    { runAtStart: true, concurrency: WATCHER_CONCURRENCY },
  );
}

/** Starts the controllers' schedules and the interruption queue's poller; each promise ends when the bus stops. */
export function startControllers(run: TwinRun): Promise<void>[] {
  const { bus, scenario } = run;
  const loopSeconds = scenario.controllers.loopSeconds;
  // One warm execution environment: the disruptor's "nothing to consolidate" memo survives between invocations.
  const disruptionMemory: DisruptionMemory = {};
  const gates = parseFeatureGates(scenario.controllers.featureGates).gates;
  // Every invocation of the provisioner is a burst, whether the schedule or a watcher trigger started it.
  const provision = async () => {
    await invoke(run, "provisioner", (deps) =>
      new Provisioner(deps, {
        loopSeconds,
        stopWhenIdle: true,
        deadline: deadlineIn(run, loopTimeoutSeconds(loopSeconds)),
      }).run(),
    );
  };
  const watchers = scenario.controllers.reaction === "seconds" ? [startWatcher(run, provision)] : [];
  return [
    // The stack was deployed before the scenario: its provisioner is already on its schedule when the run starts.
    bus.schedule("provisioner", PROVISIONER_SCHEDULE, provision, { runAtStart: true }),
    ...watchers,
    bus.schedule("disruptor", DISRUPTOR_SCHEDULE, async () => {
      await invoke(run, "disruptor", (deps) =>
        new Disruptor(deps, {
          deadline: deadlineIn(run, loopTimeoutSeconds(loopSeconds)),
          memory: disruptionMemory,
          spotToSpot: gates.spotToSpotConsolidation,
          nodeRepair: gates.nodeRepair,
          ...scheduledPassOptions(scenario.controllers.reaction), // as the Lambda
        }).run(),
      );
    }),
    bus.schedule("gc", gcSchedule(scenario.controllers.reaction), async () => {
      await invoke(run, "gc", (deps) =>
        new GarbageCollector(deps, { deadline: deadlineIn(run, GC_TIMEOUT_SECONDS) }).run(),
      );
    }),
    bus.poll("interruption", async (messages) => {
      const result = await invoke(run, "interruption", (deps) =>
        new InterruptionHandler(deps, {
          rebalance: scenario.controllers.rebalance,
          deadline: deadlineIn(run, INTERRUPTION_TIMEOUT_SECONDS),
        }).handleRecords(messages),
      );
      return { failed: result.batchItemFailures.map((f) => f.itemIdentifier) };
    }),
  ];
}
