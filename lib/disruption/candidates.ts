/**
 * Disruption candidates: initialized Stevedore nodes with their pods, price and disruption cost, and the reasons
 * a method may not touch them (Karpenter `NewCandidate`, `ValidateNodeDisruptable`, `ValidatePodsDisruptable`).
 * Pure.
 */
import type { NodeClass, NodePool } from "../api/model.js";
import type { Node, Pod } from "../core/kube-objects.js";
import { evictionCost, hasActiveDoNotDisrupt, isReschedulable } from "../core/pods.js";
import { ANNOTATION_DO_NOT_CONSOLIDATE, ANNOTATION_DO_NOT_DISRUPT } from "../core/well-known.js";
import type { NodeClaim } from "../state/types.js";
import { isNodeReady, type ViewIndex } from "../view/cluster-view.js";
import { isVirtualPod } from "../view/headroom.js";
import { NOMINATION_WINDOW_MS } from "../view/nominations.js";
import { pdbBlockReason } from "./pdb.js";
import { consolidatableAt } from "./pod-events.js";

/** A node that some method may disrupt. */
export interface Candidate {
  claim: NodeClaim;
  node: Node;
  nodeName: string;
  pool: NodePool;
  nodeClass?: NodeClass;
  /** Every non-terminal pod bound to the node (DaemonSet and mirror pods included). */
  pods: Pod[];
  /** Pods that must move if the node goes. */
  reschedulable: Pod[];
  /** Price per hour of the node's offering; undefined when unknown. */
  price?: number;
  /** Karpenter's disruption cost: Σ pod eviction cost × remaining lifetime fraction. */
  disruptionCost: number;
}

/** How forcefully a method disrupts (Karpenter's graceful vs eventual classes). */
export type DisruptionClass = "graceful" | "eventual";

/** Pods scheduled onto a just-initialized node within this window keep it off the candidate list (nomination). */
export { NOMINATION_WINDOW_MS };

/** Remaining fraction of the node's lifetime, in [0, 1] (1 without expiry). */
export function lifetimeRemaining(claim: NodeClaim, pool: NodePool, now: number): number {
  const ttl = pool.disruption.expireAfterSeconds;
  if (ttl === undefined || ttl <= 0) return 1;
  const age = now - claim.createdAt;
  return Math.min(1, Math.max(0, (ttl * 1000 - age) / (ttl * 1000)));
}

/** Σ pod eviction cost × remaining lifetime fraction. */
export function disruptionCost(reschedulable: Pod[], claim: NodeClaim, pool: NodePool, now: number): number {
  const sum = reschedulable.reduce((s, p) => s + evictionCost(p), 0);
  return sum * lifetimeRemaining(claim, pool, now);
}

function offeringPrice(index: ViewIndex, claim: NodeClaim): number | undefined {
  if (claim.pricePerHour !== undefined) return claim.pricePerHour;
  const t = (index.view.instanceTypes.get(claim.pool) ?? []).find((x) => x.name === claim.instanceType);
  const o = t?.offerings.find((x) => x.zone === claim.zone && x.capacityType === claim.capacityType);
  return o?.price;
}

/**
 * Every initialized claim with a Node, a known pool and no disruption in progress, as a candidate. Method-specific
 * rules (protections, budgets) are applied by {@link candidateBlocker} and the methods.
 */
export function buildCandidates(index: ViewIndex): Candidate[] {
  const now = index.view.now;
  const out: Candidate[] = [];
  for (const claim of index.view.claims) {
    if (claim.state !== "Initialized" || claim.disruptionReason !== undefined) continue;
    const node = index.nodeOf(claim);
    const pool = index.poolsByName.get(claim.pool);
    if (!node || !pool) continue;
    const nodeName = node.metadata.name ?? "";
    const pods = index.podsOn(nodeName);
    const reschedulable = pods.filter(isReschedulable);
    out.push({
      claim,
      node,
      nodeName,
      pool,
      nodeClass: index.classesByName.get(pool.nodeClassName),
      pods,
      reschedulable,
      price: offeringPrice(index, claim),
      disruptionCost: disruptionCost(reschedulable, claim, pool, now),
    });
  }
  return out;
}

/**
 * Why the candidate may not be disrupted by a method of this class, or undefined. Graceful methods are blocked by
 * node-level `do-not-disrupt`, pods with an active `do-not-disrupt`/`do-not-evict`, and pods a PDB keeps; eventual
 * methods ignore pod-level blocks when the pool bounds the drain with a termination grace period.
 */
export function candidateBlocker(c: Candidate, index: ViewIndex, cls: DisruptionClass): string | undefined {
  const now = index.view.now;
  if (c.node.metadata.annotations?.[ANNOTATION_DO_NOT_DISRUPT] === "true")
    return `node has ${ANNOTATION_DO_NOT_DISRUPT}`;
  if (!isNodeReady(c.node)) return "node is not Ready";
  if (c.claim.initializedAt !== undefined && now - c.claim.initializedAt < NOMINATION_WINDOW_MS) {
    return "node was initialized moments ago (pods may be nominated to it)";
  }
  if (index.nominatedPods(c.claim).some((p) => !isVirtualPod(p))) {
    return "pods nominated to this node have not arrived yet (pending, or on a node being disrupted)";
  }
  if (cls === "eventual" && c.pool.disruption.terminationGracePeriodSeconds !== undefined) return undefined;
  for (const p of c.pods) {
    if (hasActiveDoNotDisrupt(p, now))
      return `pod ${p.metadata.namespace ?? "default"}/${p.metadata.name} has do-not-disrupt`;
  }
  for (const p of c.reschedulable) {
    const why = pdbBlockReason(p, index.view.pdbs);
    if (why) return why;
  }
  return undefined;
}

/** Why a static pool's node is never consolidated or removed as empty (only drift and expiry replace it). */
export function staticPoolReason(pool: string, replicas: number): string {
  return `pool ${pool} is static (replicas: ${replicas}): its nodes are not consolidated`;
}

/** Why consolidation specifically may not touch the candidate (static pool, policy, `do-not-consolidate`), or undefined. */
export function consolidationBlocker(c: Candidate, now: number): string | undefined {
  if (c.pool.replicas !== undefined) return staticPoolReason(c.pool.name, c.pool.replicas);
  const policy = c.pool.disruption.consolidationPolicy;
  if (policy !== "WhenEmptyOrUnderutilized" && policy !== "Balanced") {
    return `pool consolidation policy is ${c.pool.disruption.consolidationPolicy}`;
  }
  if (c.node.metadata.annotations?.[ANNOTATION_DO_NOT_CONSOLIDATE] === "true")
    return `node has ${ANNOTATION_DO_NOT_CONSOLIDATE}`;
  if (now < consolidatableAt(c.claim, c.pool, c.pods)) {
    return "consolidateAfter has not passed since the node's last pod event";
  }
  if (c.price === undefined) return "node price is unknown";
  return undefined;
}

/** Consolidation order: cheapest to disrupt first, then most expensive node, then name (deterministic). */
export function byDisruptionCost(a: Candidate, b: Candidate): number {
  return a.disruptionCost - b.disruptionCost || (b.price ?? 0) - (a.price ?? 0) || a.nodeName.localeCompare(b.nodeName);
}
