/**
 * The controllers of a twin run, invoked as their Lambdas would be: the provisioner, disruptor and garbage
 * collector on the stack's schedules, the interruption handler on batches from the interruption queue. Each
 * invocation gets fresh dependencies, which chaos may doom.
 */
import { DISRUPTOR_SCHEDULE, GC_SCHEDULE, PROVISIONER_SCHEDULE } from "../../cloud/aws/event-patterns.js";
import type { ControllerDeps } from "../../controllers/deps.js";
import { Disruptor } from "../../controllers/disruptor.js";
import { GarbageCollector } from "../../controllers/gc.js";
import { InterruptionHandler } from "../../controllers/interruption.js";
import { Provisioner } from "../../controllers/provisioner.js";
import { solve } from "../../scheduling/packer/solve.js";
import { type InvocationLife, withChaos } from "../chaos.js";
import type { TwinRun } from "./setup.js";

/** Chance that a doomed invocation dies at each step boundary (mean: around its 33rd adapter call). */
const DOOMED_HAZARD = 0.03;

/**
 * Dependencies for one invocation. With chaos P, each invocation is doomed with probability P; a doomed one dies
 * at a random step boundary — before or after one of its adapter calls, with a {@link DOOMED_HAZARD} chance at
 * each — and every adapter it holds fails from then on, as a crashed Lambda would.
 */
export function invocationDeps(run: TwinRun): ControllerDeps {
  const { world, chaosRandom, chaosStats } = run;
  const life: InvocationLife = {};
  const hazard = run.chaos > 0 && chaosRandom() < run.chaos ? DOOMED_HAZARD : 0;
  // Spared: lease release (a crashed Lambda would not call it anyway) and pure, synchronous parsing (no I/O, so no
  // step boundary of its own: a kill around it is a kill at the neighbouring adapter call).
  const wrap = <T extends object>(t: T, name: string) =>
    withChaos(t, name, hazard, chaosRandom, chaosStats, ["releaseLease", "parseInterruptionMessage"], life);
  return {
    cluster: wrap(world.kubeClient, "cluster"),
    cloud: wrap(world.cloud, "cloud"),
    state: wrap(world.state, "state"),
    clock: run.clock,
    telemetry: run.telemetry,
    config: world.config,
    solve,
  };
}

/** Starts the controllers' schedules and the interruption queue's poller; each promise ends when the bus stops. */
export function startControllers(run: TwinRun): Promise<void>[] {
  const { bus, scenario } = run;
  const loopSeconds = scenario.controllers.loopSeconds;
  return [
    bus.schedule("provisioner", PROVISIONER_SCHEDULE, async () => {
      await new Provisioner(invocationDeps(run), { loopSeconds }).run();
    }),
    bus.schedule("disruptor", DISRUPTOR_SCHEDULE, async () => {
      await new Disruptor(invocationDeps(run), { loopSeconds }).run();
    }),
    bus.schedule("gc", GC_SCHEDULE, async () => {
      await new GarbageCollector(invocationDeps(run)).run();
    }),
    bus.poll("interruption", async (messages) => {
      const handler = new InterruptionHandler(invocationDeps(run), { rebalance: scenario.controllers.rebalance });
      const result = await handler.handleRecords(messages);
      return { failed: result.batchItemFailures.map((f) => f.itemIdentifier) };
    }),
  ];
}
