/**
 * Turns bins into the solver's answer: each new bin is right-sized to the cheapest type that holds its pods (plus
 * that type's DaemonSet overhead), gets its price-ordered options (at most `maxInstanceTypes`, trimmed so that no
 * option could push its pool over a limit), its cheapest offering and every label the node will carry.
 */
import { restrictedLabelReason } from "../../api/labels.js";
import type { Requirement } from "../../api/model.js";
import {
  LABEL_ALIASES,
  LABEL_CAPACITY_TYPE,
  LABEL_HOSTNAME,
  LABEL_ZONE,
  WELL_KNOWN_LABELS,
} from "../../core/well-known.js";
import type { Requirements } from "../primitives/requirements.js";
import type { CapacityType, InstanceType, MinValuesRelaxation, NewNode, Offering, Unschedulable } from "../types.js";
import type { Bin } from "./bin.js";
import type { TypeEntry } from "./bin-group.js";
import { minValuesRequirements, selectOptions, strictRefusal } from "./min-values.js";
import type { PoolState } from "./pool-state.js";
import { fitsIn } from "./resource-dims.js";
import type { SolveContext } from "./solve-context.js";

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

/** A limited pool's remaining room, over its limited resources (typed for speed). */
interface Room {
  keys: string[];
  left: Float64Array;
  /** Per pool type: capacity on `keys`. */
  caps: Float64Array[];
}

function roomOf(ctx: SolveContext, pool: PoolState): Room | undefined {
  if (!pool.hasLimits) return undefined;
  const keys = Object.keys(pool.limits).filter((k) => k !== "nodes");
  const left = Float64Array.from(keys, (k) => pool.limits[k] - existingUsage(ctx, pool, k));
  const caps = pool.types.map((t) => Float64Array.from(keys, (k) => t.capacity[k] ?? 0));
  return { keys, left, caps };
}

/** The new nodes, and the pods of nodes refused because their options cannot meet `minValues` (policy Strict). */
export interface FinalizedNodes {
  nodes: NewNode[];
  refused: Unschedulable[];
}

/**
 * Builds the new nodes (in bin order), right-sizing each, honouring pool limits in the option lists and keeping
 * the pools' `minValues` among each node's options (min-values.ts).
 */
export function finalizeNewNodes(ctx: SolveContext, firstIndex: number): FinalizedNodes {
  // Room under each limited pool's limits once every bin holds its target (which placement kept within limits).
  const rooms = new Map<PoolState, Room | undefined>();
  for (const pool of ctx.pools) rooms.set(pool, roomOf(ctx, pool));
  const live = ctx.bins.filter((b) => b.isNew && b.pods.length > 0);
  for (const bin of live) {
    const room = bin.pool ? rooms.get(bin.pool) : undefined;
    if (!room || !bin.target) continue;
    const cap = room.caps[bin.target.i];
    for (let k = 0; k < cap.length; k++) room.left[k] -= cap[k];
  }
  // Right-size: the cheapest type holding the bin's pods that keeps the pool within its limits.
  const sized: Sized[] = [];
  for (const bin of live) {
    const pool = bin.pool as PoolState;
    const room = rooms.get(pool);
    const base = room && bin.target ? room.caps[bin.target.i] : undefined;
    const fitting: TypeEntry[] = [];
    let chosen: TypeEntry | undefined;
    for (const e of bin.group.entries) {
      if (!fitsIn(bin.used, e.cap)) continue;
      if (!chosen) {
        if (room && base) {
          const cap = room.caps[e.i];
          let ok = true;
          for (let k = 0; k < cap.length; k++) if (cap[k] - base[k] > room.left[k] + 1e-9) ok = false;
          if (!ok) continue;
          for (let k = 0; k < cap.length; k++) room.left[k] -= cap[k] - base[k];
        }
        chosen = e;
      }
      fitting.push(e);
      // A pool with minValues may need options past the cheapest few to span its values.
      if (fitting.length >= ctx.maxInstanceTypes && !minValuesOf(pool)) break;
    }
    chosen ??= bin.target;
    if (!chosen) continue;
    if (fitting[0] !== chosen) fitting.unshift(chosen);
    sized.push({ bin, chosen, fitting });
  }
  // Options: every further type is kept only while the largest option still fits the pool's room.
  const nodes: NewNode[] = [];
  const refused: Unschedulable[] = [];
  const shapes = new Map<string, Shape[]>();
  let index = firstIndex;
  for (const s of sized) {
    const pool = s.bin.pool as PoolState;
    const room = rooms.get(pool);
    let options = s.fitting;
    if (room) {
      const base = room.caps[s.chosen.i];
      const extraMax = new Float64Array(base.length);
      options = [];
      for (const e of s.fitting) {
        const cap = room.caps[e.i];
        let ok = true;
        for (let k = 0; k < cap.length; k++)
          if (Math.max(extraMax[k], cap[k] - base[k]) > room.left[k] + 1e-9) ok = false;
        if (!ok && e !== s.chosen) continue;
        for (let k = 0; k < cap.length; k++) extraMax[k] = Math.max(extraMax[k], cap[k] - base[k]);
        options.push(e);
      }
      for (let k = 0; k < base.length; k++) room.left[k] -= extraMax[k];
    }
    const minReqs = minValuesOf(pool);
    let relaxed: MinValuesRelaxation[] | undefined;
    if (minReqs) {
      const selection = selectOptions(pool, options, minReqs, ctx.maxInstanceTypes);
      options = selection.options;
      if (selection.shortfalls.length > 0 && (ctx.input.minValuesPolicy ?? "Strict") === "Strict") {
        const reason = strictRefusal(pool.name, selection.shortfalls);
        for (const p of s.bin.pods) refused.push({ pod: p.pod, reason });
        continue;
      }
      if (selection.shortfalls.length > 0) relaxed = selection.shortfalls;
    } else if (options.length > ctx.maxInstanceTypes) options = options.slice(0, ctx.maxInstanceTypes);
    const node = toNewNode(ctx, s.bin, s.chosen, options, `${pool.name}-${String(index).padStart(4, "0")}`, shapes);
    if (relaxed) node.minValuesRelaxed = relaxed;
    nodes.push(node);
    index++;
  }
  return { nodes, refused };
}

/** The pool's requirements with a `minValues`, or undefined when it has none (cached per pool state). */
const minValuesCache = new WeakMap<PoolState, Requirement[] | null>();
function minValuesOf(pool: PoolState): Requirement[] | undefined {
  let reqs = minValuesCache.get(pool);
  if (reqs === undefined) {
    const found = minValuesRequirements(pool.pool);
    reqs = found.length > 0 ? found : null;
    minValuesCache.set(pool, reqs);
  }
  return reqs ?? undefined;
}

function existingUsage(ctx: SolveContext, pool: PoolState, resource: string): number {
  let total = 0;
  for (const n of ctx.input.existingNodes) {
    if (n.nodePool !== pool.name) continue;
    total += (n.capacity ?? n.allocatable)[resource] ?? 0;
  }
  return total;
}

/** What nodes of one group with the same options share (computed once per distinct option list). */
interface Shape {
  entries: TypeEntry[];
  instanceTypeOptions: InstanceType[];
  zones: string[];
  capacityTypes: CapacityType[];
  labels: Record<string, string>;
}

function shapeOf(bin: Bin, chosen: TypeEntry, options: TypeEntry[], cache: Map<string, Shape[]>): Shape {
  const key = `${bin.group.id}|${chosen.i}|${options.length}`;
  const list = cache.get(key);
  if (list) {
    for (const shape of list) if (shape.entries.every((e, k) => e === options[k])) return shape;
  }
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
  const shape: Shape = {
    entries: options,
    instanceTypeOptions: options.map((e) => pool.types[e.i]),
    zones: [...zones].sort(),
    capacityTypes: [...cts].sort(),
    labels: nodeLabels(pool, reqs, chosen.i, chosen.offering),
  };
  if (list) list.push(shape);
  else cache.set(key, [shape]);
  return shape;
}

function toNewNode(
  ctx: SolveContext,
  bin: Bin,
  chosen: TypeEntry,
  options: TypeEntry[],
  name: string,
  cache: Map<string, Shape[]>,
): NewNode {
  const pool = bin.pool as PoolState;
  const shape = shapeOf(bin, chosen, options, cache);
  const requests = new Float64Array(bin.used);
  const dv = pool.daemonVecs[chosen.i];
  for (let k = 0; k < requests.length; k++) requests[k] += dv[k];
  return {
    name,
    pool: pool.name,
    instanceTypeOptions: [...shape.instanceTypeOptions],
    instanceType: pool.types[chosen.i],
    offering: chosen.offering,
    zones: [...shape.zones],
    capacityTypes: [...shape.capacityTypes],
    labels: { ...shape.labels },
    taints: pool.taints,
    startupTaints: pool.startupTaints,
    requests: ctx.dims.resources(requests),
    pods: bin.pods.map((p) => p.pod),
  };
}
