/**
 * Which instance type a new bin aims for. The packer solves the covering LP of the workload a group of bins will
 * receive (min Σ price·x, Σ capacity·x ≥ demand) and scores each type by its efficiency: the LP's dual value of its
 * capacity per dollar (1 for the types an optimal fractional fleet uses, less for others). A new bin targets the
 * most efficient type that holds its first pod; bins are filled first-fit up to their target and right-sized when the
 * plan is finalised.
 */
import type { BinGroup, TypeEntry } from "../packer/bin-group.js";
import { solveCoveringLp } from "./lp.js";

/** Computes `group.efficiency` for a demand vector (internal units). */
export function computeEfficiency(group: BinGroup, demand: Float64Array): Float64Array {
  const entries = group.entries;
  const eff = new Float64Array(entries.length);
  if (entries.length === 0) return eff;
  const dims = demand.length;
  const b = new Float64Array(dims);
  for (let k = 0; k < dims; k++) {
    if (demand[k] <= 0) continue;
    if (group.maxCap[k] <= 0) continue;
    b[k] = demand[k];
  }
  const cols = group.undominated();
  const cost = cols.map((j) => entries[j].price);
  const rows: Float64Array[] = [];
  for (let k = 0; k < dims; k++) rows.push(Float64Array.from(cols, (j) => Math.max(0, entries[j].cap[k])));
  const sol = solveCoveringLp(cost, rows, b);
  if (!sol) {
    // Fall back to capacity per dollar in the demand's dominant dimension.
    let dom = 0;
    for (let k = 1; k < dims; k++) if (b[k] / (group.maxCap[k] || 1) > b[dom] / (group.maxCap[dom] || 1)) dom = k;
    entries.forEach((e, j) => {
      eff[j] = e.price > 0 ? e.cap[dom] / e.price : 0;
    });
    return eff;
  }
  entries.forEach((e, j) => {
    let v = 0;
    for (let k = 0; k < dims; k++) v += sol.duals[k] * Math.max(0, e.cap[k]);
    eff[j] = e.price > 0 ? v / e.price : v > 0 ? Number.POSITIVE_INFINITY : 0;
  });
  return eff;
}

/** Whether `need` fits `cap`. */
function fits(need: Float64Array, cap: Float64Array): boolean {
  for (let k = 0; k < need.length; k++) if (need[k] > cap[k]) return false;
  return true;
}

/** Entry indices by efficiency (best first), then larger capacity. */
export function efficiencyOrder(group: BinGroup): Int32Array {
  const eff = group.efficiency;
  const idx = group.entries.map((_, j) => j);
  idx.sort((a, b) => {
    const ea = eff ? eff[a] : -group.entries[a].price;
    const eb = eff ? eff[b] : -group.entries[b].price;
    return eb - ea || group.entries[b].cap[0] - group.entries[a].cap[0] || a - b;
  });
  return Int32Array.from(idx);
}

/**
 * The target type for a new bin whose first pod needs `need`: among types that hold it and pass `allowed`, the most
 * efficient; among near-equally efficient ones, the one where the pod costs least (price × its largest share of
 * the type), then the larger type.
 */
export function chooseTarget(
  group: BinGroup,
  need: Float64Array,
  allowed: (e: TypeEntry) => boolean,
): TypeEntry | undefined {
  const eff = group.efficiency;
  if (!group.targetOrder) group.targetOrder = efficiencyOrder(group);
  let best: TypeEntry | undefined;
  let bestEff = 0;
  let tolerance = 0;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const j of group.targetOrder) {
    const e = group.entries[j];
    const v = eff ? eff[j] : -e.price;
    if (best && v < bestEff - tolerance) break;
    if (!fits(need, e.cap) || !allowed(e)) continue;
    if (!best) {
      bestEff = v;
      tolerance = Math.abs(v) * 1e-6;
    }
    let share = 0;
    for (let k = 0; k < need.length; k++) if (e.cap[k] > 0) share = Math.max(share, need[k] / e.cap[k]);
    const podCost = e.price * share;
    if (!best || podCost < bestCost * (1 - 1e-9) || (podCost <= bestCost * (1 + 1e-9) && e.cap[0] > best.cap[0])) {
      best = e;
      bestCost = podCost;
    }
  }
  return best;
}
