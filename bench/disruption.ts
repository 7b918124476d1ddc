/**
 * `npm run bench:disruption -- [--nodes 1000,2000] [--minutes 10] [--json] [--seed s]`
 *
 * Runs the pure disruption planner (`lib/disruption/plan.ts:planDisruption`, the real packer as solver) pass after
 * pass over a synthetic cluster (`bench/scenarios/disruption-cluster.ts`) whose commands are carried out between
 * passes (`bench/disruption-world.ts`), on virtual time: a pass plans, waits the 15 s validation delay, re-validates
 * its commands (timed), acts, and the next pass starts 5 s later; a drained node disappears 60 s after its command,
 * counting against the 10 % budget until then. Reports per-pass wall/CPU ms, candidate simulations (solver calls),
 * commands, nodes disrupted per simulated minute, and churn. `--json` prints one JSON object per cluster size.
 */
import { parseArgs } from "node:util";
import { PASS_PLAN_LIMITS, planDisruption, validateCommands } from "../lib/disruption/plan.js";
import type { PlanMemo } from "../lib/disruption/plan-memo.js";
import { solve } from "../lib/scheduling/packer/solve.js";
import type { SolveInput } from "../lib/scheduling/types.js";
import { DisruptionWorld } from "./disruption-world.js";
import { disruptionCluster } from "./scenarios/disruption-cluster.js";

const VALIDATION_DELAY_MS = 15_000;
const PASS_INTERVAL_MS = 5_000;
const DRAIN_MS = 60_000;

/** One pass's numbers. */
interface PassRecord {
  wallMs: number;
  cpuMs: number;
  simulations: number;
  validateMs: number;
  commands: number;
  nodes: number;
  memoHit?: boolean;
  rejectedAtValidation?: number;
}

/** One cluster size's numbers (the JSON line). */
interface SizeRecord {
  nodes: number;
  passes: number;
  firstPass: PassRecord;
  maxPassWallMs: number;
  maxPassCpuMs: number;
  meanPassWallMs: number;
  maxSimulationsPerPass: number;
  commands: number;
  byMethod: Record<string, number>;
  nodesDisrupted: number;
  netNodesRemoved: number;
  simulatedMinutes: number;
  nodesPerMinute: number;
  podsMovedTwice: number;
  replacementsDisruptedAgain: number;
  memoHits: number;
}

let solverCalls = 0;
function countedSolve(input: SolveInput) {
  solverCalls++;
  return solve(input);
}

function timed<T>(fn: () => T): { value: T; wallMs: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = fn();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

function runSize(nodes: number, seed: number, minutes: number, verbose: boolean): SizeRecord {
  const world = new DisruptionWorld(disruptionCluster(nodes, seed), countedSolve, DRAIN_MS);
  const start = world.view.now;
  const passes: PassRecord[] = [];
  const byMethod: Record<string, number> = {};
  let lastAction = start;
  let disrupted = 0;
  let launched = 0;
  let memo: PlanMemo | undefined;
  while (world.view.now - start < minutes * 60_000) {
    solverCalls = 0;
    const stopAt = performance.now() + PASS_PLAN_LIMITS.planBudgetMs;
    const plan = timed(() =>
      planDisruption(world.view, countedSolve, {
        memo,
        maxCommands: PASS_PLAN_LIMITS.maxCommands,
        maxSimulations: PASS_PLAN_LIMITS.maxSimulations,
        shouldStop: () => performance.now() >= stopAt,
      }),
    );
    memo = plan.value.memo;
    const commands = plan.value.commands;
    const record: PassRecord = {
      wallMs: round(plan.wallMs),
      cpuMs: round(plan.cpuMs),
      simulations: solverCalls,
      validateMs: 0,
      commands: 0,
      nodes: 0,
      memoHit: plan.value.stats.memoHit,
    };
    passes.push(record);
    if (verbose)
      process.stderr.write(
        `pass ${passes.length} t=${Math.round((world.view.now - start) / 1000)}s ${JSON.stringify(record)}\n`,
      );
    if (commands.length === 0) {
      const next = world.nextDrainEnd();
      if (next === undefined) break;
      world.advanceTo(Math.max(next, world.view.now + PASS_INTERVAL_MS));
      continue;
    }
    world.advanceTo(world.view.now + Math.round(plan.wallMs) + VALIDATION_DELAY_MS);
    const validated = timed(() => validateCommands(commands, world.view, countedSolve));
    record.validateMs = round(validated.wallMs);
    for (const v of validated.value) {
      if (!("command" in v)) {
        record.rejectedAtValidation = (record.rejectedAtValidation ?? 0) + 1;
        continue;
      }
      world.execute(v.command);
      record.commands++;
      record.nodes += v.command.candidates.length;
      launched += v.command.replacements.length;
      byMethod[v.command.method] = (byMethod[v.command.method] ?? 0) + 1;
    }
    disrupted += record.nodes;
    if (record.commands > 0) lastAction = world.view.now;
    world.advanceTo(world.view.now + Math.round(validated.wallMs) + PASS_INTERVAL_MS);
  }
  const simulatedMinutes = Math.max(1e-9, (lastAction - start) / 60_000);
  return {
    nodes,
    passes: passes.length,
    firstPass: passes[0],
    maxPassWallMs: Math.max(...passes.map((p) => p.wallMs)),
    maxPassCpuMs: Math.max(...passes.map((p) => p.cpuMs)),
    meanPassWallMs: round(passes.reduce((s, p) => s + p.wallMs, 0) / passes.length),
    maxSimulationsPerPass: Math.max(...passes.map((p) => p.simulations)),
    commands: passes.reduce((s, p) => s + p.commands, 0),
    byMethod,
    nodesDisrupted: disrupted,
    netNodesRemoved: disrupted - launched,
    simulatedMinutes: round(simulatedMinutes),
    nodesPerMinute: round(disrupted / simulatedMinutes),
    podsMovedTwice: world.churn.podsMovedTwice,
    replacementsDisruptedAgain: world.churn.replacementsDisruptedAgain,
    memoHits: passes.filter((p) => p.memoHit).length,
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      nodes: { type: "string", default: "1000,2000" },
      minutes: { type: "string", default: "10" },
      seed: { type: "string", default: "42" },
      json: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
    },
  });
  const sizes = (values.nodes ?? "").split(",").map(Number);
  const minutes = Number(values.minutes);
  const seed = Number(values.seed);
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new RangeError(`--nodes: bad list "${values.nodes}"`);
  if (!(minutes > 0)) throw new RangeError(`--minutes must be positive, got "${values.minutes}"`);
  for (const n of sizes) {
    const r = runSize(n, seed, minutes, values.verbose ?? false);
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      process.stdout.write(
        `${n} nodes: ${r.passes} passes, first pass ${r.firstPass.wallMs} ms wall / ${r.firstPass.cpuMs} ms CPU ` +
          `(${r.firstPass.simulations} simulations), max pass ${r.maxPassWallMs} ms, ${r.maxSimulationsPerPass} ` +
          `simulations max; ${r.commands} commands ${JSON.stringify(r.byMethod)}, ${r.nodesDisrupted} nodes ` +
          `disrupted (${r.netNodesRemoved} net) in ${r.simulatedMinutes} min = ${r.nodesPerMinute} nodes/min; ` +
          `churn: ${r.podsMovedTwice} pods moved twice, ${r.replacementsDisruptedAgain} replacements disrupted\n`,
      );
    }
  }
}

main();
