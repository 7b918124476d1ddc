/**
 * Runs one benchmark scenario: builds its input (untimed), times `solve()` alone on the main thread, and for
 * cost scenarios computes the LP lower bound (untimed).
 */
import { lowerBound } from "../lib/scheduling/bound/lower-bound.js";
import type { SolveInput, SolveResult } from "../lib/scheduling/types.js";
import { COST_SCENARIOS, type CostScenario, costScenario } from "./scenarios/cost.js";

/** The packer entry point. */
export type SolveFn = (input: SolveInput) => SolveResult | Promise<SolveResult>;

/** Module paths loaded at run time, so the benchmark builds before the packer or the generator exist. */
const SOLVE_MODULE = "../lib/scheduling/packer/solve.js";
const DIVERSE_MODULE = "./scenarios/karpenter-diverse.js";

/** Every scenario name. */
export const SCENARIOS = ["karpenter-diverse", ...COST_SCENARIOS] as const;

/** One run's numbers (the JSON line of `--json`). */
export interface RunRecord {
  scenario: string;
  pods: number;
  scheduled: number;
  nodes: number;
  costPerHour: number;
  durationMs: number;
  /**
   * CPU time (user + system) of the process during `solve()`, ms. On a shared machine this approximates the
   * one-core time better than `durationMs`; it also counts V8's helper threads (GC), so it can exceed the
   * wall time on an idle machine.
   */
  cpuMs: number;
  /** Cost scenarios only. */
  lowerBoundPerHour?: number;
  /** costPerHour / lowerBoundPerHour (cost scenarios only). */
  ratio?: number;
  /** With `--memory`: heap growth during solve(), MB (after a GC when `--expose-gc` is on). */
  heapDeltaMB?: number;
}

/** Options of one run. */
export interface RunOptions {
  seed: number;
  /** Timed repetitions; the fastest counts. */
  repeats: number;
  memory: boolean;
  /** Time budget of the lower bound's integer solve, seconds. */
  boundSeconds: number;
}

/** Thrown when a module the benchmark needs is not in the checkout yet. */
export class MissingModuleError extends Error {
  constructor(what: string, path: string) {
    super(`${what} is not available yet (${path} could not be loaded)`);
    this.name = "MissingModuleError";
  }
}

async function load<T>(path: string, exportName: string, what: string): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(path)) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_MODULE_NOT_FOUND") throw new MissingModuleError(what, path);
    throw e;
  }
  const fn = mod[exportName];
  if (typeof fn !== "function") throw new MissingModuleError(`${what} (export ${exportName})`, path);
  return fn as T;
}

/** The packer's `solve`. */
export function loadSolve(): Promise<SolveFn> {
  return load<SolveFn>(SOLVE_MODULE, "solve", "the packer");
}

/** Builds a scenario's input. */
export async function buildScenario(name: string, pods: number, seed: number): Promise<SolveInput> {
  if ((COST_SCENARIOS as readonly string[]).includes(name)) return costScenario(name as CostScenario, pods, seed);
  if (name === "karpenter-diverse") {
    const make = await load<(pods: number, seed?: number) => SolveInput>(
      DIVERSE_MODULE,
      "karpenterDiverse",
      "the karpenter-diverse generator",
    );
    return make(pods, seed);
  }
  throw new RangeError(`unknown scenario "${name}" (known: ${SCENARIOS.join(", ")})`);
}

function countScheduled(result: SolveResult): number {
  let n = 0;
  for (const node of result.newNodes) n += node.pods.length;
  for (const pods of result.existingAssignments.values()) n += pods.length;
  return n;
}

/** Runs a scenario `repeats` times (fresh input each time) and returns the fastest run's record. */
export async function runScenario(solve: SolveFn, name: string, pods: number, opts: RunOptions): Promise<RunRecord> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let best: RunRecord | undefined;
  let lastInput: SolveInput | undefined;
  for (let i = 0; i < Math.max(1, opts.repeats); i++) {
    const input = await buildScenario(name, pods, opts.seed);
    lastInput = input;
    if (opts.memory) gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const result = await solve(input);
    const durationMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const heapAfter = process.memoryUsage().heapUsed;
    const record: RunRecord = {
      scenario: name,
      pods: input.pods.length,
      scheduled: countScheduled(result),
      nodes: result.newNodes.length,
      costPerHour: round(result.costPerHour, 6),
      durationMs: round(durationMs, 1),
      cpuMs: round((cpu.user + cpu.system) / 1000, 1),
    };
    if (opts.memory) record.heapDeltaMB = round((heapAfter - heapBefore) / 2 ** 20, 1);
    if (!best || record.durationMs < best.durationMs) best = record;
  }
  const out = best as RunRecord;
  if (name.startsWith("cost-") && lastInput) {
    const bound = await lowerBound(lastInput, { timeLimitSeconds: opts.boundSeconds });
    out.lowerBoundPerHour = round(bound.costPerHour, 6);
    out.ratio = bound.costPerHour > 0 ? round(out.costPerHour / bound.costPerHour, 4) : undefined;
  }
  return out;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
