/**
 * The last pod event of a node (Karpenter's `lastPodEventTime`): when a pod was last scheduled to it or removed from
 * it. `consolidateAfter` counts from this moment (or from initialization, whichever is later), so a node whose pods
 * keep coming and going is left alone until it has been quiet for that long. DaemonSet pods do not count.
 *
 * Derived cheaply, without a watch:
 * - a pod scheduled to the node carries the moment in its `PodScheduled` condition (`lastTransitionTime`), and a
 *   terminating pod its `deletionTimestamp`: both are read from the pod listing every pass already takes;
 * - a pod that is gone leaves no trace in the listing, so the claim stores a digest of the node's pod set
 *   (`podSetDigest`) and when it was taken (`podSetAt`). A pass compares it with the digest of the pods that were
 *   there then — the listing's pods less those scheduled since — so pods that only arrived change nothing stored;
 *   when a pod is missing, it records the set again and stamps `lastPodEventAt` with the current time (as
 *   Karpenter does for removals). A claim not recorded yet is compared with the empty set at its registration.
 * - a pod that arrived after the record and left again is missing from both; the disruptor's warm memory keeps each
 *   node's set as the previous pass saw it ({@link PodSetSeen}), compared the same way, so while the container is
 *   warm such a pod is noticed at the next pass, as when every change was recorded.
 * That is one claim write per node that lost a pod, none for nodes that only gained pods. Pure.
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
  podSetAt: number;
  lastPodEventAt: number | undefined;
}

/** A node's pod set as one pass saw it: its digest, and the pass's time. */
export interface PodSetSeen {
  digest: string;
  at: number;
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

/** When the pod was scheduled to its node (its `PodScheduled` transition), or undefined. */
function scheduledAt(pod: Pod): number | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "True");
  return time(scheduled?.lastTransitionTime);
}

/**
 * The digest of the listed pods that were on the node before `at` (a whole second, as `PodScheduled` times are):
 * all but those scheduled at `at` or later. A pod whose time is unknown counts as there (a wrong guess can only make
 * the digests differ, which records the set again).
 */
export function podSetDigestAt(pods: Pod[], at: number): string {
  return podSetDigest(pods.filter((p) => (scheduledAt(p) ?? Number.NEGATIVE_INFINITY) < at));
}

/** `ms` rounded down to a whole second: the resolution of the `PodScheduled` times it is compared with. */
function wholeSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** A node's pod set at `now`: its pods scheduled before this second (later ones count as arrivals after it). */
function setAt(pods: Pod[], now: number): PodSetSeen {
  const at = wholeSecond(now);
  return { digest: podSetDigestAt(pods, at), at };
}

/** The digest of no pods. */
const EMPTY_POD_SET = podSetDigest([]);

/**
 * What a claim's pod set is compared with: its record, or for a claim not recorded yet the empty set at its
 * registration (no pod binds before the unregistered taint comes off). Undefined for an item recorded before
 * `podSetAt` existed: its digest is compared whole.
 */
function recorded(claim: NodeClaim): PodSetSeen | undefined {
  if (claim.podSetDigest === undefined) {
    const at = claim.registeredAt ?? claim.initializedAt;
    return at === undefined ? undefined : { digest: EMPTY_POD_SET, at: wholeSecond(at) };
  }
  return claim.podSetAt === undefined ? undefined : { digest: claim.podSetDigest, at: claim.podSetAt };
}

/** Whether a pod of `before`'s set is missing from `pods` (pods scheduled after it are left out of the comparison). */
function lostPod(pods: Pod[], before: PodSetSeen): boolean {
  return podSetDigestAt(pods, before.at) !== before.digest;
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
    const t = scheduledAt(p);
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

/** The claims whose pod event records {@link podEventUpdates} keeps (being disrupted: left alone), with their pods. */
function recordedNodes(index: ViewIndex): { claim: NodeClaim; pods: Pod[] }[] {
  const out: { claim: NodeClaim; pods: Pod[] }[] = [];
  for (const claim of index.view.claims) {
    if ((claim.state !== "Initialized" && claim.state !== "Registered") || isDisrupting(claim)) continue;
    const node = index.nodeOf(claim);
    if (node) out.push({ claim, pods: index.podsOn(node.metadata.name ?? "") });
  }
  return out;
}

/**
 * Claims whose node lost a pod since its record (or, by `seen`, since the previous pass): the whole set recorded
 * again, and `lastPodEventAt` stamped now (left as it is for a claim recorded the first time). Nodes that only gained
 * pods are left as they are. Claims being disrupted are left alone.
 */
export function podEventUpdates(index: ViewIndex, seen: ReadonlyMap<string, PodSetSeen> = new Map()): PodEventUpdate[] {
  const out: PodEventUpdate[] = [];
  const now = index.view.now;
  for (const { claim, pods } of recordedNodes(index)) {
    const record = recorded(claim);
    const previous = seen.get(claim.id);
    const lost = record
      ? lostPod(pods, record) || (previous !== undefined && previous.at > record.at && lostPod(pods, previous))
      : podSetDigest(pods) !== claim.podSetDigest;
    if (!lost) continue;
    // Nothing to compare with (no record, no registration time): the first record stamps nothing.
    const lastPodEventAt = record === undefined && claim.podSetDigest === undefined ? claim.lastPodEventAt : now;
    const current = setAt(pods, now);
    out.push({ claim, podSetDigest: current.digest, podSetAt: current.at, lastPodEventAt });
  }
  return out;
}

/** Each recorded node's pod set as this pass sees it, by claim id (kept for the next pass's {@link podEventUpdates}). */
export function podSetsSeen(index: ViewIndex): Map<string, PodSetSeen> {
  return new Map(recordedNodes(index).map(({ claim, pods }) => [claim.id, setAt(pods, index.view.now)]));
}
