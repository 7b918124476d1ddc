/**
 * Where the plan puts a pod (a new node, or an existing one) and, for a new node, the cheaper instance types of its
 * pool that were passed over, each with the reason: a requirement excludes it, its cheaper offerings lie outside the
 * node's zones or capacity types, it is too small for everything the node holds, or the pool's limit forbids it.
 */
import type { Pod } from "../core/kube-objects.js";
import { LABEL_CAPACITY_TYPE, LABEL_ZONE } from "../core/well-known.js";
import type { PoolState } from "../scheduling/packer/pool-state.js";
import { Requirement, Requirements } from "../scheduling/primitives/requirements.js";
import type { InstanceType, NewNode, SolveResult } from "../scheduling/types.js";
import { amountText } from "./explain-pools.js";

/** How many of the cheaper types to list (the nearest in price first). */
export const MAX_REJECTED_LISTED = 8;

/** A cheaper instance type the new node does not use, and why. */
export interface RejectedType {
  instanceType: string;
  /** Its cheapest available offering in the zones and capacity types the pool allows. */
  pricePerHour: number;
  reason: string;
}

/** Where the plan puts the pod. */
export type Placement =
  | {
      kind: "new-node";
      node: string;
      pool: string;
      instanceType: string;
      zone: string;
      capacityType: string;
      pricePerHour: number;
      /** Pods the node is planned for, this one included. */
      pods: string[];
      /** Cheaper types of the pool passed over, nearest in price first (at most {@link MAX_REJECTED_LISTED}). */
      rejectedCheaper: RejectedType[];
      /** How many cheaper types the pool's requirements allow. */
      cheaperCount: number;
      /** How many cheaper types of the catalog the pool's own requirements exclude. */
      excludedByPool: number;
    }
  | { kind: "existing-node"; node: string }
  | { kind: "unschedulable"; reason: string };

/** `namespace/name`. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? "default"}/${pod.metadata.name ?? ""}`;
}

/** Type `i`'s cheapest available offering in the zones and capacity types the pool allows. */
function poolPrice(pool: PoolState, i: number): number | undefined {
  let offerReqs = Requirements.EMPTY;
  for (const key of [LABEL_ZONE, LABEL_CAPACITY_TYPE]) {
    const req = pool.baseReqs.get(key);
    if (req) offerReqs = offerReqs.with(req);
  }
  return pool.offerFor(i, offerReqs)?.price;
}

/** The first of `reqs` that type `i`'s labels violate, described; zones and capacity types are checked apart. */
function labelConflict(pool: PoolState, i: number, reqs: Requirements): string | undefined {
  for (const req of reqs.values()) {
    if (req.key === LABEL_ZONE || req.key === LABEL_CAPACITY_TYPE) continue;
    if (pool.offerFor(i, Requirements.EMPTY.with(req)) !== undefined) continue;
    const v = pool.typeLabels[i][req.key];
    return `excluded by requirement ${req.describe()}${v === undefined ? "" : ` (it has ${req.key}=${v})`}`;
  }
  return undefined;
}

/** The first resource of the node's requests that the type's allocatable does not hold. */
function tooSmall(t: InstanceType, node: NewNode): string | undefined {
  for (const [resource, need] of Object.entries(node.requests)) {
    const has = t.allocatable[resource] ?? 0;
    if (need > has) {
      return `too small for what the node holds: ${amountText(resource, need)} requested, ${amountText(resource, has)} allocatable`;
    }
  }
  return undefined;
}

/** Why the plan did not use type `i` of the pool for `node` (the pool's own requirements are checked first). */
function rejection(pool: PoolState, i: number, node: NewNode, podReqs: Requirements): string {
  const conflict = labelConflict(pool, i, podReqs);
  if (conflict) return conflict;
  const small = tooSmall(pool.types[i], node);
  if (small) return small;
  const nodeReqs = pool.baseReqs
    .intersect(podReqs)
    .with(new Requirement(LABEL_ZONE, false, new Set(node.zones)))
    .with(new Requirement(LABEL_CAPACITY_TYPE, false, new Set(node.capacityTypes)));
  const offer = pool.offerFor(i, nodeReqs);
  if (!offer || offer.price >= node.offering.price) {
    return `no cheaper offering in the node's zones (${node.zones.join(", ")}) and capacity types (${node.capacityTypes.join(", ")})`;
  }
  const limit = pool.limitExceededBy(i);
  if (limit) return `would exceed the pool's ${limit} limit`;
  return "fits, but the plan's packing (topology or the other pods' constraints) chose another type";
}

/**
 * The cheaper types the pool's own requirements allow, nearest in price first, with why each was passed over; and
 * how many cheaper types the pool's requirements exclude.
 */
export function rejectedCheaperTypes(
  pool: PoolState,
  node: NewNode,
  podReqs: Requirements,
): { listed: RejectedType[]; count: number; excludedByPool: number } {
  const cheaper = pool.types
    .map((t, i) => ({ t, i, price: poolPrice(pool, i) }))
    .filter((x): x is { t: InstanceType; i: number; price: number } => x.price !== undefined)
    .filter((x) => x.t.name !== node.instanceType.name && x.price < node.offering.price)
    .sort((a, b) => b.price - a.price || a.t.name.localeCompare(b.t.name));
  const inPool = cheaper.filter((x) => labelConflict(pool, x.i, pool.baseReqs) === undefined);
  const listed = inPool.slice(0, MAX_REJECTED_LISTED).map((x) => ({
    instanceType: x.t.name,
    pricePerHour: x.price,
    reason: rejection(pool, x.i, node, podReqs),
  }));
  return { listed, count: inPool.length, excludedByPool: cheaper.length - inPool.length };
}

/** Where `result` puts the pod with key `key`; `pool` and `podReqs` explain a new node's type. */
export function placementOf(
  result: SolveResult,
  key: string,
  poolOf: (name: string) => PoolState | undefined,
  podReqs: Requirements,
): Placement {
  const node = result.newNodes.find((n) => n.pods.some((p) => podKey(p) === key));
  if (node) {
    const pool = poolOf(node.pool);
    const rejected = pool ? rejectedCheaperTypes(pool, node, podReqs) : { listed: [], count: 0, excludedByPool: 0 };
    return {
      kind: "new-node",
      node: node.name,
      pool: node.pool,
      instanceType: node.instanceType.name,
      zone: node.offering.zone,
      capacityType: node.offering.capacityType,
      pricePerHour: node.offering.price,
      pods: node.pods.map(podKey),
      rejectedCheaper: rejected.listed,
      cheaperCount: rejected.count,
      excludedByPool: rejected.excludedByPool,
    };
  }
  for (const [name, pods] of result.existingAssignments) {
    if (pods.some((p) => podKey(p) === key)) return { kind: "existing-node", node: name };
  }
  const unschedulable = result.unschedulable.find((u) => podKey(u.pod) === key);
  return { kind: "unschedulable", reason: unschedulable?.reason ?? "the plan did not place the pod" };
}
