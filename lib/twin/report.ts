/**
 * The twin's report: the `out/report.json` contract (README "Contracts"; fields may be added, never removed) and the
 * time series the HTML report charts.
 */

/** One sample of cluster state, taken every virtual minute (and at the end). */
export interface TimelineSample {
  /** Virtual ms since the scenario started. */
  t: number;
  pendingPods: number;
  runningPods: number;
  nodesByCapacityType: Record<string, number>;
  nodesByInstanceType: Record<string, number>;
  costPerHour: number;
}

/** One controller decision as shown in the report's table. */
export interface ReportDecision {
  /** Virtual ms since the scenario started. */
  t: number;
  controller: string;
  action: string;
  reason: string;
}

/** The `report.json` document. */
export interface TwinReport {
  scenario: string;
  seed: number;
  chaos: number;
  pods: { total: number; scheduled: number; pendingAtEnd: number };
  nodes: { launched: number; terminated: number; leaked: number };
  cost: { total: number; peakPerHour: number };
  latency: {
    /**
     * Per pod the provisioner acted for: created (pending) → the launch call for the node planned for it, or → its
     * placement being recorded on an in-flight claim; median. Pods kube-scheduler binds to existing room are not
     * counted (no launch was needed).
     */
    decisionP50Ms: number;
    /** The same per-pod decision latency, 99th percentile. */
    decisionP99Ms: number;
    podReadyP50Ms: number;
    /** Per workload pod: created (pending) → Running, median. */
    podRunningP50Ms: number;
    /** Per workload pod: created (pending) → Running, 99th percentile. */
    podRunningP99Ms: number;
  };
  interruptions: { received: number; drainedInTime: number; replaced: number };
  invariants: {
    duplicateLaunches: number;
    leakedInstances: number;
    strandedPods: number;
    violations: number;
    /** Pods (by uid) evicted more than once. */
    podsEvictedTwice: number;
  };
  /** Human-readable invariant violations (empty when all invariants hold). */
  violations: string[];
  wallTimeMs: number;
  virtualMinutes: number;
  /**
   * The end rule (scenarios with `settle`): how long past the scenario's duration the run went on until every
   * workload pod was Running or finished (`tookMs`, at most `limitMs`), and whether it got there.
   */
  settle?: { limitMs: number; tookMs: number; settled: boolean };
  timeline: TimelineSample[];
  decisions: ReportDecision[];
  /** Decision latencies (ms, one per pod: pending → launch requested or in-flight place recorded), for the chart. */
  decisionLatenciesMs: { t: number; ms: number }[];
  /** Invocations killed by chaos. */
  chaosKills?: number;
  /** Controller invocations that failed with an error that chaos did not cause. */
  crashes?: string[];
  /** Every instance Stevedore launched: type, zone, capacity type, final state. */
  instances?: { instanceType: string; zone: string; capacityType: string; state: string; pool?: string }[];
  /** Final state of every node claim (the state table's intent log). */
  claims?: {
    id: string;
    state: string;
    pods: number;
    instanceId?: string;
    reason?: string;
    lastError?: string;
    createdMin: number;
  }[];
  /** The controllers' last warnings and errors. */
  warnings?: string[];
  /** Invocations per function that ended in an error (chaos kills included). */
  crashedInvocations?: Record<string, number>;
  /** Scheduled invocations dropped because the previous one was still running (reserved concurrency 1). */
  throttledInvocations?: Record<string, number>;
  /** Per function: its invocations, and the CPU and heap they used. */
  invocations?: Record<string, InvocationSummary>;
  /** Per pool: nodes launched and live, $/hour at the end, dollars accrued. */
  costPerPool?: PoolCost[];
  /** Decision events the emulator's default event bus received, by detail-type. */
  decisionEvents?: Record<string, number>;
  /** Kubernetes events the controllers wrote (summed counts), by reason. */
  kubeEvents?: Record<string, number>;
  /** The controller's own monthly bill, extrapolated from the run (USD; `stevedore cost` itemizes it). */
  controllerCost?: {
    monthlyUsd: number;
    byService: Record<string, number>;
    prices: string;
    notPriced: string[];
    /** Per function: invocations and GB-seconds a month, and their dollars. */
    byFunction: Record<string, { invocations: number; gbSeconds: number; usd: number }>;
    basis: string;
  };
}

/** One pool's line in the report: what it launched, runs and costs. */
export interface PoolCost {
  pool: string;
  /** Instances launched for it over the run. */
  launched: number;
  /** Instances pending or running at the end. */
  liveNodes: number;
  /** Their $/hour at the end. */
  costPerHour: number;
  /** Dollars accrued over the run (running time × price). */
  accruedCost: number;
}

/** What one function's invocations did over a run. */
export interface InvocationSummary {
  /** Invocations started. */
  count: number;
  /** Median CPU ms of a finished invocation's own computation (charged to virtual time when the run charges CPU). */
  cpuMsP50: number;
  /** The largest CPU ms of one invocation. */
  cpuMsMax: number;
  /** The process's largest heap in use (MB) while one of them ran; the twin's own heap is included. */
  heapMbMax: number;
  /** Invocations that ended because their deadline arrived. */
  deadlineStops: number;
}

/** The p-th percentile (0..100) of values, nearest-rank; 0 for an empty list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Integrates $/hour over the timeline into total dollars (step function between samples). */
export function integrateCost(timeline: TimelineSample[]): number {
  let total = 0;
  for (let i = 1; i < timeline.length; i++) {
    const hours = (timeline[i].t - timeline[i - 1].t) / 3_600_000;
    total += timeline[i - 1].costPerHour * hours;
  }
  return Math.round(total * 1e4) / 1e4;
}

/** The end rule's row, for a scenario with `settle`. */
function settleRow(r: TwinReport): [string, string][] {
  if (!r.settle) return [];
  const took = `${(r.settle.tookMs / 1000).toFixed(0)} s past the duration`;
  return [["settled", r.settle.settled ? took : `not within ${(r.settle.limitMs / 1000).toFixed(0)} s`]];
}

/** One-line summary rows for the terminal. */
export function summaryRows(r: TwinReport): [string, string][] {
  return [
    ["scenario", `${r.scenario} (seed ${r.seed}${r.chaos > 0 ? `, chaos ${r.chaos}` : ""})`],
    ["virtual time", `${r.virtualMinutes} min in ${(r.wallTimeMs / 1000).toFixed(1)} s wall`],
    ["pods", `${r.pods.scheduled}/${r.pods.total} scheduled, ${r.pods.pendingAtEnd} pending at end`],
    ...settleRow(r),
    ["nodes", `${r.nodes.launched} launched, ${r.nodes.terminated} terminated, ${r.nodes.leaked} leaked`],
    ["cost", `$${r.cost.total.toFixed(4)} total, peak $${r.cost.peakPerHour.toFixed(4)}/h`],
    [
      "latency",
      `decision p50 ${r.latency.decisionP50Ms} ms, p99 ${r.latency.decisionP99Ms} ms; pod ready p50 ${(r.latency.podReadyP50Ms / 1000).toFixed(1)} s`,
    ],
    [
      "interruptions",
      `${r.interruptions.received} received, ${r.interruptions.drainedInTime} drained in time, ${r.interruptions.replaced} replaced`,
    ],
    [
      "invariants",
      `duplicate launches ${r.invariants.duplicateLaunches}, leaked instances ${r.invariants.leakedInstances}, stranded pods ${r.invariants.strandedPods}, violations ${r.invariants.violations}, pods evicted twice ${r.invariants.podsEvictedTwice}`,
    ],
    ...(r.costPerPool ?? []).map((p): [string, string] => [
      `pool ${p.pool}`,
      `${p.liveNodes} nodes now, $${p.costPerHour.toFixed(4)}/h; ${p.launched} launched, $${p.accruedCost.toFixed(4)} accrued`,
    ]),
    ...countsRow("decision events", r.decisionEvents),
    ...countsRow("kube events", r.kubeEvents),
  ];
}

function countsRow(label: string, counts: Record<string, number> | undefined): [string, string][] {
  if (!counts) return [];
  const entries = Object.entries(counts);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  return [[label, `${total}${entries.length > 0 ? ` (${entries.map(([k, n]) => `${k} ${n}`).join(", ")})` : ""}`]];
}

/** The summary as an aligned text table. */
export function renderSummary(r: TwinReport): string {
  const rows = summaryRows(r);
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`);
  if (r.violations.length > 0) lines.push("", "  violations:", ...r.violations.map((v) => `    - ${v}`));
  return `${lines.join("\n")}\n`;
}
