/**
 * Per pool, the first thing that keeps a pending pod off a new node of that pool, in the order the packer checks
 * them: a taint it does not tolerate, a requirement the pool cannot meet, a requirement no instance type of the pool
 * meets, its size against the largest allocatable on offer (after DaemonSets), and the pool's limits. The pool view
 * is the packer's own (`SolveContext`), so existing nodes already count against limits and DaemonSets against size.
 */
import { formatResource } from "../core/quantity.js";
import { LABEL_CAPACITY_TYPE, LABEL_ZONE } from "../core/well-known.js";
import { effectiveOf } from "../scheduling/packer/pod-class.js";
import type { PoolState } from "../scheduling/packer/pool-state.js";
import { fitsIn } from "../scheduling/packer/resource-dims.js";
import type { PodState, SolveContext } from "../scheduling/packer/solve-context.js";
import type { Requirement, Requirements } from "../scheduling/primitives/requirements.js";
import { firstUntolerated, formatTaint } from "../scheduling/primitives/taints.js";
import { readableAmount } from "./pool-status.js";

/** What decided a pool's verdict. */
export type PoolVerdictKind = "taint" | "requirement" | "instance-types" | "resources" | "limit" | "fits";

/** One pool's verdict for the pod. */
export interface PoolVerdict {
  pool: string;
  kind: PoolVerdictKind;
  /** One sentence naming the pool and what decided. */
  message: string;
  /** The taint not tolerated (`key=value:Effect`). */
  taint?: string;
  /** The requirement's label key, what the pod asks and the values the pool (or its instance types) allow. */
  key?: string;
  podAsks?: string;
  poolAllows?: string[];
  /** The resource that does not fit, the pod's request and the largest allocatable on offer. */
  resource?: string;
  requested?: string;
  largestAllocatable?: string;
  /** The limit reached: its resource, its value and the pool's use. */
  limit?: { resource: string; limit: string; used: string };
  /** For `fits`: the cheapest instance type that takes the pod alone. */
  cheapestType?: string;
}

/** `2 CPU`, `8Gi memory`, `1 nvidia.com/gpu`. */
export function amountText(resource: string, value: number): string {
  if (resource === "cpu") return `${Number((value / 1000).toFixed(3))} CPU`;
  return `${readableAmount(resource, value)} ${resource}`;
}

/** Values a type offers for a key: its label, or its available offerings' zones / capacity types. */
function typeValues(pool: PoolState, i: number, key: string): string[] {
  if (key === LABEL_ZONE || key === LABEL_CAPACITY_TYPE) {
    const offers = pool.types[i].offerings.filter((o) => o.available);
    return offers.map((o) => (key === LABEL_ZONE ? o.zone : o.capacityType));
  }
  const v = pool.typeLabels[i][key];
  return v === undefined ? [] : [v];
}

/** Indices of the pool's types that can serve a node with `reqs`. */
function typesMeeting(pool: PoolState, reqs: Requirements): number[] {
  return pool.types.map((_, i) => i).filter((i) => pool.offerFor(i, reqs) !== undefined);
}

/** The first pod requirement that alone rules out every type the pool's own requirements leave. */
function blockingRequirement(pool: PoolState, podReqs: Requirements): Requirement | undefined {
  for (const req of podReqs.values()) {
    if (typesMeeting(pool, pool.baseReqs.with(req)).length === 0) return req;
  }
  return undefined;
}

function requirementVerdict(pool: PoolState, podReqs: Requirements): PoolVerdict | undefined {
  const inc = pool.baseReqs.compatibleError(podReqs);
  if (inc) {
    const allows = inc.existing ? inc.existing.describeValues() : `no ${inc.key} label`;
    return {
      pool: pool.name,
      kind: "requirement",
      key: inc.key,
      podAsks: inc.incoming.describe(),
      poolAllows: inc.existing ? inc.existing.sortedValues() : [],
      message: `NodePool "${pool.name}": the pod requires ${inc.incoming.describe()}; the pool allows ${allows}`,
    };
  }
  const poolTypes = typesMeeting(pool, pool.baseReqs);
  if (poolTypes.length === 0) {
    return {
      pool: pool.name,
      kind: "instance-types",
      message: `NodePool "${pool.name}" has no available instance type`,
    };
  }
  if (typesMeeting(pool, pool.baseReqs.intersect(podReqs)).length > 0) return undefined;
  const req = blockingRequirement(pool, podReqs);
  if (!req) {
    return {
      pool: pool.name,
      kind: "instance-types",
      podAsks: podReqs.describe(),
      message: `NodePool "${pool.name}": no instance type satisfies ${podReqs.describe()} together`,
    };
  }
  const values = [...new Set(poolTypes.flatMap((i) => typeValues(pool, i, req.key)))].sort();
  const shown = values.length > 8 ? `${values.slice(0, 8).join(", ")} … (${values.length} values)` : values.join(", ");
  return {
    pool: pool.name,
    kind: "requirement",
    key: req.key,
    podAsks: req.describe(),
    poolAllows: values,
    message: `NodePool "${pool.name}": the pod requires ${req.describe()}; the pool's instance types offer ${req.key} ${shown || "(none)"}`,
  };
}

function resourceVerdict(ctx: SolveContext, pool: PoolState, ps: PodState, types: number[]): PoolVerdict | undefined {
  for (let k = 0; k < ps.vec.length; k++) {
    const largest = Math.max(0, ...types.map((i) => pool.caps[i][k]));
    if (ps.vec[k] <= largest) continue;
    const resource = ctx.dims.names[k];
    const requested = amountText(resource, ps.vec[k]);
    const largestAllocatable = amountText(resource, largest);
    return {
      pool: pool.name,
      kind: "resources",
      resource,
      requested,
      largestAllocatable,
      message: `NodePool "${pool.name}": the pod requests ${requested}; the largest allocatable on offer is ${largestAllocatable} (after DaemonSets)`,
    };
  }
  return undefined;
}

function limitVerdict(pool: PoolState, fitting: number[]): PoolVerdict | undefined {
  const exceeded = fitting.map((i) => pool.limitExceededBy(i));
  if (exceeded.some((k) => k === undefined)) return undefined;
  const resource = exceeded[0] as string;
  const fmt = (v: number) => (resource === "nodes" ? String(v) : formatResource(resource, v));
  const limit = { resource, limit: fmt(pool.limits[resource]), used: fmt(pool.used[resource] ?? 0) };
  return {
    pool: pool.name,
    kind: "limit",
    limit,
    message: `NodePool "${pool.name}": limit ${resource} ${limit.limit} reached (${limit.used} in use; a new node would exceed it)`,
  };
}

/** The pool verdicts for one pending pod of the context, in the packer's pool order (weight, then name). */
export function explainPools(ctx: SolveContext, ps: PodState): PoolVerdict[] {
  const e = effectiveOf(ps.cls, ps.relax);
  return ctx.pools.map((pool): PoolVerdict => {
    const taint = firstUntolerated(ps.cls.tolerations, pool.taints, {
      ignorePreferNoSchedule: e.ignorePreferNoSchedule,
    });
    if (taint) {
      return {
        pool: pool.name,
        kind: "taint",
        taint: formatTaint(taint),
        message: `NodePool "${pool.name}" has taint ${formatTaint(taint)}, which the pod does not tolerate`,
      };
    }
    const byRequirement = requirementVerdict(pool, e.reqs);
    if (byRequirement) return byRequirement;
    const types = typesMeeting(pool, pool.baseReqs.intersect(e.reqs));
    const bySize = resourceVerdict(ctx, pool, ps, types);
    if (bySize) return bySize;
    const fitting = types.filter((i) => fitsIn(ps.vec, pool.caps[i]));
    const byLimit = limitVerdict(pool, fitting);
    if (byLimit) return byLimit;
    const reqs = pool.baseReqs.intersect(e.reqs);
    const cheapest = fitting
      .filter((i) => pool.limitExceededBy(i) === undefined)
      .sort((a, b) => (pool.offerFor(a, reqs)?.price ?? 0) - (pool.offerFor(b, reqs)?.price ?? 0))[0];
    const type = pool.types[cheapest].name;
    return {
      pool: pool.name,
      kind: "fits",
      cheapestType: type,
      message: `NodePool "${pool.name}" can take the pod (cheapest type that holds it alone: ${type})`,
    };
  });
}
