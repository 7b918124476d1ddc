/**
 * A provable lower bound on the $/hour of new nodes needed for the pending pods of a {@link SolveInput}, for
 * `stevedore plan --bound` and the cost benchmarks. Pure apart from loading the `highs` WebAssembly solver.
 *
 * ## The relaxation
 * Data from {@link buildLpModel}: pod classes c (n_c identical pods, request r_c), node kinds j (capacity K_j,
 * price p_j; existing nodes are kinds of price 0 available exactly once). Variables: x_j ≥ 0 nodes of kind j,
 * y_cj ≥ 0 pods of class c on kind j (only where c may run on j and one pod of c fits K_j).
 *
 *     minimise   Σ_j p_j x_j
 *     subject to Σ_j y_cj ≥ n_c                         every class
 *                Σ_c r_c[d] y_cj ≤ K_j[d] x_j            every kind j, every demanded dimension d
 *                Σ_{c ∈ g} y_cj ≤ x_j                    every hostname anti-affinity group g, every kind j
 *                x_j = 1 for existing nodes
 *
 * Any real placement gives a feasible point (x_j = nodes opened, y_cj = pods placed), so the optimum is ≤ the
 * cost of every valid plan. With `integerNodes` (default) x_j of new kinds are integers (at most one node per
 * pod that fits the kind), which is still a relaxation; the reported bound is the MIP solver's proven dual bound
 * (never its incumbent) and at least the LP optimum. The integer solve is skipped when rounding the LP solution
 * up would add at most 0.1 %.
 *
 * ## What it assumes (each only loosens the bound, except where noted)
 * - Dimensions: every resource some pending pod requests (cpu, memory, pods, ephemeral-storage, extended).
 * - Placement: nodeSelector, required node affinity and tolerations vs pool taints are honoured, evaluated
 *   permissively where a label's value is not known in advance; NodePool requirements filter types/offerings.
 *   Preferred affinity, topology spread, pod affinity and zonal anti-affinity are ignored; hostname
 *   anti-affinity is used only for pods whose term selects themselves (those must be on distinct nodes).
 * - DaemonSets: a new node's capacity is reduced only by DaemonSets that certainly run on it (tolerate the
 *   pool's taints and whose selection certainly matches the node's labels), and not by their pod slot.
 * - Existing/in-flight nodes: their free capacity (allocatable − requests of their pods) is free of charge;
 *   cordoned nodes are skipped.
 * - Pool limits, `maxInstanceTypes` and unavailable offerings: limits are ignored; unavailable offerings are
 *   not used (as the packer must not use them).
 * - Pending pods that fit no node kind at all are left out (they are unschedulable for any planner).
 *
 * When this module is bundled (esbuild), ship `node_modules/highs/build/highs.wasm` next to the bundle: the
 * solver loads it from its own directory. If it cannot be loaded the result has status `error: …` and bound 0.
 */
import highsModule, { type Highs, type Model } from "highs";
import type { SolveInput } from "../types.js";
import { buildLpModel, type LpModel } from "./lp-model.js";

/** Options for {@link lowerBound}. */
export interface LowerBoundOptions {
  /** Solve with integer node counts (tighter; uses the MIP's proven dual bound). @default true */
  integerNodes?: boolean;
  /** Wall-clock budget for the integer solve, seconds (its best proven bound counts when stopped). @default 10 */
  timeLimitSeconds?: number;
  /**
   * Wall-clock budget for the continuous solve, seconds. An LP stopped early proves nothing: the result is then
   * status `error: …` with bound 0. @default 60
   */
  lpTimeLimitSeconds?: number;
  /** Extra HiGHS options (snake_case names), e.g. `{ solver: "ipm" }`, applied to both solves. @default {} */
  solverOptions?: Record<string, string | number | boolean>;
}

/** The bound and how it was obtained. */
export interface LowerBoundResult {
  /** The lower bound on the $/hour of new nodes (0 when nothing needs a new node). */
  costPerHour: number;
  /**
   * `optimal` (integer relaxation solved, or the LP optimum is already integral), `time-limit` (integer solve
   * stopped: bound = best proven), `lp` (continuous relaxation only: asked for, or the integer solve could add
   * at most 0.1 %), `no-pods` (nothing to place), `error: …` (solver failure; bound 0).
   */
  status: string;
  /** Optimum of the continuous relaxation. */
  lpCostPerHour: number;
  /** Pending pods counted. */
  pods: number;
  /** Pending pods that fit no node kind (left out). */
  excludedPods: number;
  classes: number;
  nodeKinds: number;
}

type HighsLoader = () => Promise<Highs>;

/** The package's loader: its ESM build exports it as default; its typings describe the CommonJS shape. */
const highsLoader: HighsLoader =
  (highsModule as unknown as { default?: HighsLoader }).default ?? (highsModule as unknown as HighsLoader);

/** Skip the integer solve when rounding the LP up would add at most this fraction. */
const NEGLIGIBLE_INTEGER_GAP = 0.001;

let highsPromise: Promise<Highs> | undefined;

/** The shared solver instance (the WebAssembly module is loaded once per process). */
function loadHighs(): Promise<Highs> {
  if (!highsPromise) highsPromise = highsLoader();
  return highsPromise;
}

/** Computes the lower bound for a solver input (see module doc for the relaxation and its assumptions). */
export async function lowerBound(input: SolveInput, opts: LowerBoundOptions = {}): Promise<LowerBoundResult> {
  const model = buildLpModel(input);
  const base = {
    pods: model.pods,
    excludedPods: model.excludedPods,
    classes: model.classes.length,
    nodeKinds: model.kinds.length,
  };
  if (model.pods === 0) return { costPerHour: 0, status: "no-pods", lpCostPerHour: 0, ...base };
  let highs: Highs;
  try {
    highs = await loadHighs();
  } catch (e) {
    highsPromise = undefined;
    const reason = `the highs WebAssembly solver could not be loaded (${(e as Error).message})`;
    return { costPerHour: 0, status: `error: ${reason}`, lpCostPerHour: 0, ...base };
  }
  const extra = opts.solverOptions ?? {};
  const lp = solve(highs, model, false, opts.lpTimeLimitSeconds ?? 60, extra);
  if (lp.error) return { costPerHour: 0, status: `error: ${lp.error}`, lpCostPerHour: 0, ...base };
  if (!(opts.integerNodes ?? true)) return { costPerHour: lp.bound, status: "lp", lpCostPerHour: lp.bound, ...base };
  // Integer node counts at the LP optimum: that optimum is also the integer relaxation's.
  if (lp.roundingGap === 0) return { costPerHour: lp.bound, status: "optimal", lpCostPerHour: lp.bound, ...base };
  // The integer solve could raise the bound by less than 0.1 %: not worth its time.
  if ((lp.roundingGap ?? 0) <= NEGLIGIBLE_INTEGER_GAP * lp.bound) {
    return { costPerHour: lp.bound, status: "lp", lpCostPerHour: lp.bound, ...base };
  }
  const mip = solve(highs, model, true, opts.timeLimitSeconds ?? 10, extra);
  if (mip.error) return { costPerHour: lp.bound, status: "lp", lpCostPerHour: lp.bound, ...base };
  return {
    costPerHour: Math.max(lp.bound, mip.bound),
    status: mip.optimal ? "optimal" : "time-limit",
    lpCostPerHour: lp.bound,
    ...base,
  };
}

/** Sparse column builder. */
class Columns {
  readonly cost: number[] = [];
  readonly lower: number[] = [];
  readonly upper: number[] = [];
  readonly integer: number[] = [];
  readonly starts: number[] = [0];
  readonly indices: number[] = [];
  readonly values: number[] = [];

  add(cost: number, lower: number, upper: number, integer: boolean, entries: [number, number][]): number {
    this.cost.push(cost);
    this.lower.push(lower);
    this.upper.push(upper);
    this.integer.push(integer ? 1 : 0);
    entries.sort((a, b) => a[0] - b[0]);
    for (const [row, v] of entries) {
      this.indices.push(row);
      this.values.push(v);
    }
    this.starts.push(this.indices.length);
    return this.cost.length - 1;
  }
}

interface SolveOutcome {
  bound: number;
  optimal: boolean;
  /** LP only: Σ price × (⌈x⌉ − x) over new-node counts: the most the integer solve could add. */
  roundingGap?: number;
  error?: string;
}

/** Rows (bounds) and columns of the relaxation of `model` (see the module doc). */
interface Formulation {
  rowLower: number[];
  rowUpper: number[];
  cols: Columns;
  /** Columns counting new nodes (x_j of new kinds). */
  newNodeColumns: number[];
}

function formulate(model: LpModel, integer: boolean, inf: number): Formulation {
  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  const addRow = (lo: number, hi: number) => {
    rowLower.push(lo);
    rowUpper.push(hi);
    return rowLower.length - 1;
  };
  const classRow = model.classes.map((c) => addRow(c.count, inf));
  const cols = new Columns();
  const newNodeColumns: number[] = [];
  for (const kind of model.kinds) {
    const capRow = new Map<string, number>();
    const groupRow = new Map<number, number>();
    const ys: [number, number][][] = [];
    for (const ci of kind.classes) {
      const c = model.classes[ci];
      const entries: [number, number][] = [[classRow[ci], 1]];
      for (const [d, r] of Object.entries(c.request)) {
        if (r <= 0) continue;
        let row = capRow.get(d);
        if (row === undefined) {
          row = addRow(-inf, 0);
          capRow.set(d, row);
        }
        entries.push([row, r]);
      }
      if (c.antiAffinityGroup !== undefined) {
        let row = groupRow.get(c.antiAffinityGroup);
        if (row === undefined) {
          row = addRow(-inf, 0);
          groupRow.set(c.antiAffinityGroup, row);
        }
        entries.push([row, 1]);
      }
      ys.push(entries);
    }
    const xEntries: [number, number][] = [];
    for (const [d, row] of capRow) xEntries.push([row, -(kind.capacity[d] ?? 0)]);
    for (const row of groupRow.values()) xEntries.push([row, -1]);
    if (kind.existing) cols.add(0, 1, 1, false, xEntries);
    else {
      // Nodes beyond one per pod that fits are never needed (dropping empty nodes only lowers a plan's cost).
      const maxNodes = kind.classes.reduce((n, ci) => n + model.classes[ci].count, 0);
      newNodeColumns.push(cols.add(kind.price, 0, maxNodes, integer, xEntries));
    }
    for (const entries of ys) cols.add(0, 0, inf, false, entries);
  }
  return { rowLower, rowUpper, cols, newNodeColumns };
}

function solve(
  highs: Highs,
  model: LpModel,
  integer: boolean,
  timeLimit: number,
  extra: Record<string, string | number | boolean>,
): SolveOutcome {
  const f = formulate(model, integer, highs.infinity);
  const { cols, rowLower, rowUpper } = f;
  const numCols = cols.cost.length;
  const numRows = rowLower.length;
  try {
    return highs.withModel(
      {
        numCols,
        numRows,
        colCost: cols.cost,
        colLower: cols.lower,
        colUpper: cols.upper,
        rowLower,
        rowUpper,
        matrix: { format: "csc", numRows, numCols, starts: cols.starts, indices: cols.indices, values: cols.values },
        integrality: integer ? (cols.integer as (0 | 1)[]) : undefined,
      },
      (m) => {
        configure(m, integer, timeLimit, extra);
        return outcomeOf(highs, m, integer, f);
      },
    );
  } catch (e) {
    return { bound: 0, optimal: false, error: (e as Error).message };
  }
}

function configure(
  m: Model,
  integer: boolean,
  timeLimit: number,
  extra: Record<string, string | number | boolean>,
): void {
  // Primal simplex is several times faster than the default on these degenerate covering LPs. For the
  // integer solve, a proven dual bound within 0.5 % of the optimum is plenty; the feasibility-jump
  // heuristic only finds incumbents (useless for a bound) and dominates small solves.
  m.options.set({ output_flag: false });
  if (integer) {
    m.options.set({
      mip_rel_gap: 0.005,
      mip_heuristic_run_feasibility_jump: false,
      mip_heuristic_effort: 0,
      mip_detect_symmetry: false,
      mip_pscost_minreliable: 0,
    });
  } else m.options.set({ simplex_strategy: 4 });
  if (Object.keys(extra).length > 0) m.options.set(extra);
  if (Number.isFinite(timeLimit)) m.options.set("time_limit", timeLimit);
}

/** Runs the configured model and reads the bound it proves. */
function outcomeOf(highs: Highs, m: Model, integer: boolean, f: Formulation): SolveOutcome {
  const run = m.run();
  const status = run.modelStatus;
  const codes = highs.constants.modelStatus;
  if (!integer) {
    if (status !== codes.optimal)
      return {
        bound: 0,
        optimal: false,
        error: status === codes.timeLimit ? "LP time limit reached" : `LP status ${status}`,
      };
    const values = m.getSolution().colValue;
    let roundingGap = 0;
    for (const j of f.newNodeColumns) {
      const x = values[j];
      if (Math.abs(x - Math.round(x)) > 1e-6) roundingGap += f.cols.cost[j] * (Math.ceil(x) - x);
    }
    return { bound: m.getObjectiveValue(), optimal: true, roundingGap };
  }
  const dual = Number(m.info.get("mip_dual_bound"));
  if (!Number.isFinite(dual)) return { bound: 0, optimal: false };
  return { bound: dual, optimal: status === codes.optimal };
}
