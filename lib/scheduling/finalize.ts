/**
 * Turns bins into the solver's answer: each new bin is right-sized to the cheapest type that holds its pods (plus
 * that type's DaemonSet overhead), gets its price-ordered options (at most `maxInstanceTypes`, trimmed so that no
 * option could push its pool over a limit), its cheapest offering and every label the node will carry.
 */
import {
  LABEL_ALIASES,
  LABEL_CAPACITY_TYPE,
  LABEL_HOSTNAME,
  LABEL_ZONE,
  restrictedLabelReason,
  WELL_KNOWN_LABELS,
} from "../api/labels.js";
import type { Bin } from "./bin.js";
import type { TypeEntry } from "./bin-group.js";
import type { Pod } from "./objects.js";
import type { PoolState } from "./pool-state.js";
import type { Requirements } from "./requirements.js";
import { fitsIn } from "./resource-dims.js";
import type { SolveContext } from "./solve-context.js";
import type { CapacityType, NewNode, Offering } from "./types.js";

/** The cheapest type of the bin's group that holds what the bin holds. */
export function cheapestFit(bin: Bin): TypeEntry | undefined {
  for (const e of bin.group.entries) if (fitsIn(bin.used, e.cap)) return e;
  return undefined;
}

/** Every label a new node of `pool` with requirements `reqs` carries for an instance type and offering. */
export function nodeLabels(
  pool: PoolState,
  reqs: Requirements,
  typeIndex: number,
  offering: Offering,
): Record<string, string> {
  const labels: Record<string, string> = { ...pool.labels };
  for (const req of reqs.values()) {
    const key = req.key;
    if (labels[key] !== undefined || WELL_KNOWN_LABELS.has(key) || key === LABEL_HOSTNAME) continue;
    if (restrictedLabelReason(key, pool.pool.flavor)) continue;
    const v = req.anyValue();
    if (v !== undefined) labels[key] = v;
  }
  Object.assign(labels, pool.typeLabels[typeIndex]);
  labels[LABEL_ZONE] = offering.zone;
  labels[LABEL_CAPACITY_TYPE] = offering.capacityType;
  for (const [alias, key] of Object.entries(LABEL_ALIASES)) if (labels[key] !== undefined) labels[alias] = labels[key];
  return labels;
}

interface Sized {
  bin: Bin;
  chosen: TypeEntry;
  fitting: TypeEntry[];
}

/** Builds the new nodes (in bin order), right-sizing each and honouring pool limits in the option lists. */
export function finalizeNewNodes(ctx: SolveContext, firstIndex: number): NewNode[] {
  // Room under each limited pool's limits once every bin holds its target (which placement kept within limits).
  const spare = new Map<PoolState, Record<string, number>>();
  for (const pool of ctx.pools) {
    if (!pool.hasLimits) continue;
    const room: Record<string, number> = {};
    for (const k in pool.limits) if (k !== "nodes") room[k] = pool.limits[k] - existingUsage(ctx, pool, k);
    spare.set(pool, room);
  }
  const live = ctx.bins.filter((b) => b.isNew && b.pods.length > 0);
  for (const bin of live) {
    const room = bin.pool ? spare.get(bin.pool) : undefined;
    if (!room || !bin.target) continue;
    const cap = (bin.pool as PoolState).types[bin.target.i].capacity;
    for (const k in room) room[k] -= cap[k] ?? 0;
  }
  // Right-size: the cheapest type holding the bin's pods that keeps the pool within its limits.
  const sized: Sized[] = [];
  for (const bin of live) {
    const pool = bin.pool as PoolState;
    const room = spare.get(pool);
    const targetCap = bin.target ? pool.types[bin.target.i].capacity : undefined;
    const fitting: TypeEntry[] = [];
    let chosen: TypeEntry | undefined;
    for (const e of bin.group.entries) {
      if (!fitsIn(bin.used, e.cap)) continue;
      if (!chosen) {
        if (room && targetCap && !withinRoom(pool.types[e.i].capacity, targetCap, room)) continue;
        chosen = e;
        if (room && targetCap)
          for (const k in room) room[k] -= (pool.types[e.i].capacity[k] ?? 0) - (targetCap[k] ?? 0);
      }
      fitting.push(e);
      if (fitting.length >= ctx.maxInstanceTypes) break;
    }
    chosen ??= bin.target;
    if (!chosen) continue;
    const options = fitting.filter((e) => e === chosen || e.price >= chosen!.price);
    if (options[0] !== chosen) options.unshift(chosen);
    sized.push({ bin, chosen, fitting: options });
  }
  const nodes: NewNode[] = [];
  let index = firstIndex;
  for (const s of sized) {
    const pool = s.bin.pool as PoolState;
    const room = spare.get(pool);
    let options = s.fitting;
    if (room) {
      const base = pool.types[s.chosen.i].capacity;
      options = [];
      let extraMax: Record<string, number> = {};
      for (const e of s.fitting) {
        const cap = pool.types[e.i].capacity;
        let ok = true;
        const next: Record<string, number> = { ...extraMax };
        for (const k in room) {
          const extra = Math.max(0, (cap[k] ?? 0) - (base[k] ?? 0));
          next[k] = Math.max(next[k] ?? 0, extra);
          if (next[k] > room[k] + 1e-9) ok = false;
        }
        if (!ok && e !== s.chosen) continue;
        extraMax = next;
        options.push(e);
      }
      for (const k in room) room[k] -= extraMax[k] ?? 0;
    }
    options = options.slice(0, ctx.maxInstanceTypes);
    nodes.push(toNewNode(ctx, s.bin, s.chosen, options, `${pool.name}-${String(index).padStart(4, "0")}`));
    index++;
  }
  return nodes;
}

function withinRoom(cap: Record<string, number>, base: Record<string, number>, room: Record<string, number>): boolean {
  for (const k in room) if ((cap[k] ?? 0) - (base[k] ?? 0) > room[k] + 1e-9) return false;
  return true;
}

function existingUsage(ctx: SolveContext, pool: PoolState, resource: string): number {
  let total = 0;
  for (const n of ctx.input.existingNodes) {
    if (n.nodePool !== pool.name) continue;
    total += (n.capacity ?? n.allocatable)[resource] ?? 0;
  }
  return total;
}

function toNewNode(ctx: SolveContext, bin: Bin, chosen: TypeEntry, options: TypeEntry[], name: string): NewNode {
  const pool = bin.pool as PoolState;
  const reqs = bin.group.reqs;
  const zoneReq = reqs.get(LABEL_ZONE);
  const ctReq = reqs.get(LABEL_CAPACITY_TYPE);
  const zones = new Set<string>();
  const cts = new Set<CapacityType>();
  for (const e of options) {
    for (const o of pool.types[e.i].offerings) {
      if (!o.available || (zoneReq && !zoneReq.has(o.zone)) || (ctReq && !ctReq.has(o.capacityType))) continue;
      zones.add(o.zone);
      cts.add(o.capacityType);
    }
  }
  const requests = new Float64Array(bin.used);
  const dv = pool.daemonVecs[chosen.i];
  for (let k = 0; k < requests.length; k++) requests[k] += dv[k];
  const pods: Pod[] = bin.pods.map((p) => p.pod);
  return {
    name,
    pool: pool.name,
    instanceTypeOptions: options.map((e) => pool.types[e.i]),
    instanceType: pool.types[chosen.i],
    offering: chosen.offering,
    zones: [...zones].sort(),
    capacityTypes: [...cts].sort(),
    labels: nodeLabels(pool, reqs, chosen.i, chosen.offering),
    taints: pool.taints,
    startupTaints: pool.startupTaints,
    requests: ctx.dims.resources(requests),
    pods,
  };
}
