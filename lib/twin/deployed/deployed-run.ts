/**
 * `stevedore simulate --deployed`: a scenario's cluster (fake kube-apiserver, AWS emulator, kubelets, workloads,
 * kube-scheduler) with the deployed stack instead of in-process controllers, on the twin's virtual clock. The cluster
 * ticks every virtual second as in the in-process twin (`startClusterLoop`); each schedule rule fires its function
 * asynchronously at its rate; interruption events reach the function through the queue's event source mapping,
 * which polls every virtual second (reaction seconds), or through the rules straight away (reaction minute). The bundles
 * run in their own processes on the same virtual clock (the virtual-time preload), so a controller loop of
 * `loopSeconds` spends virtual time. After the scenario's end (and settle) the cluster and the stack keep running
 * for a quiet tail (`quietMinutes`) with no scenario steps, so the bill can price the scenario's end state between
 * bursts (`run-windows.ts`, `deployed-cost.ts`). At the end of the tail the in-process twin's judge (`buildReport`,
 * `checkInvariants`) reads the emulator, the apiserver and the deployed stack's table.
 */
import type { Pod } from "../../core/kube-objects.js";
import { isDaemonSetPod } from "../../core/pods.js";
import { DEFAULT_BURSTS_PER_DAY } from "../../cost/daily-pattern.js";
import type { TemplateLike } from "../../cost/stack-inventory.js";
import { createDynamoClient } from "../../state/clients.js";
import { DynamoStateStore } from "../../state/dynamo-store.js";
import { trackHttpServerActivity } from "../activity-channel.js";
import type { InstanceSnapshot } from "../aws/index.js";
import type { TwinReport } from "../report.js";
import { runToEndWith, startClusterLoop, type WindDown } from "../run/loop.js";
import { buildReport, podCounts } from "../run/report-builder.js";
import { setUpRun } from "../run/setup.js";
import type { TimedLatency } from "../run/timed-telemetry.js";
import type { Scenario } from "../scenario.js";
import { startTwinWorld, type TwinWorld } from "../twin-world.js";
import { VirtualClock } from "../virtual-clock.js";
import { AssemblyError, readAssembly } from "./assembly.js";
import { startDeployedControllers } from "./deployed-controllers.js";
import { deployedControllerCost, type MeasuredRequests } from "./deployed-cost.js";
import { DeployedStack } from "./deployed-stack.js";
import { decisionLatenciesInLine } from "./emf-latencies.js";
import { type FunctionHeadroom, functionHeadroom } from "./function-headroom.js";
import { type LambdaReportEntry, lambdaReport } from "./lambda-report.js";
import { LogVolume, type RunRequests } from "./run-requests.js";
import {
  type DynamoUsageDelta,
  type RunWindows,
  type ScenarioEnd,
  scenarioWindows,
  usageSnapshot,
} from "./run-windows.js";
import { scenarioReaction } from "./scenario-stack-settings.js";
import { readDeployedModel } from "./template-model.js";

/** Settings of {@link runDeployed}. */
export interface DeployedRunOptions {
  scenario: Scenario;
  assemblyDir: string;
  /** Virtual minutes to run. @default the scenario's duration */
  minutes?: number;
  /** Progress lines. @default dropped */
  onLine?: (line: string) => void;
  /** Function output lines. @default dropped */
  onOutput?: (fn: string, line: string) => void;
  /**
   * Virtual minutes the cluster and the controllers keep running after the scenario's end (and settle), with no
   * scenario steps: the quiet tail whose rate fills the month between bursts. 0 measures no tail (the month is then
   * the scenario back to back). @default 10
   */
  quietMinutes?: number;
  /** Bursts (the scenario) a day in the month the bill extrapolates to. @default 1 */
  burstsPerDay?: number;
}

/** A run option that is not a number the run accepts. */
export class DeployedRunOptionError extends Error {
  constructor(
    readonly option: string,
    value: unknown,
  ) {
    super(`${option}: expected a number ≥ 0, got ${JSON.stringify(value)}`);
    this.name = "DeployedRunOptionError";
  }
}

/** The quiet tail's length unless told otherwise, virtual minutes. */
export const DEFAULT_QUIET_MINUTES = 10;

/** The value of a non-negative numeric option, or its default; throws naming the option otherwise. */
export function nonNegativeOption(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    throw new DeployedRunOptionError(option, value);
  return value;
}

/** The deployed run's report (`out/report.json` in deployed mode). */
export interface DeployedReport {
  mode: "deployed";
  scenario: string;
  virtualMinutes: number;
  wallTimeMs: number;
  stack: {
    table?: string;
    queues: string[];
    rules: string[];
    functions: string[];
    eventSourceMappings: number;
    unmodelled: { logicalId: string; type: string }[];
  };
  lambda: Record<string, LambdaReportEntry>;
  /** Per function that ran: its largest CPU time, duration and heap of one invocation against its limits. */
  headroom: Record<string, FunctionHeadroom>;
  /** DynamoDB units, SQS requests, decision events and log bytes the functions' calls made (the bill's inputs). */
  requests: RunRequests;
  iam: {
    denials: { role: string; action: string; resource: string }[];
    calls: Record<string, { total: number; denied: number }>;
  };
  cluster: { liveInstances: number; pendingPods: number; nodes: number; withoutNodeAccess: number };
  queues: Record<string, { visible: number; inFlight: number }>;
  /** The controller's own monthly bill, extrapolated from the billed durations (USD). */
  controllerCost: ReturnType<typeof deployedControllerCost>;
  /**
   * The quiet tail after the scenario: its virtual minutes, and its counters (end of the tail less the scenario's
   * end). `windows` says which window each section of the report describes.
   */
  quietTail: {
    /** Virtual minutes of the tail (its last invocations' grace included). */
    minutes: number;
    /** The virtual minute of the run the tail starts at: the scenario's end, settle and wind-down included. */
    startsAtMinute: number;
    /**
     * Virtual minutes the scenario ran past its settle until no instance had been launched or ended for 3 minutes
     * (at most 30): the work it set off, billed with the scenario, not with the quiet rate.
     */
    windDownMinutes: number;
    lambda: Record<string, { invocations: number; gbSeconds: number }>;
    requests: MeasuredRequests;
    /** The tail's DynamoDB requests and units by `<caller> <Action> <partition>`. */
    dynamodbByCall: Record<string, DynamoUsageDelta>;
    launched: number;
    windows: string;
  };
  /** The in-process twin's judge on the final state (the end of the quiet tail). */
  invariants: TwinReport["invariants"];
  violations: string[];
  pods: TwinReport["pods"];
  nodes: TwinReport["nodes"];
  interruptions: TwinReport["interruptions"];
  cost: TwinReport["cost"];
  latency: TwinReport["latency"];
  /** Decisions the deployed controllers recorded, by kind. */
  decisionKinds: Record<string, number>;
}

const ACCOUNT = "123456789012";

/** Runs a scenario against the deployed stack of an assembly. */
export async function runDeployed(opts: DeployedRunOptions): Promise<DeployedReport> {
  const wallStart = Date.now();
  const { scenario } = opts;
  const quietMinutes = nonNegativeOption("quietMinutes", opts.quietMinutes, DEFAULT_QUIET_MINUTES);
  const burstsPerDay = nonNegativeOption("burstsPerDay", opts.burstsPerDay, DEFAULT_BURSTS_PER_DAY);
  const a = readAssembly(opts.assemblyDir);
  const model = readDeployedModel(a.template, a.dir, {
    account: ACCOUNT,
    region: scenario.region,
    partition: "aws",
    stackName: a.stackName,
  });
  const cluster = model.functions.find((f) => f.environment.STEVEDORE_CLUSTER_NAME)?.environment.STEVEDORE_CLUSTER_NAME;
  if (cluster !== scenario.clusterName) {
    throw new AssemblyError(
      a.dir,
      `synthesized for cluster ${cluster}; scenario ${scenario.name} runs cluster ${scenario.clusterName}`,
    );
  }
  const reaction = model.functions.find((f) => f.environment.STEVEDORE_REACTION)?.environment.STEVEDORE_REACTION;
  if (reaction && reaction !== scenarioReaction(scenario)) {
    throw new AssemblyError(
      a.dir,
      `synthesized with reaction ${reaction}; scenario ${scenario.name} asks for controllers.reaction ${scenarioReaction(scenario)}`,
    );
  }
  const clock = new VirtualClock({ start: Date.now() });
  const stopTracking = trackHttpServerActivity(clock.activity);
  const world = await startTwinWorld(scenario, clock);
  let stack: DeployedStack | undefined;
  // The provisioner's decision latencies, read from its embedded-metric-format output.
  const emfLatencies: TimedLatency[] = [];
  const logs = new LogVolume();
  let runStart = clock.now();
  try {
    const dynamo = createDynamoClient({ endpoint: world.dynalite.endpoint, region: scenario.region, maxAttempts: 1 });
    stack = await DeployedStack.standUp({
      model,
      emulator: world.aws,
      dynamo: { client: dynamo, endpoint: world.dynalite.endpoint },
      kube: { url: world.kube.url, token: world.kube.token },
      template: a.template,
      clock,
      onOutput: (fn, line) => {
        for (const ms of decisionLatenciesInLine(line)) emfLatencies.push({ t: clock.now() - runStart, ms });
        logs.line(fn, line);
        opts.onOutput?.(fn, line);
      },
    });
    const deployed = stack;
    const deployedState = new DynamoStateStore({ client: dynamo, tableName: model.table?.name ?? "", clock });
    const deployedWorld = withDeployedState(world, deployedState, clock);
    const minutes = opts.minutes;
    // The scenarios' NodeClasses name the stack's node role, StevedoreNodeRole-<cluster>; one naming another role
    // gets nodes that never join, as on EKS (the report counts them as withoutNodeAccess).
    const run = await setUpRun(
      minutes === undefined ? scenario : { ...scenario, duration: `${minutes}m` },
      0,
      clock,
      deployedWorld,
    );
    runStart = clock.now();
    // The emulator's events go to the stack's rules, not to the in-process bus.
    run.stopEvents();
    const stopEvents = world.aws.onEvent((event) => deployed.publish(event));
    // Kubelets only see instances whose role has node access; the others run and never join.
    const joinable = (all: InstanceSnapshot[]) => all.filter((i) => deployed.mayJoin(i, world.aws));
    const clusterLoop = startClusterLoop(run, opts.onLine, joinable);
    const controllers = startDeployedControllers(deployed, clock);
    const launched = () => world.aws.instances().length;
    let scenarioEnd: ScenarioEnd | undefined;
    const atScenarioEnd = () => {
      scenarioEnd = {
        usage: usageSnapshot(clock.now(), deployed, logs, launched()),
        pods: podCounts(world.store.list<Pod>("pods").filter((p) => !isDaemonSetPod(p))),
        podsReady: run.collector.podReadyMs.length,
      };
    };
    const windDown = windDownUntilStill(world, deployedState);
    const tail = quietMinutes > 0 ? { ms: quietMinutes * 60_000, atScenarioEnd, windDown } : undefined;
    const triggers = { stop: () => controllers.stop(), running: () => deployed.lambda.running };
    await runToEndWith(run, clusterLoop, triggers, tail);
    stopEvents();
    const end = usageSnapshot(clock.now(), deployed, logs, launched());
    const windows = scenarioWindows(run, runStart, scenarioEnd, end, emfLatencies);
    const twin = await buildReport(run, wallStart);
    const pools = (await world.config.load()).nodePools.length;
    return report(scenario, deployed, world, twin, { template: a.template, pools, windows, burstsPerDay });
  } finally {
    await stack?.close();
    await world.close();
    stopTracking();
  }
}

/** The instances neither launched nor ended for this long: the scenario's work is done. */
const WIND_DOWN_STILL_MS = 3 * 60_000;
/** The longest a scenario's wind-down may run before the tail starts anyway. */
const WIND_DOWN_MAX_MS = 30 * 60_000;

/**
 * The scenario winds down until no instance has been launched or ended for {@link WIND_DOWN_STILL_MS} and the
 * stack's table holds no closed claim (the GC deletes them some minutes after their instance ended): what the
 * scenario's churn costs to clean up is the scenario's, not the quiet month's.
 */
function windDownUntilStill(world: TwinWorld, table: DynamoStateStore): WindDown {
  const state = () => {
    const all = world.aws.instances();
    return `${all.length}/${all.filter((i) => i.state === "pending" || i.state === "running").length}`;
  };
  const outstanding = async () =>
    (await table.listClaims({ includeTerminated: true })).some((c) => c.state === "Terminated");
  return { stillForMs: WIND_DOWN_STILL_MS, maxMs: WIND_DOWN_MAX_MS, state, outstanding };
}

/** The world as the deployed controllers see it: their own table, which config changes are copied into. */
function withDeployedState(world: TwinWorld, deployedState: DynamoStateStore, clock: VirtualClock): TwinWorld {
  return {
    ...world,
    state: deployedState,
    async applyConfig(yaml) {
      await world.applyConfig(yaml);
      for (const item of await world.state.listConfig()) {
        const existing = await deployedState.getConfig(item.kind, item.name);
        await deployedState.putConfig(
          { kind: item.kind, name: item.name, document: item.document },
          clock.now(),
          existing?.version ?? 0,
        );
      }
    },
  };
}

/** What the report needs besides the stack and the run: the template, the pools and the run's windows. */
interface BillFacts {
  template: TemplateLike;
  pools: number;
  windows: RunWindows;
  burstsPerDay: number;
}

const toMinutes = (ms: number) => Math.round((ms / 60_000) * 100) / 100;

const WINDOWS =
  "virtualMinutes, pods, latency, requests and controllerCost.scenario*: the scenario (its end, settle, wind-down); " +
  "quietTail: the tail after it; lambda, headroom, nodes, cost, cluster, queues, invariants and violations: the whole " +
  "run, judged at the end of the tail";

function report(
  scenario: Scenario,
  stack: DeployedStack,
  world: TwinWorld,
  twin: TwinReport,
  facts: BillFacts,
): DeployedReport {
  const { model } = stack;
  const pods = world.store.view<Pod>("pods");
  const { windows } = facts;
  const quiet = windows.quiet;
  return {
    mode: "deployed",
    scenario: scenario.name,
    virtualMinutes: Math.round(windows.scenario.elapsedMs / 60_000),
    wallTimeMs: twin.wallTimeMs,
    stack: {
      ...(model.table
        ? {
            table: `${model.table.name} (${model.table.partitionKey}/${model.table.sortKey}, ttl ${model.table.ttlAttribute})`,
          }
        : {}),
      queues: model.queues.map(
        (q) =>
          `${q.name} (visibility ${q.visibilityTimeoutSeconds}s${q.redrive ? `, DLQ after ${q.redrive.maxReceiveCount}` : ""})`,
      ),
      rules: model.rules.map((r) => `${r.logicalId}: ${r.schedule ?? JSON.stringify(r.pattern)}`),
      functions: model.functions.map(
        (f) =>
          `${f.name}: ${f.runtime} ${f.memoryMb} MB ${f.timeoutSeconds}s reserved ${f.reservedConcurrency ?? "-"} retries ${f.maxRetryAttempts} max age ${f.maxEventAgeSeconds}s`,
      ),
      eventSourceMappings: model.eventSourceMappings.length,
      unmodelled: model.unmodelled,
    },
    lambda: lambdaReport(stack.lambda.metrics()),
    headroom: functionHeadroom(model.functions, stack.lambda.metrics()),
    requests: windows.requests,
    quietTail: {
      minutes: quiet ? toMinutes(quiet.elapsedMs) : 0,
      startsAtMinute: toMinutes(windows.scenario.elapsedMs),
      windDownMinutes: toMinutes(windows.windDownMs),
      lambda: quiet?.metrics ?? {},
      requests: quiet?.requests ?? {},
      dynamodbByCall: windows.quietDynamoByCall ?? {},
      launched: quiet?.launched ?? 0,
      windows: WINDOWS,
    },
    iam: {
      denials: stack.iam.denials.map((d) => ({ role: d.roleArn, action: d.check.action, resource: d.check.resource })),
      calls: Object.fromEntries(stack.gateway.calls),
    },
    cluster: {
      liveInstances: world.aws.instances().filter((i) => i.state === "running" || i.state === "pending").length,
      pendingPods: pods.filter((p) => !p.spec?.nodeName).length,
      nodes: world.store.view("nodes").length,
      withoutNodeAccess: world.aws
        .instances()
        .filter((i) => (i.state === "running" || i.state === "pending") && !stack.mayJoin(i, world.aws)).length,
    },
    queues: Object.fromEntries(model.queues.map((q) => [q.name, stack.queues.depth(q.arn)])),
    invariants: twin.invariants,
    violations: twin.violations,
    pods: windows.pods ?? twin.pods,
    nodes: twin.nodes,
    interruptions: twin.interruptions,
    cost: twin.cost,
    latency: twin.latency,
    decisionKinds: countBy(twin.decisions.map((d) => `${d.controller}.${d.action}`)),
    controllerCost: deployedControllerCost({
      template: facts.template,
      logicalIds: Object.fromEntries(model.functions.map((f) => [f.name, f.logicalId])),
      scenario: windows.scenario,
      ...(quiet ? { quiet } : {}),
      burstsPerDay: facts.burstsPerDay,
      liveNodes: world.aws.instances().filter((i) => i.state === "running" || i.state === "pending").length,
      pods: pods.length,
      pools: facts.pools,
    }),
  };
}

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}
