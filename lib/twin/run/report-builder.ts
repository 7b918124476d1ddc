/**
 * Assembles the report of a finished twin run: a last timeline sample, the invariants checked on the final state,
 * the decisions and claims from the state table, the instances Stevedore launched, and the run's counters.
 */

import type { Pod } from "../../core/kube-objects.js";
import { isDaemonSetPod } from "../../core/pods.js";
import { LABEL_NODEPOOL, LABEL_PROVISIONER_NAME } from "../../core/well-known.js";
import type { NodeClaim } from "../../state/types.js";
import type { InstanceSnapshot } from "../aws/index.js";
import { checkInvariants, type InvariantResult } from "../invariants.js";
import { isStevedoreInstance } from "../our-instances.js";
import { type InvocationSummary, integrateCost, percentile, type ReportDecision, type TwinReport } from "../report.js";
import { twinControllerCost } from "./controller-cost.js";
import { kubeEventCounts, poolCosts } from "./pool-costs.js";
import type { TwinRun } from "./setup.js";

/** A pod still pending this long at the end is stranded. */
const STRANDED_AFTER_MS = 10 * 60_000;
/** Decisions read back from the state table for the report. */
const REPORTED_DECISIONS = 500;
/** Warnings kept in the report (all logs when `STEVEDORE_TWIN_ALL_LOGS=1`). */
const REPORTED_WARNINGS = 200;

/** Builds the report; `wallStart` is the real time the run started. */
export async function buildReport(run: TwinRun, wallStart: number): Promise<TwinReport> {
  const { world, collector, scenario, start } = run;
  const now = run.clock.now();
  const pods = world.store.list<Pod>("pods");
  const instances = world.aws.instances();
  const workloadPods = pods.filter((p) => !isDaemonSetPod(p));
  collector.sample(now, workloadPods, instances, world.aws.hourlyCost());
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
    evictionsByUid: world.kube.store.evictionsByUid,
  });
  const ours = instances.filter((i) => isStevedoreInstance(i.tags));
  const decisions = await reportDecisions(run);
  const latencyMs = run.latencies.map((l) => l.ms);
  const decisionEvents = world.aws.defaultEventBus.countsByDetailType();
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    chaos: run.chaos,
    pods: podCounts(workloadPods),
    nodes: nodeCounts(ours, invariants),
    cost: {
      total: Math.round(world.aws.totalCost() * 1e4) / 1e4 || integrateCost(collector.timeline),
      peakPerHour: Math.max(0, ...collector.timeline.map((s) => s.costPerHour)),
    },
    latency: {
      decisionP50Ms: Math.round(percentile(latencyMs, 50)),
      decisionP99Ms: Math.round(percentile(latencyMs, 99)),
      podReadyP50Ms: Math.round(percentile(collector.podReadyMs, 50)),
      podRunningP50Ms: Math.round(percentile(collector.podReadyMs, 50)),
      podRunningP99Ms: Math.round(percentile(collector.podReadyMs, 99)),
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
      podsEvictedTwice: invariants.podsEvictedTwice,
    },
    violations: invariants.details,
    wallTimeMs: Date.now() - wallStart,
    virtualMinutes: Math.round((now - start) / 60_000),
    settle: run.settle,
    timeline: collector.timeline,
    decisions,
    decisionLatenciesMs: run.latencies,
    chaosKills: run.chaosStats.killsBefore + run.chaosStats.killsAfter,
    crashes: run.crashes,
    invocations: invocationSummaries(run),
    crashedInvocations: run.bus.stats.crashed,
    throttledInvocations: run.bus.stats.throttled,
    warnings: reportedWarnings(run.logs),
    claims: allClaims.map((c) => claimRow(c, start)),
    instances: ours.map(instanceRow),
    costPerPool: poolCosts(
      instances,
      now,
      pools.map((p) => p.name),
    ),
    decisionEvents,
    kubeEvents: kubeEventCounts(world.kube.store),
    controllerCost: twinControllerCost(run, {
      elapsedMs: now - start,
      liveNodes: ours.filter((i) => i.state === "pending" || i.state === "running").length,
      launched: ours.length,
      pods: workloadPods.length,
      pools: pools.length,
      decisionEvents: Object.values(decisionEvents).reduce((a, b) => a + b, 0),
    }),
  } satisfies TwinReport;
}

/** Per function: invocations started, and the CPU, heap and deadline stops of the finished ones. */
export function invocationSummaries(run: TwinRun): Record<string, InvocationSummary> {
  const out: Record<string, InvocationSummary> = {};
  const started = run.bus.stats.invocations;
  const names = new Set([...Object.keys(started), ...run.invocationUsage.map((u) => u.controller)]);
  for (const name of [...names].sort()) {
    const usage = run.invocationUsage.filter((u) => u.controller === name);
    const cpu = usage.map((u) => u.cpuMs);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    out[name] = {
      count: started[name] ?? usage.length,
      cpuMsP50: round(percentile(cpu, 50)),
      cpuMsMax: round(Math.max(0, ...cpu)),
      heapMbMax: round(Math.max(0, ...usage.map((u) => u.heapMb))),
      deadlineStops: usage.filter((u) => u.deadlineStop).length,
    };
  }
  return out;
}

/** Workload pods at the end: how many there are, scheduled, and still pending. */
export function podCounts(workloadPods: Pod[]): TwinReport["pods"] {
  return {
    total: workloadPods.length,
    scheduled: workloadPods.filter((p) => p.spec.nodeName).length,
    pendingAtEnd: workloadPods.filter(
      (p) => !p.spec.nodeName && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed",
    ).length,
  };
}

/** Instances Stevedore launched, terminated, and leaked. */
function nodeCounts(ours: InstanceSnapshot[], invariants: InvariantResult): TwinReport["nodes"] {
  return {
    launched: ours.length,
    terminated: ours.filter((i) => i.state === "shutting-down" || i.state === "terminated").length,
    leaked: invariants.leakedInstances,
  };
}

/** The controllers' decisions since the run started, with a one-line reason each. */
async function reportDecisions(run: TwinRun): Promise<ReportDecision[]> {
  return (await run.world.state.listDecisions(run.start, REPORTED_DECISIONS)).map((d) => ({
    t: d.at - run.start,
    controller: d.controller,
    action: d.action,
    reason: String(d.details.reason ?? d.details.message ?? summarize(d.details)),
  }));
}

/** The last warnings and errors (every log line when `STEVEDORE_TWIN_ALL_LOGS=1`). */
function reportedWarnings(logs: string[]): string[] {
  const all = process.env.STEVEDORE_TWIN_ALL_LOGS === "1";
  return logs.filter((l) => all || / (warn|error): /.test(l)).slice(all ? 0 : -REPORTED_WARNINGS);
}

/** A claim's row in the report. */
function claimRow(c: NodeClaim, start: number): NonNullable<TwinReport["claims"]>[number] {
  return {
    id: c.id,
    state: c.state,
    pods: c.pods.length,
    instanceId: c.instanceId,
    reason: c.disruptionReason,
    lastError: c.lastError,
    createdMin: Math.round(((c.createdAt - start) / 60_000) * 10) / 10,
  };
}

/** A launched instance's row in the report. */
function instanceRow(i: InstanceSnapshot): NonNullable<TwinReport["instances"]>[number] {
  return {
    instanceType: i.instanceType,
    zone: i.zone,
    capacityType: i.capacityType,
    state: i.state,
    pool: i.tags[LABEL_NODEPOOL] ?? i.tags[LABEL_PROVISIONER_NAME],
  };
}

/** A short `key: value` summary of a decision's details (arrays by length, objects left out). */
function summarize(details: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    if (Array.isArray(v)) parts.push(`${k}: ${v.length}`);
    else if (typeof v !== "object") parts.push(`${k}: ${v}`);
    if (parts.length >= 4) break;
  }
  return parts.join(", ");
}
