/**
 * Karpenter's `minValues`: a pool requirement may ask that every new node's instance-type options span at least N
 * distinct values of its key (e.g. 5 instance families), so CreateFleet has room to find capacity. The options a
 * node carries are chosen here: first, cheapest first, the types that bring a value some short key still lacks;
 * then the cheapest of the rest, up to the option cap. When the types that fit cannot meet a minimum, the policy
 * decides: `Strict` refuses the node, `BestEffort` keeps it and reports what was relaxed.
 */
import type { NodePool, Requirement } from "../../api/model.js";
import { LABEL_CAPACITY_TYPE, LABEL_ZONE } from "../../core/well-known.js";
import type { InstanceType, MinValuesRelaxation } from "../types.js";
import type { TypeEntry } from "./bin-group.js";
import type { PoolState } from "./pool-state.js";

/** The pool's requirements that carry a `minValues`. */
export function minValuesRequirements(pool: NodePool): Requirement[] {
  return pool.requirements.filter((r) => r.minValues !== undefined);
}

/** The values of `key` one option brings: offering zones / capacity types, else the type's label. */
function valuesOf(pool: PoolState, e: TypeEntry, key: string): string[] {
  if (key === LABEL_ZONE || key === LABEL_CAPACITY_TYPE) {
    const offerings = pool.types[e.i].offerings.filter((o) => o.available);
    return offerings.map((o) => (key === LABEL_ZONE ? o.zone : o.capacityType));
  }
  const v = pool.typeLabels[e.i][key];
  return v === undefined ? [] : [v];
}

/** Options chosen for one node, and the minimums they fall short of (empty when every minimum is met). */
export interface MinValuesSelection {
  options: TypeEntry[];
  shortfalls: MinValuesRelaxation[];
}

/**
 * Picks at most `max` options from `candidates` (in their order, the first always kept) so that each requirement's
 * `minValues` is met when the candidates allow it; the result keeps the candidates' order.
 */
export function selectOptions(
  pool: PoolState,
  candidates: TypeEntry[],
  reqs: Requirement[],
  max: number,
): MinValuesSelection {
  const seen = reqs.map(() => new Set<string>());
  const picked = new Set<number>();
  const take = (k: number) => {
    picked.add(k);
    reqs.forEach((r, j) => {
      for (const v of valuesOf(pool, candidates[k], r.key)) seen[j].add(v);
    });
  };
  if (candidates.length > 0) take(0);
  const short = () => reqs.some((r, j) => seen[j].size < (r.minValues ?? 0));
  for (let k = 1; k < candidates.length && picked.size < max && short(); k++) {
    const bringsValue = reqs.some(
      (r, j) => seen[j].size < (r.minValues ?? 0) && valuesOf(pool, candidates[k], r.key).some((v) => !seen[j].has(v)),
    );
    if (bringsValue) take(k);
  }
  for (let k = 1; k < candidates.length && picked.size < max; k++) if (!picked.has(k)) take(k);
  const shortfalls: MinValuesRelaxation[] = [];
  reqs.forEach((r, j) => {
    const minValues = r.minValues ?? 0;
    if (seen[j].size < minValues) {
      shortfalls.push({ key: r.key, minValues, found: seen[j].size, values: [...seen[j]].sort() });
    }
  });
  return { options: candidates.filter((_, k) => picked.has(k)), shortfalls };
}

/** Why a node whose options fall short was refused under `Strict` (the pods' unschedulable reason). */
export function strictRefusal(poolName: string, shortfalls: MinValuesRelaxation[]): string {
  const parts = shortfalls.map(
    (s) =>
      `${s.key} needs ${s.minValues} distinct values but the instance types that fit offer ${s.found} (${s.values.join(", ") || "none"})`,
  );
  return `pool ${poolName}: minValues not met: ${parts.join("; ")}; minValuesPolicy Strict refuses the launch (BestEffort would launch with fewer)`;
}

/** The `minValues` of `pool` that a list of instance types (a replacement's options) falls short of. */
export function minValuesShortfalls(pool: NodePool, types: InstanceType[]): MinValuesRelaxation[] {
  const out: MinValuesRelaxation[] = [];
  for (const r of minValuesRequirements(pool)) {
    const seen = new Set<string>();
    for (const t of types) {
      if (r.key === LABEL_ZONE || r.key === LABEL_CAPACITY_TYPE) {
        for (const o of t.offerings) if (o.available) seen.add(r.key === LABEL_ZONE ? o.zone : o.capacityType);
      } else if (t.labels[r.key] !== undefined) seen.add(t.labels[r.key]);
    }
    const minValues = r.minValues ?? 0;
    if (seen.size < minValues) out.push({ key: r.key, minValues, found: seen.size, values: [...seen].sort() });
  }
  return out;
}
