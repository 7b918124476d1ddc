/**
 * Sets up one twin run on a started world: applies the scenario's config, builds the simulated cluster (kubelets,
 * workload controllers, kube-scheduler), the report's collector, the controllers' telemetry, the chaos source and
 * the event bus that the AWS emulator's events flow into.
 */

import type { Telemetry } from "../../controllers/telemetry.js";
import { seededRandom } from "../../core/seeded-random.js";
import { DEFAULT_OBSERVABILITY } from "../../infra/observability.js";
import { ChaosKill, type ChaosStats } from "../chaos.js";
import { ClusterSimulation } from "../cluster-simulation.js";
import { TwinCollector } from "../collector.js";
import { TwinEventBus } from "../event-bus.js";
import type { InvocationUsage } from "../invocation-meter.js";
import { Kubelets } from "../kubelets.js";
import { parseDurationMs, type Scenario } from "../scenario.js";
import { bootTimeMs, type TwinWorld } from "../twin-world.js";
import type { VirtualClock } from "../virtual-clock.js";
import { WorkloadControllers } from "../workload-controllers.js";
import { type SeriesHours, type TimedLatency, timedTelemetry } from "./timed-telemetry.js";

/** What one finished controller invocation used. */
export interface InvocationRecord extends InvocationUsage {
  controller: string;
  /** Whether the invocation ended because its deadline arrived (as its result says). */
  deadlineStop: boolean;
  /** Virtual ms from its start to its end: what Lambda would bill for it (cold starts aside). */
  durationMs: number;
}

/** How the run's end rule went: how long past the scenario's duration the cluster took to settle, at most `limitMs`. */
export interface SettleOutcome {
  /** The scenario's `settle`, ms. */
  limitMs: number;
  /** Virtual ms past the scenario's duration until every workload pod was Running (or finished). */
  tookMs: number;
  /** Whether it settled within the limit. */
  settled: boolean;
}

/** Everything one run shares: its world and clock, the simulated cluster, the bus, and what the report reads. */
export interface TwinRun {
  scenario: Scenario;
  /** Probability that a controller invocation is killed. */
  chaos: number;
  /** Whether each invocation's measured CPU time is charged to the virtual clock. */
  chargeCpu: boolean;
  /** What each finished invocation used, in the order they finished. */
  invocationUsage: InvocationRecord[];
  clock: VirtualClock;
  world: TwinWorld;
  /** Virtual time the run started at. */
  start: number;
  /** Virtual time the scenario ends at. */
  end: number;
  durationMs: number;
  /** The end rule's outcome (scenarios with `settle`), set when the run has reached its end. */
  settle?: SettleOutcome;
  /** How long the scenario's wind-down ran before a quiet tail (virtual ms), when there was one. */
  windDownMs?: number;
  collector: TwinCollector;
  sim: ClusterSimulation;
  bus: TwinEventBus;
  /** The controllers' telemetry. */
  telemetry: Telemetry;
  latencies: TimedLatency[];
  /** The controllers' log lines (and crashes), stamped with virtual minutes. */
  logs: string[];
  /** The metric series the controllers published and the virtual hours each received data in. */
  metricSeries: SeriesHours;
  /** Invocations that failed with an error that chaos did not cause. */
  crashes: string[];
  chaosRandom: () => number;
  chaosStats: ChaosStats;
  /** Re-reads the startup taints of the pools in force (after a config change). */
  refreshStartupTaints(): Promise<void>;
  /** Stops routing the emulator's events to the bus. */
  stopEvents(): void;
}

/** Applies the scenario's config and builds the run's components. */
export async function setUpRun(
  scenario: Scenario,
  chaos: number,
  clock: VirtualClock,
  world: TwinWorld,
  chargeCpu = false,
): Promise<TwinRun> {
  const start = clock.now();
  const durationMs = parseDurationMs(scenario.duration);
  await world.applyConfig(scenario.config);
  // The daemons that remove startup taints know their own keys; the twin reads them from the pools in force.
  const startupTaints = new Map<string, string[]>();
  const refreshStartupTaints = async () => {
    for (const pool of (await world.config.load()).nodePools)
      startupTaints.set(
        pool.name,
        pool.startupTaints.map((t) => t.key),
      );
  };
  await refreshStartupTaints();

  const collector = new TwinCollector(start);
  const sim = simulatedCluster(scenario, world, collector, (pool) => startupTaints.get(pool) ?? []);
  const latencies: TimedLatency[] = [];
  const logs: string[] = [];
  const metricSeries: SeriesHours = { mode: DEFAULT_OBSERVABILITY, hours: new Map() };
  const telemetry = timedTelemetry(world.telemetry, () => clock.now() - start, latencies, logs, metricSeries);
  const chaosRandom = seededRandom(scenario.seed * 7919 + 17);
  const chaosStats: ChaosStats = { killsBefore: 0, killsAfter: 0 };
  const crashes: string[] = [];
  const bus = new TwinEventBus(clock, (fn, err) => {
    const message = err instanceof Error ? err.message : String(err);
    logs.push(`${((clock.now() - start) / 60_000).toFixed(2)}m crash: ${fn}: ${message}`);
    if (!(err instanceof ChaosKill)) crashes.push(`${fn}: ${message}`);
  });
  const stopEvents = world.aws.onEvent((event) => bus.publish(event));
  return {
    scenario,
    chaos,
    chargeCpu,
    invocationUsage: [],
    clock,
    world,
    start,
    end: start + durationMs,
    durationMs,
    collector,
    sim,
    bus,
    telemetry,
    latencies,
    logs,
    metricSeries,
    crashes,
    chaosRandom,
    chaosStats,
    refreshStartupTaints,
    stopEvents,
  };
}

/** Kubelets, workload controllers and kube-scheduler over the world's apiserver store. */
function simulatedCluster(
  scenario: Scenario,
  world: TwinWorld,
  collector: TwinCollector,
  startupTaintKeys: (pool: string) => string[],
): ClusterSimulation {
  const workloads = new WorkloadControllers(world.store, collector);
  const kubelets = new Kubelets(world.store, {
    region: scenario.region,
    bootTimeMs: bootTimeMs(scenario),
    startupTaintKeys,
    kubeletVersion: `v${scenario.kubernetesVersion}.0`,
  });
  return new ClusterSimulation(world.store, kubelets, workloads);
}
