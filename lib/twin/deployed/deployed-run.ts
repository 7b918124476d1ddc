/**
 * `stevedore simulate --deployed`: a scenario's cluster (fake kube-apiserver, AWS emulator, kubelets, workloads,
 * kube-scheduler) with the deployed stack instead of in-process controllers. The run goes in rounds: each round
 * applies the scenario steps now due, invokes every function whose schedule rule fires in that round (the bundles
 * run in real time, each to its end), delivers queued interruption messages through the event source mapping, then
 * moves the cluster on by one round of virtual time. Controllers read the wall clock; the cluster the virtual one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scheduleIntervalSeconds } from "../../cloud/aws/event-patterns.js";
import type { Pod } from "../../core/kube-objects.js";
import { seededRandom } from "../../core/seeded-random.js";
import type { TemplateLike } from "../../cost/stack-inventory.js";
import { createDynamoClient } from "../../state/clients.js";
import { DynamoStateStore } from "../../state/dynamo-store.js";
import { setUpRun } from "../run/setup.js";
import { parseDurationMs, type Scenario } from "../scenario.js";
import { applyStep, type StepContext } from "../scenario-steps.js";
import { startTwinWorld } from "../twin-world.js";
import { VirtualClock } from "../virtual-clock.js";
import { AssemblyError, readAssembly } from "./assembly.js";
import { deployedControllerCost } from "./deployed-cost.js";
import { DeployedStack } from "./deployed-stack.js";
import { type LambdaReportEntry, lambdaReport } from "./lambda-report.js";
import { readDeployedModel } from "./template-model.js";

/** Settings of {@link runDeployed}. */
export interface DeployedRunOptions {
  scenario: Scenario;
  assemblyDir: string;
  /** Rounds to run. @default the scenario's duration in minutes, at most 10 */
  rounds?: number;
  /** Virtual cluster time per round. @default 60000 */
  roundMs?: number;
  /** Progress lines. @default dropped */
  onLine?: (line: string) => void;
  /** Function output lines. @default dropped */
  onOutput?: (fn: string, line: string) => void;
}

/** The deployed run's report (`out/report.json` in deployed mode). */
export interface DeployedReport {
  mode: "deployed";
  scenario: string;
  rounds: number;
  stack: {
    table?: string;
    queues: string[];
    rules: string[];
    functions: string[];
    eventSourceMappings: number;
    unmodelled: { logicalId: string; type: string }[];
  };
  lambda: Record<string, LambdaReportEntry>;
  iam: {
    denials: { role: string; action: string; resource: string }[];
    calls: Record<string, { total: number; denied: number }>;
  };
  cluster: { liveInstances: number; pendingPods: number; nodes: number; withoutNodeAccess: number };
  queues: Record<string, { visible: number; inFlight: number }>;
  /** The controller's own monthly bill, extrapolated from the billed durations (USD). */
  controllerCost: ReturnType<typeof deployedControllerCost>;
}

const ACCOUNT = "123456789012";

/** Runs a scenario against the deployed stack of an assembly. */
export async function runDeployed(opts: DeployedRunOptions): Promise<DeployedReport> {
  const { scenario } = opts;
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
  const clock = new VirtualClock({ start: Date.now() });
  const world = await startTwinWorld(scenario, clock);
  const scratch = mkdtempSync(join(tmpdir(), "stevedore-deployed-"));
  let stack: DeployedStack | undefined;
  try {
    const run = await setUpRun(scenario, 0, clock, world);
    const dynamo = createDynamoClient({ endpoint: world.dynalite.endpoint, region: scenario.region, maxAttempts: 1 });
    stack = await DeployedStack.standUp({
      model,
      emulator: world.aws,
      dynamo: { client: dynamo, endpoint: world.dynalite.endpoint },
      kube: { url: world.kube.url, token: world.kube.token },
      template: a.template,
      ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
    });
    const deployedState = new DynamoStateStore({ client: dynamo, tableName: model.table?.name ?? "" });
    for (const item of await world.state.listConfig()) {
      await deployedState.putConfig({ kind: item.kind, name: item.name, document: item.document }, Date.now());
    }
    const deployed = stack;
    // Kubelets only see instances whose role has node access; the others run and never join.
    const joinable = () => world.aws.instances().filter((i) => deployed.mayJoin(i, world.aws));
    world.aws.onEvent((event) => deployed.publish(event));
    const roundMs = opts.roundMs ?? 60_000;
    const rounds = opts.rounds ?? Math.min(10, Math.ceil(parseDurationMs(scenario.duration) / roundMs));
    const steps = scenario.steps.map((step) => ({ step, at: run.start + parseDurationMs(step.at) }));
    const stepCtx: StepContext = {
      world,
      clock,
      collector: run.collector,
      random: seededRandom(scenario.seed),
      later: [],
    };
    const schedules = model.rules
      .filter((r) => r.enabled && r.schedule)
      .flatMap((r) =>
        r.targets.map((t) => ({
          arn: t.arn,
          everyRounds: Math.max(1, Math.round((scheduleIntervalSeconds(r.schedule ?? "") * 1000) / roundMs)),
        })),
      );
    for (let round = 1; round <= rounds; round++) {
      while (steps.length > 0 && (steps[0]?.at ?? 0) <= clock.now()) await applyStep(stepCtx, steps.shift()!.step);
      run.sim.tick(clock.now(), joinable());
      const due = schedules.filter((s) => round % s.everyRounds === 0);
      const results = await Promise.all(due.map((s) => deployed.invokeScheduled(deployed.lambda.function(s.arn).name)));
      await deployed.pollQueues();
      for (let t = 0; t < roundMs; t += 1_000) {
        await clock.advance(1_000);
        world.aws.tick(clock.now());
        run.sim.tick(clock.now(), joinable());
      }
      opts.onLine?.(
        `round ${round}/${rounds}: ${due.map((s, i) => `${deployed.lambda.function(s.arn).name} ${results[i]?.status}`).join(", ")}; ` +
          `${world.aws.instances().filter((i) => i.state === "running" || i.state === "pending").length} instances`,
      );
    }
    const pools = (await world.config.load()).nodePools.length;
    return report(scenario, { rounds, elapsedMs: rounds * roundMs, pools, template: a.template }, deployed, world);
  } finally {
    await stack?.close();
    await world.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The run's length and what its bill needs besides the stack. */
interface RunFacts {
  rounds: number;
  elapsedMs: number;
  pools: number;
  template: TemplateLike;
}

function report(
  scenario: Scenario,
  { rounds, elapsedMs, pools, template }: RunFacts,
  stack: DeployedStack,
  world: Awaited<ReturnType<typeof startTwinWorld>>,
): DeployedReport {
  const { model } = stack;
  const pods = world.store.view<Pod>("pods");
  return {
    mode: "deployed",
    scenario: scenario.name,
    rounds,
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
    controllerCost: deployedControllerCost({
      template,
      logicalIds: Object.fromEntries(model.functions.map((f) => [f.name, f.logicalId])),
      metrics: stack.lambda.metrics(),
      elapsedMs,
      liveNodes: world.aws.instances().filter((i) => i.state === "running" || i.state === "pending").length,
      launched: world.aws.instances().length,
      pods: pods.length,
      pools,
    }),
  };
}
