/**
 * Runs a scenario on the digital twin: the real controllers (provisioner, disruptor, interruption, GC) invoked as
 * their Lambdas would be — on the stack's schedules and interruption rules — against the fake kube-apiserver, the AWS
 * emulator and dynalite, with simulated kubelets, kube-scheduler and workload controllers, on a virtual clock.
 */
import { DISRUPTOR_SCHEDULE, GC_SCHEDULE, PROVISIONER_SCHEDULE } from "../cloud/aws/event-patterns.js";
import type { ControllerDeps } from "../controllers/deps.js";
import { Disruptor } from "../controllers/disruptor.js";
import { GarbageCollector } from "../controllers/gc.js";
import { InterruptionHandler } from "../controllers/interruption.js";
import { Provisioner } from "../controllers/provisioner.js";
import { METRIC, type Telemetry } from "../controllers/telemetry.js";
import type { Pod } from "../core/kube-objects.js";
import { seededRandom } from "../core/seeded-random.js";
import { TAG_STEVEDORE_CLAIM } from "../core/well-known.js";
import { solve } from "../scheduling/packer/solve.js";
import { trackHttpServerActivity } from "./activity-channel.js";
import { ChaosKill, type ChaosStats, type InvocationLife, withChaos } from "./chaos.js";
import { ClusterSimulation } from "./cluster-simulation.js";
import { TwinCollector } from "./collector.js";
import { TwinEventBus } from "./event-bus.js";
import { checkInvariants } from "./invariants.js";
import { Kubelets } from "./kubelets.js";
import { integrateCost, percentile, type ReportDecision, type TwinReport } from "./report.js";
import { parseDurationMs, type Scenario } from "./scenario.js";
import { applyStep, type StepContext } from "./scenario-steps.js";
import { bootTimeMs, startTwinWorld, type TwinWorld } from "./twin-world.js";
import { VirtualClock } from "./virtual-clock.js";
import { WorkloadControllers } from "./workload-controllers.js";

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

const TICK_MS = 1_000;
const SAMPLE_MS = 60_000;
const STRANDED_AFTER_MS = 10 * 60_000;
/** Chance that a doomed invocation dies at each step boundary (mean: around its 33rd adapter call). */
const DOOMED_HAZARD = 0.03;

function isDaemonPod(p: Pod): boolean {
  return (p.metadata.ownerReferences ?? []).some((o) => o.kind === "DaemonSet");
}

/** Telemetry that also remembers when each decision latency was measured (for the report's chart). */
function timedTelemetry(
  inner: Telemetry,
  now: () => number,
  latencies: { t: number; ms: number }[],
  logs: string[],
): Telemetry {
  const stamp =
    (level: "debug" | "info" | "warn" | "error") =>
    (message: string, attrs: Record<string, unknown> = {}) => {
      if (level !== "debug") logs.push(`${(now() / 60_000).toFixed(2)}m ${level}: ${message} ${JSON.stringify(attrs)}`);
      inner.logger[level](message, attrs);
    };
  return {
    logger: { debug: stamp("debug"), info: stamp("info"), warn: stamp("warn"), error: stamp("error") },
    metrics: {
      add: (name, value, unit, dimensions) => {
        if (name === METRIC.decisionLatency) latencies.push({ t: now(), ms: value });
        inner.metrics.add(name, value, unit, dimensions);
      },
      flush: () => inner.metrics.flush(),
    },
  };
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

async function simulate(
  scenario: Scenario,
  chaos: number,
  clock: VirtualClock,
  world: TwinWorld,
  wallStart: number,
  onProgress?: (line: string) => void,
): Promise<TwinReport> {
  const start = clock.now();
  const durationMs = parseDurationMs(scenario.duration);
  const end = start + durationMs;
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
  const workloads = new WorkloadControllers(world.store, collector);
  const sim = new ClusterSimulation(
    world.store,
    new Kubelets(world.store, {
      region: scenario.region,
      bootTimeMs: bootTimeMs(scenario),
      startupTaintKeys: (pool) => startupTaints.get(pool) ?? [],
    }),
    workloads,
  );
  const latencies: { t: number; ms: number }[] = [];
  const logs: string[] = [];
  const telemetry = timedTelemetry(world.telemetry, () => clock.now() - start, latencies, logs);
  const chaosRandom = seededRandom(scenario.seed * 7919 + 17);
  const chaosStats: ChaosStats = { killsBefore: 0, killsAfter: 0 };
  const crashes: string[] = [];
  const bus = new TwinEventBus(clock, (fn, err) => {
    const message = err instanceof Error ? err.message : String(err);
    logs.push(`${((clock.now() - start) / 60_000).toFixed(2)}m crash: ${fn}: ${message}`);
    if (!(err instanceof ChaosKill)) crashes.push(`${fn}: ${message}`);
  });
  const unsubscribe = world.aws.onEvent((event) => bus.publish(event));

  /**
   * Dependencies for one invocation. With chaos P, each invocation is doomed with probability P; a doomed one dies
   * at a random step boundary — before or after one of its adapter calls, with a {@link DOOMED_HAZARD} chance at
   * each — and every adapter it holds fails from then on, as a crashed Lambda would.
   */
  const deps = (): ControllerDeps => {
    const life: InvocationLife = {};
    const hazard = chaos > 0 && chaosRandom() < chaos ? DOOMED_HAZARD : 0;
    const wrap = <T extends object>(t: T, name: string) =>
      withChaos(t, name, hazard, chaosRandom, chaosStats, ["releaseLease"], life);
    return {
      cluster: wrap(world.kubeClient, "cluster"),
      cloud: wrap(world.cloud, "cloud"),
      state: wrap(world.state, "state"),
      clock,
      telemetry,
      config: world.config,
      solve,
    };
  };
  const loopSeconds = scenario.controllers.loopSeconds;
  const actors = [
    bus.schedule("provisioner", PROVISIONER_SCHEDULE, async () => {
      await new Provisioner(deps(), { loopSeconds }).run();
    }),
    bus.schedule("disruptor", DISRUPTOR_SCHEDULE, async () => {
      await new Disruptor(deps(), { loopSeconds }).run();
    }),
    bus.schedule("gc", GC_SCHEDULE, async () => {
      await new GarbageCollector(deps()).run();
    }),
    bus.poll("interruption", async (messages) => {
      const result = await new InterruptionHandler(deps(), { rebalance: scenario.controllers.rebalance }).handleRecords(
        messages,
      );
      return { failed: result.batchItemFailures.map((f) => f.itemIdentifier) };
    }),
  ];

  const steps = scenario.steps
    .map((s, i) => ({ step: s, at: start + parseDurationMs(s.at), i }))
    .sort((a, b) => a.at - b.at || a.i - b.i);
  const stepCtx: StepContext = { world, clock, collector, random: seededRandom(scenario.seed), later: [] };
  let stopped = false;
  let nextSample = start;
  let nextProgress = start;
  const cluster = (async () => {
    while (!stopped) {
      const now = clock.now();
      world.aws.tick(now);
      while (steps.length > 0 && steps[0].at <= now) {
        const { step } = steps.shift() as (typeof steps)[number];
        await applyStep(stepCtx, step);
        if (step.config !== undefined) await refreshStartupTaints();
      }
      for (const due of stepCtx.later.filter((l) => l.at <= now)) due.run();
      stepCtx.later = stepCtx.later.filter((l) => l.at > now);
      const instances = world.aws.instances();
      sim.tick(now, instances);
      // One snapshot of the cluster after the simulation step serves both observers.
      const pods = world.store.list<Pod>("pods");
      collector.observe(now, world.store.list("nodes"), pods, instances);
      if (now >= nextSample) {
        const s = collector.sample(
          now,
          pods.filter((p) => !isDaemonPod(p)),
          instances,
          world.aws.hourlyCost(),
        );
        nextSample += SAMPLE_MS;
        if (now >= nextProgress) {
          nextProgress += 5 * 60_000;
          const nodes = Object.values(s.nodesByCapacityType).reduce((a, b) => a + b, 0);
          onProgress?.(
            `${Math.round((now - start) / 60_000)}/${Math.round(durationMs / 60_000)} min  pods ${s.runningPods} running, ${s.pendingPods} pending  nodes ${nodes}  $${s.costPerHour.toFixed(4)}/h`,
          );
        }
      }
      await clock.sleep(TICK_MS);
    }
  })();

  await clock.advanceTo(end);
  bus.stop();
  // Let running invocations finish (a Lambda's timeout bounds them); the cluster keeps ticking meanwhile.
  const grace = end + (loopSeconds + 120) * 1000;
  while (bus.runningFunctions().length > 0 && clock.now() < grace) await clock.advance(TICK_MS);
  stopped = true;
  await clock.advance(TICK_MS * 2);
  await Promise.race([Promise.all([...actors, cluster]), clock.advance(TICK_MS)]);
  unsubscribe();

  const now = clock.now();
  const pods = world.store.list<Pod>("pods");
  const instances = world.aws.instances();
  collector.sample(
    now,
    pods.filter((p) => !isDaemonPod(p)),
    instances,
    world.aws.hourlyCost(),
  );
  const interruptions = collector.interruptionSummary();
  const pools = (await world.config.load()).nodePools;
  const allClaims = await world.state.listClaims({ includeTerminated: true });
  const invariants = checkInvariants({
    now,
    region: scenario.region,
    instances,
    claims: allClaims,
    pods,
    pools,
    strandedAfterMs: STRANDED_AFTER_MS,
    lateDrains: interruptions.late,
  });
  const ours = instances.filter((i) => i.tags[TAG_STEVEDORE_CLAIM] !== undefined);
  const workloadPods = pods.filter((p) => !isDaemonPod(p));
  const decisions: ReportDecision[] = (await world.state.listDecisions(start, 500)).map((d) => ({
    t: d.at - start,
    controller: d.controller,
    action: d.action,
    reason: String(d.details.reason ?? d.details.message ?? summarize(d.details)),
  }));
  const latencyMs = latencies.map((l) => l.ms);
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    chaos,
    pods: {
      total: workloadPods.length,
      scheduled: workloadPods.filter((p) => p.spec.nodeName).length,
      pendingAtEnd: workloadPods.filter(
        (p) => !p.spec.nodeName && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed",
      ).length,
    },
    nodes: {
      launched: ours.length,
      terminated: ours.filter((i) => i.state === "shutting-down" || i.state === "terminated").length,
      leaked: invariants.leakedInstances,
    },
    cost: {
      total: Math.round(world.aws.totalCost() * 1e4) / 1e4 || integrateCost(collector.timeline),
      peakPerHour: Math.max(0, ...collector.timeline.map((s) => s.costPerHour)),
    },
    latency: {
      decisionP50Ms: Math.round(percentile(latencyMs, 50)),
      decisionP99Ms: Math.round(percentile(latencyMs, 99)),
      podReadyP50Ms: Math.round(percentile(collector.podReadyMs, 50)),
    },
    interruptions: {
      received: interruptions.received,
      drainedInTime: interruptions.drainedInTime,
      replaced: interruptions.replaced,
    },
    invariants: {
      duplicateLaunches: invariants.duplicateLaunches,
      leakedInstances: invariants.leakedInstances,
      strandedPods: invariants.strandedPods,
      violations: invariants.violations,
    },
    violations: invariants.details,
    wallTimeMs: Date.now() - wallStart,
    virtualMinutes: Math.round((now - start) / 60_000),
    timeline: collector.timeline,
    decisions,
    decisionLatenciesMs: latencies,
    chaosKills: chaosStats.killsBefore + chaosStats.killsAfter,
    crashes,
    invocations: bus.stats.invocations,
    crashedInvocations: bus.stats.crashed,
    throttledInvocations: bus.stats.throttled,
    warnings: logs
      .filter((l) => process.env.STEVEDORE_TWIN_ALL_LOGS === "1" || / (warn|error): /.test(l))
      .slice(process.env.STEVEDORE_TWIN_ALL_LOGS === "1" ? 0 : -200),
    claims: allClaims.map((c) => ({
      id: c.id,
      state: c.state,
      pods: c.pods.length,
      instanceId: c.instanceId,
      reason: c.disruptionReason,
      lastError: c.lastError,
      createdMin: Math.round(((c.createdAt - start) / 60_000) * 10) / 10,
    })),
    instances: ours.map((i) => ({
      instanceType: i.instanceType,
      zone: i.zone,
      capacityType: i.capacityType,
      state: i.state,
      pool: i.tags["karpenter.sh/nodepool"] ?? i.tags["karpenter.sh/provisioner-name"],
    })),
  } satisfies TwinReport;
}

function summarize(details: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    if (Array.isArray(v)) parts.push(`${k}: ${v.length}`);
    else if (typeof v !== "object") parts.push(`${k}: ${v}`);
    if (parts.length >= 4) break;
  }
  return parts.join(", ");
}
