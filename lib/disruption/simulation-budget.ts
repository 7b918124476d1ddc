/**
 * What one plan may spend on scheduling simulations: at most `maxSimulations` solver calls, and none once the
 * caller's time check says stop. Every simulation of a plan goes through {@link SimulationBudget.solver}, so the
 * count is exact; methods ask {@link SimulationBudget.allow} before starting the next candidate. Pure: time is the
 * caller's (a function), never read here.
 */
import type { SolveInput, SolveResult } from "../scheduling/types.js";
import type { Solver } from "../view/solver-input.js";

/** Why a plan stopped simulating before it ran out of candidates. */
export type BudgetStop = "simulations" | "time";

/** Limits of one plan's simulations. */
export interface SimulationLimits {
  /** Most solver calls one plan may make. @default Infinity */
  maxSimulations?: number;
  /** Called before each simulation; true means the time budget is spent. @default never */
  shouldStop?: () => boolean;
}

/** Counts and caps the simulations of one plan. */
export class SimulationBudget {
  /** Solver calls made so far. */
  used = 0;
  /** Set once a limit stopped a method from starting a simulation. */
  stopped?: BudgetStop;
  readonly solver: Solver;
  private readonly max: number;

  constructor(
    inner: Solver,
    private readonly limits: SimulationLimits = {},
  ) {
    this.max = limits.maxSimulations ?? Number.POSITIVE_INFINITY;
    this.solver = (input: SolveInput): SolveResult => {
      this.used++;
      return inner(input);
    };
  }

  /** Whether `count` more simulations may start now; records why not. */
  allow(count = 1): boolean {
    if (this.stopped) return false;
    if (this.used + count > this.max) this.stopped = "simulations";
    else if (this.limits.shouldStop?.()) this.stopped = "time";
    return this.stopped === undefined;
  }
}

/** A budget without limits (a method called on its own, outside a plan). */
export function unlimitedBudget(solver: Solver): SimulationBudget {
  return new SimulationBudget(solver);
}
