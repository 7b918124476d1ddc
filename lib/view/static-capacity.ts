/**
 * Static capacity (Karpenter's static NodePools, `spec.replicas`): a pool that keeps exactly `replicas` nodes,
 * whatever the pods. Pending pods never open nodes in it (the dynamic solve leaves static pools out, though pods
 * use their nodes like any other), consolidation and emptiness leave its nodes alone, and drift and expiry replace
 * them. This file works out, per static pool, how many nodes to launch or which to remove. Pure.
 */
import type { NodePool } from "../api/model.js";
import type { SolveInput } from "../scheduling/types.js";
import type { NodeClaim } from "../state/types.js";
import { type ClusterView, isDisrupting, ViewIndex } from "./cluster-view.js";
import { nodeSpreadPods } from "./headroom.js";

/** Whether a pool is static (`spec.replicas` set). */
export function isStaticPool(pool: NodePool): boolean {
  return pool.replicas !== undefined;
}

/** What one static pool needs now. */
export interface StaticPoolPlan {
  pool: NodePool;
  /** Nodes that count toward `replicas`: not terminated and not being disrupted (in-flight ones included). */
  live: number;
  /** Nodes to launch (0 when none; capped by `limits.nodes`). */
  missing: number;
  /** Claims to remove because `replicas` went down, most disposable first. */
  surplus: NodeClaim[];
}

/** Surplus order: not yet initialized first, then fewest pods, then newest (Karpenter scales in the same spirit). */
function disposableFirst(a: NodeClaim, b: NodeClaim, podsOf: (c: NodeClaim) => number): number {
  const ready = (c: NodeClaim) => (c.state === "Initialized" ? 1 : 0);
  return ready(a) - ready(b) || podsOf(a) - podsOf(b) || b.createdAt - a.createdAt || a.id.localeCompare(b.id);
}

/** Per static pool whose node class exists: how far its live nodes are from `replicas`. */
export function staticPoolPlans(view: ClusterView): StaticPoolPlan[] {
  const index = new ViewIndex(view);
  const out: StaticPoolPlan[] = [];
  for (const pool of view.pools) {
    if (pool.replicas === undefined || !index.classesByName.has(pool.nodeClassName)) continue;
    const claims = view.claims.filter((c) => c.pool === pool.name && c.state !== "Terminated");
    const live = claims.filter((c) => !isDisrupting(c));
    const cap = pool.limits.nodes === undefined ? Number.POSITIVE_INFINITY : Number(pool.limits.nodes);
    const missing = Math.max(0, Math.min(pool.replicas - live.length, cap - claims.length));
    const podsOf = (c: NodeClaim) => (c.nodeName ? index.podsOn(c.nodeName).length : 0);
    const surplus = [...live]
      .sort((a, b) => disposableFirst(a, b, podsOf))
      .slice(0, Math.max(0, live.length - pool.replicas));
    out.push({ pool, live: live.length, missing, surplus });
  }
  return out;
}

/**
 * The solve that launches `missing` nodes of a static pool: one tiny virtual pod per node, no existing capacity,
 * only this pool. The packer then gives each node the pool's cheapest shape and its full, price-ordered options
 * (with `minValues` kept).
 */
export function staticLaunchInput(view: ClusterView, plan: StaticPoolPlan): SolveInput {
  return {
    pods: nodeSpreadPods(plan.pool, `static-${plan.pool.name}`, plan.missing),
    existingNodes: [],
    daemonSets: view.daemonSets,
    pools: [{ pool: plan.pool, instanceTypes: view.instanceTypes.get(plan.pool.name) ?? [] }],
  };
}
