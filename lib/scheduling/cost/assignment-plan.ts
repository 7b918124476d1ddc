/**
 * The class-assignment LP: which pod classes should go to which instance types so that a fractional fleet is
 * cheapest (Σ price·nodes, every type's nodes holding what is assigned to it in every dimension). Its solution
 * splits a mixed workload between families the way an optimal fleet does (memory-heavy pods to memory-rich types,
 * the rest where CPU is cheap) — something bin-by-bin greedy filling cannot see. The packer opens whole nodes of
 * each type with the LP's per-node mix and re-solves for the rest (repack.ts).
 */
import type { FillClass, FillType } from "./balanced-fill.js";
import { solveLp } from "./lp.js";

function fits(vec: Float64Array, cap: Float64Array): boolean {
  for (let k = 0; k < vec.length; k++) if (vec[k] > cap[k]) return false;
  return true;
}

/** The fractional solution: pods per class per candidate, and nodes per candidate. */
export interface Assignment {
  /** `y[i][t]`: pods of class i on candidate t. */
  y: Float64Array[];
  /** `n[t]`: nodes of candidate t. */
  n: Float64Array;
  cost: number;
}

/**
 * Solves the assignment LP over `candidates` (indices into `types`); undefined when some class with pods fits no
 * candidate.
 */
export function solveAssignment(
  types: readonly FillType[],
  candidates: readonly number[],
  classes: readonly FillClass[],
): Assignment | undefined {
  const dims = types[0]?.cap.length ?? 0;
  const used: number[] = [];
  for (let k = 0; k < dims; k++) if (classes.some((c) => c.count > 0 && c.vec[k] > 0)) used.push(k);
  // Columns: y[i][t] for fitting pairs, then n[t].
  const yCols: { i: number; t: number }[] = [];
  classes.forEach((c, i) => {
    if (c.count <= 0) return;
    candidates.forEach((tt, t) => {
      if (fits(c.vec, types[tt].cap)) yCols.push({ i, t });
    });
  });
  for (let i = 0; i < classes.length; i++) {
    if (classes[i].count > 0 && !yCols.some((y) => y.i === i)) return undefined;
  }
  const nCol = (t: number) => yCols.length + t;
  const width = yCols.length + candidates.length;
  const cost = new Float64Array(width);
  candidates.forEach((tt, t) => {
    cost[nCol(t)] = types[tt].price;
  });
  const rows: Float64Array[] = [];
  const rhs: number[] = [];
  classes.forEach((c, i) => {
    if (c.count <= 0) return;
    const row = new Float64Array(width);
    yCols.forEach((y, j) => {
      if (y.i === i) row[j] = 1;
    });
    rows.push(row);
    rhs.push(c.count);
  });
  candidates.forEach((tt, t) => {
    for (const k of used) {
      const row = new Float64Array(width);
      row[nCol(t)] = types[tt].cap[k];
      yCols.forEach((y, j) => {
        if (y.t === t) row[j] = -classes[y.i].vec[k];
      });
      rows.push(row);
      rhs.push(0);
    }
  });
  const sol = solveLp(cost, rows, rhs);
  if (!sol) return undefined;
  const y = classes.map(() => new Float64Array(candidates.length));
  yCols.forEach((col, j) => {
    y[col.i][col.t] = Math.max(0, sol.x[j]);
  });
  const n = Float64Array.from(candidates, (_, t) => Math.max(0, sol.x[nCol(t)]));
  return { y, n, cost: sol.value };
}
