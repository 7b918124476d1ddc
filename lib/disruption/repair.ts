/**
 * Node auto-repair (Karpenter's `NodeRepair` feature gate, `node/health`): a node whose condition matches one of
 * the provider's repair policies for longer than the policy's toleration is replaced forcefully (no budgets, no
 * waiting for PDBs). The policies are the AWS provider's: the kubelet's `Ready` False or Unknown for 30 minutes, and
 * the EKS node monitoring agent's conditions (`AcceleratedHardwareReady` 10 minutes; `StorageReady`,
 * `NetworkingReady`, `KernelReady`, `ContainerRuntimeReady` 30 minutes). A pool with more unhealthy nodes than 20 %
 * of its nodes (rounded up, as a PDB's percentage) is not repaired at all: so many at once points at something
 * replacing nodes will not fix. Pure.
 */
import type { NodePool } from "../api/model.js";
import type { Node } from "../core/kube-objects.js";
import type { NodeClaim } from "../state/types.js";
import type { ViewIndex } from "../view/cluster-view.js";

/** A condition that makes a node unhealthy once it has held for `tolerationMs`. */
export interface RepairPolicy {
  conditionType: string;
  status: "False" | "Unknown";
  tolerationMs: number;
}

const MINUTE = 60_000;

/** The AWS provider's repair policies. */
export const AWS_REPAIR_POLICIES: readonly RepairPolicy[] = [
  { conditionType: "Ready", status: "False", tolerationMs: 30 * MINUTE },
  { conditionType: "Ready", status: "Unknown", tolerationMs: 30 * MINUTE },
  { conditionType: "AcceleratedHardwareReady", status: "False", tolerationMs: 10 * MINUTE },
  { conditionType: "StorageReady", status: "False", tolerationMs: 30 * MINUTE },
  { conditionType: "NetworkingReady", status: "False", tolerationMs: 30 * MINUTE },
  { conditionType: "KernelReady", status: "False", tolerationMs: 30 * MINUTE },
  { conditionType: "ContainerRuntimeReady", status: "False", tolerationMs: 30 * MINUTE },
];

/** Share of a pool's nodes that may be unhealthy for repair to go on (rounded up). */
export const MAX_UNHEALTHY_FRACTION = 0.2;

/** The unhealthy condition of a node that is due first. */
export interface UnhealthyCondition {
  conditionType: string;
  status: string;
  /** When the condition took its status (its `lastTransitionTime`). */
  since: number;
  tolerationMs: number;
  /** `since + tolerationMs`: when the node may be repaired. */
  dueAt: number;
}

/** A node due for repair. */
export interface RepairCandidate {
  claim: NodeClaim;
  node: Node;
  pool: NodePool;
  condition: UnhealthyCondition;
}

/** A pool repair holds off on. */
export interface BlockedPool {
  pool: string;
  unhealthy: number;
  nodes: number;
  /** Unhealthy nodes the pool may have and still be repaired. */
  allowed: number;
  /** Nodes that would be repaired otherwise. */
  due: string[];
}

/** What repair should do now. */
export interface RepairPlan {
  repairs: RepairCandidate[];
  blocked: BlockedPool[];
}

function time(v: string | Date | undefined, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isNaN(ms) ? fallback : ms;
}

/**
 * The node's matching condition that comes due first, or undefined when none matches. A condition without a
 * transition time counts from `now` (it has just been seen).
 */
export function unhealthyCondition(
  node: Node,
  now: number,
  policies: readonly RepairPolicy[] = AWS_REPAIR_POLICIES,
): UnhealthyCondition | undefined {
  let first: UnhealthyCondition | undefined;
  for (const p of policies) {
    const c = node.status?.conditions?.find((x) => x.type === p.conditionType);
    if (!c || c.status !== p.status) continue;
    const since = time(c.lastTransitionTime, now);
    const dueAt = since + p.tolerationMs;
    if (!first || dueAt < first.dueAt) {
      first = { conditionType: c.type, status: c.status, since, tolerationMs: p.tolerationMs, dueAt };
    }
  }
  return first;
}

/** Unhealthy nodes a pool of `nodes` may have and still be repaired: 20 %, rounded up. */
export function allowedUnhealthy(nodes: number): number {
  return Math.ceil(nodes * MAX_UNHEALTHY_FRACTION);
}

/**
 * The nodes to repair now, per pool: every launched node whose unhealthy condition has outlasted its toleration,
 * unless the pool has more unhealthy nodes (due or not) than it may. Nodes already draining are left alone.
 */
export function repairPlan(index: ViewIndex, policies: readonly RepairPolicy[] = AWS_REPAIR_POLICIES): RepairPlan {
  const now = index.view.now;
  const byPool = new Map<string, { nodes: number; unhealthy: number; due: RepairCandidate[] }>();
  for (const claim of index.view.claims) {
    if (claim.state === "Pending" || claim.state === "Terminated") continue;
    const node = index.nodeOf(claim);
    const pool = index.poolsByName.get(claim.pool);
    if (!node || !pool) continue;
    const entry = byPool.get(pool.name) ?? { nodes: 0, unhealthy: 0, due: [] };
    byPool.set(pool.name, entry);
    entry.nodes++;
    const condition = unhealthyCondition(node, now, policies);
    if (!condition) continue;
    entry.unhealthy++;
    if (claim.state !== "Draining" && condition.dueAt <= now) entry.due.push({ claim, node, pool, condition });
  }
  const plan: RepairPlan = { repairs: [], blocked: [] };
  for (const [pool, e] of byPool) {
    if (e.due.length === 0) continue;
    const allowed = allowedUnhealthy(e.nodes);
    if (e.unhealthy > allowed) {
      const due = e.due.map((r) => r.node.metadata.name ?? "");
      plan.blocked.push({ pool, unhealthy: e.unhealthy, nodes: e.nodes, allowed, due });
    } else plan.repairs.push(...e.due);
  }
  return plan;
}
