/**
 * The last pod event of a node (Karpenter's `lastPodEventTime`): when a pod was last scheduled to it or removed from
 * it. `consolidateAfter` counts from this moment (or from initialization, whichever is later), so a node whose pods
 * keep coming and going is left alone until it has been quiet for that long. DaemonSet pods do not count.
 *
 * Derived cheaply, without a watch:
 * - a pod scheduled to the node carries the moment in its `PodScheduled` condition (`lastTransitionTime`), and a
 *   terminating pod its `deletionTimestamp`: both are read from the pod listing every pass already takes;
 * - a pod that is gone leaves no trace in the listing, so the claim stores a digest of the node's pod set
 *   (`podSetDigest`). When a pass sees a different set, it stamps `lastPodEventAt` with the current time (as
 *   Karpenter does for removals). That is one claim write per node whose pods changed, none otherwise.
 * Pure.
 */
import type { NodePool } from "../api/model.js";
import type { Pod } from "../core/kube-objects.js";
import { isReschedulable } from "../core/pods.js";
import type { NodeClaim } from "../state/types.js";
import { isDisrupting, type ViewIndex } from "../view/cluster-view.js";

/** A change to a claim's pod-event record. */
export interface PodEventUpdate {
  claim: NodeClaim;
  podSetDigest: string;
  lastPodEventAt: number | undefined;
}

function time(v: string | Date | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Pods whose arrival or departure is a pod event: bound, not DaemonSet or mirror pods, not finished. */
function eventPods(pods: Pod[]): Pod[] {
  return pods.filter(isReschedulable);
}

/** FNV-1a, 32 bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A digest of the set of pods that count (identity only), independent of their order: the count, and the sum and
 * the xor of each pod's hash. It only has to tell one pass's set from the previous one's.
 */
export function podSetDigest(pods: Pod[]): string {
  let count = 0;
  let sum = 0;
  let xor = 0;
  for (const p of eventPods(pods)) {
    const h = fnv1a(p.metadata.uid ?? `${p.metadata.namespace ?? "default"}/${p.metadata.name ?? ""}`);
    count++;
    sum = (sum + h) >>> 0;
    xor = (xor ^ h) >>> 0;
  }
  return `${count.toString(36)}-${sum.toString(36)}-${xor.toString(36)}`;
}

/** The newest pod event the listing shows: a `PodScheduled` transition or a deletion request. */
export function newestPodEventIn(pods: Pod[]): number | undefined {
  let newest: number | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) {
      const t = time(p.metadata.deletionTimestamp);
      if (t !== undefined && (newest === undefined || t > newest)) newest = t;
      continue;
    }
    if (!isReschedulable(p)) continue;
    const scheduled = p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "True");
    const t = time(scheduled?.lastTransitionTime);
    if (t !== undefined && (newest === undefined || t > newest)) newest = t;
  }
  return newest;
}

/** The node's last pod event: the stored stamp or what the listing shows, whichever is later. */
export function lastPodEvent(claim: NodeClaim, pods: Pod[]): number | undefined {
  const seen = newestPodEventIn(pods);
  if (claim.lastPodEventAt === undefined) return seen;
  return seen === undefined ? claim.lastPodEventAt : Math.max(seen, claim.lastPodEventAt);
}

/** When the node may be consolidated: `consolidateAfter` past its initialization or its last pod event. */
export function consolidatableAt(claim: NodeClaim, pool: NodePool, pods: Pod[]): number {
  const after = (pool.disruption.emptyAfterSeconds ?? 0) * 1000;
  const initialized = claim.initializedAt ?? claim.createdAt;
  return Math.max(initialized, lastPodEvent(claim, pods) ?? initialized) + after;
}

/**
 * Claims whose node's pod set differs from the stored digest: the new digest, and `lastPodEventAt` stamped now
 * (left as it is the first time a claim is seen, when there is nothing to compare with). Claims being disrupted
 * are left alone.
 */
export function podEventUpdates(index: ViewIndex): PodEventUpdate[] {
  const out: PodEventUpdate[] = [];
  for (const claim of index.view.claims) {
    if ((claim.state !== "Initialized" && claim.state !== "Registered") || isDisrupting(claim)) continue;
    const node = index.nodeOf(claim);
    if (!node) continue;
    const digest = podSetDigest(index.podsOn(node.metadata.name ?? ""));
    if (digest === claim.podSetDigest) continue;
    const lastPodEventAt = claim.podSetDigest === undefined ? claim.lastPodEventAt : index.view.now;
    out.push({ claim, podSetDigest: digest, lastPodEventAt });
  }
  return out;
}
