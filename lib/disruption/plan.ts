/**
 * The disruption planner: tries Emptiness → Expiration → Drift → multi-node → single-node consolidation and returns
 * up to `maxCommands` commands that can all be carried out together (each method runs on the view with the earlier
 * commands projected into it: budgets shared, capacity not double-booked, no node that receives pods disrupted in the
 * same plan), plus every rejection (for decision logs). Its cost is bounded: at most `maxSimulations` solver calls
 * and none once `shouldStop` says the time is up; single-node consolidation resumes at the memo's cursor, and a view
 * whose memo key is unchanged since a plan that found nothing is not simulated again. Pure.
 */

import { type ClusterView, ViewIndex } from "../view/cluster-view.js";
import type { Solver } from "../view/solver-input.js";
import { buildCandidates, type Candidate } from "./candidates.js";
import type { DisruptionCommand, Rejection } from "./command.js";
import {
  type ConsolidationOptions,
  consolidateOne,
  consolidationCandidates,
  multiNodeConsolidation,
} from "./consolidation.js";
import { emptinessCommand } from "./emptiness.js";
import { driftCommand, expirationCommand } from "./expiry-drift.js";
import { type PlanMemo, planMemoKey } from "./plan-memo.js";
import { destinationNodes, projectCommand } from "./projection.js";
import { type BudgetStop, SimulationBudget, type SimulationLimits } from "./simulation-budget.js";

export { needsValidation, type Validation, validateCommand, validateCommands } from "./validation.js";

/** Planner settings. */
export interface PlanOptions extends ConsolidationOptions, SimulationLimits {
  /** Most commands one plan returns. @default 1 */
  maxCommands?: number;
  /** The previous plan's memo. @default none: evaluate from the cheapest candidate */
  memo?: PlanMemo;
}

/** The limits the disruptor plans with by default (the benchmark uses the same). */
export const PASS_PLAN_LIMITS = {
  /** Commands per pass. */
  maxCommands: 20,
  /** Candidate simulations (solver calls) per pass. */
  maxSimulations: 60,
  /** Wall-clock time one plan may spend simulating, ms. */
  planBudgetMs: 10_000,
} as const;

/** What one plan spent. */
export interface PlanStats {
  /** Solver calls made. */
  simulations: number;
  /** Why the plan stopped before evaluating every candidate, if it did. */
  stoppedBy?: BudgetStop;
  /** The memo said nothing changed since a plan that found nothing: no simulation ran. */
  memoHit: boolean;
}

/** The planner's answer. */
export interface DisruptionPlan {
  /** The first command (the one a single-command caller acts on). */
  command?: DisruptionCommand;
  /** Every command, in the order they must be carried out. */
  commands: DisruptionCommand[];
  rejections: Rejection[];
  stats: PlanStats;
  /** Pass it to the next plan. */
  memo: PlanMemo;
}

/** The view with the plan's commands projected into it, and the nodes later commands must leave alone. */
class PlanState {
  index: ViewIndex;
  readonly commands: DisruptionCommand[] = [];
  private readonly taken = new Set<string>();

  constructor(
    view: ClusterView,
    private readonly maxCommands: number,
  ) {
    this.index = new ViewIndex(view);
  }

  get full(): boolean {
    return this.commands.length >= this.maxCommands;
  }

  /** Whether a node is a candidate or a destination of a command already in the plan. */
  isTaken(nodeName: string): boolean {
    return this.taken.has(nodeName);
  }

  candidates(): Candidate[] {
    return buildCandidates(this.index).filter((c) => !this.taken.has(c.nodeName));
  }

  add(cmd: DisruptionCommand): void {
    this.commands.push(cmd);
    for (const c of cmd.candidates) this.taken.add(c.nodeName);
    for (const n of destinationNodes(cmd)) this.taken.add(n);
    this.index = new ViewIndex(projectCommand(this.index.view, cmd));
  }

  /** Runs a method on the projected view until it finds nothing more (or the plan is full). */
  repeat(method: (index: ViewIndex, candidates: Candidate[]) => DisruptionCommand | undefined): void {
    while (!this.full) {
      const cmd = method(this.index, this.candidates());
      if (!cmd) return;
      this.add(cmd);
    }
  }
}

/** How far single-node consolidation got. */
interface SinglePhase {
  /** The candidate to start from next time; undefined once every candidate was evaluated. */
  cursor?: string;
  /** Candidates evaluated (simulated) in this plan. */
  evaluated: number;
  /** Candidates it could have evaluated. */
  total: number;
}

/** Single-node consolidation from the memo's cursor, round robin, each command projected before the next one. */
function singleNodePhase(
  s: PlanState,
  budget: SimulationBudget,
  rejections: Rejection[],
  opts: PlanOptions,
): SinglePhase {
  const ordered = consolidationCandidates(s.index, s.candidates(), rejections, "SingleNodeConsolidation");
  const from = Math.max(
    0,
    ordered.findIndex((c) => c.nodeName === opts.memo?.cursor),
  );
  let evaluated = 0;
  for (let k = 0; k < ordered.length; k++) {
    const c = ordered[(from + k) % ordered.length];
    if (s.isTaken(c.nodeName)) continue;
    if (s.full || !budget.allow()) return { cursor: c.nodeName, evaluated, total: ordered.length };
    evaluated++;
    const cmd = consolidateOne(s.index, c, budget.solver, rejections, opts);
    if (cmd) s.add(cmd);
  }
  return { evaluated, total: ordered.length };
}

function earlyPhases(
  s: PlanState,
  solver: Solver,
  budget: SimulationBudget,
  rejections: Rejection[],
  opts: PlanOptions,
) {
  s.repeat((index, candidates) => emptinessCommand(index, candidates, solver, rejections, budget));
  s.repeat((index, candidates) => expirationCommand(index, candidates, solver, rejections, budget));
  s.repeat((index, candidates) => driftCommand(index, candidates, solver, rejections, budget));
  s.repeat((index, candidates) => multiNodeConsolidation(index, candidates, solver, rejections, opts, budget));
}

/** Plans up to `maxCommands` commands from the view (see the module docs). */
export function planDisruption(view: ClusterView, solver: Solver, opts: PlanOptions = {}): DisruptionPlan {
  const budget = new SimulationBudget(solver, opts);
  const s = new PlanState(view, opts.maxCommands ?? 1);
  const rejections: Rejection[] = [];
  const key = planMemoKey(s.index, s.candidates());
  const previous = opts.memo?.key === key ? opts.memo : undefined;
  if (previous?.exhausted) {
    return { commands: [], rejections, stats: { simulations: 0, memoHit: true }, memo: previous };
  }
  // Under an unchanged key, methods that completed without a command last time would find nothing again.
  if (!previous?.earlyPhasesDone) earlyPhases(s, solver, budget, rejections, opts);
  const earlyPhasesDone = s.commands.length === 0 && budget.stopped === undefined;
  const single: SinglePhase = s.full
    ? { cursor: opts.memo?.cursor, evaluated: 0, total: 0 }
    : singleNodePhase(s, budget, rejections, opts);
  const found = s.commands.length > 0;
  const progress = found ? 0 : (previous?.progress ?? 0) + single.evaluated;
  const exhausted = !found && earlyPhasesDone && (single.cursor === undefined || progress >= single.total);
  return {
    command: s.commands[0],
    commands: s.commands,
    rejections,
    stats: { simulations: budget.used, stoppedBy: budget.stopped, memoHit: false },
    memo: { key, exhausted, cursor: single.cursor, earlyPhasesDone: !found && earlyPhasesDone, progress },
  };
}
