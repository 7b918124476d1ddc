/**
 * Nominations: the pods a node claim was launched for keep their place on it while its capacity is coming, and for
 * a short window after its node is initialized (Karpenter's nomination window), so the provisioner neither plans
 * them twice nor re-plans them from scratch the moment their node appears. kube-scheduler does not know the plan,
 * though: it may fill a new node with other pods first. A nominated pod that no longer fits on its claim's node
 * (bound pods, the DaemonSet pods it still lacks, and the nominated pods before it) has lost its place, and the next
 * solve plans it again at once instead of waiting for its claim to leave flight. Once a claim's Node exists, its
 * held pods are nominated to that Node through `status.nominatedNodeName` ({@link nominationChanges}), which
 * kube-scheduler honours: it tries a nominated pod on its node first and keeps the node's nominated resources from
 * other pods of no higher priority. Pure.
 */
import { objectKey, type Pod } from "../core/kube-objects.js";
import { parseResourceList, type Resources } from "../core/quantity.js";
import { type DaemonProfile, daemonProfiles, ownedBy, runsOnNode } from "../scheduling/packer/daemon-overhead.js";
import { podRequests } from "../scheduling/primitives/pod-requests.js";
import type { NodeClaim } from "../state/types.js";
import { isInFlight, type ViewIndex } from "./cluster-view.js";
import { isVirtualPod } from "./headroom.js";

/** How long a just-initialized node keeps the places of the pods nominated to it (Karpenter: twice the batch window). */
export const NOMINATION_WINDOW_MS = 20_000;

/** Whether the claim's nominated pods still hold places on it: in flight, or initialized within the window. */
export function holdsNominations(claim: NodeClaim, now: number): boolean {
  if (isInFlight(claim)) return true;
  return (
    claim.state === "Initialized" &&
    claim.initializedAt !== undefined &&
    now - claim.initializedAt < NOMINATION_WINDOW_MS
  );
}

/** Per view index: the held pods of each claim, and the DaemonSets parsed once. */
const heldByIndex = new WeakMap<ViewIndex, Map<string, Pod[]>>();
const daemonsByIndex = new WeakMap<ViewIndex, DaemonProfile[]>();

/**
 * The claim's nominated pods ({@link ViewIndex.nominatedPods}) that still fit on its node, in nomination order:
 * the node's allocatable less its bound pods, the DaemonSet pods it should run but lacks, and the nominated pods
 * kept before. Without a registered node (nothing can be bound there yet) every nominated pod keeps its place.
 */
export function heldPods(index: ViewIndex, claim: NodeClaim): Pod[] {
  let cache = heldByIndex.get(index);
  if (!cache) heldByIndex.set(index, (cache = new Map()));
  let held = cache.get(claim.id);
  if (!held) cache.set(claim.id, (held = computeHeld(index, claim)));
  return held;
}

function computeHeld(index: ViewIndex, claim: NodeClaim): Pod[] {
  const nominated = index.nominatedPods(claim);
  const node = index.nodeOf(claim);
  if (!node || nominated.length === 0) return nominated;
  const name = node.metadata.name ?? "";
  const bound = index.podsOn(name);
  const free = parseResourceList(node.status?.allocatable);
  if (Object.keys(free).length === 0) return nominated;
  for (const p of bound) take(free, podRequests(p));
  let daemons = daemonsByIndex.get(index);
  if (!daemons) daemonsByIndex.set(index, (daemons = daemonProfiles(index.view.daemonSets)));
  const labels = node.metadata.labels ?? {};
  const taints = node.spec?.taints ?? [];
  for (const d of daemons) {
    if (bound.some((p) => ownedBy(p, d)) || !runsOnNode(d, labels, taints)) continue;
    take(free, d.requests);
  }
  const kept: Pod[] = [];
  for (const p of nominated) {
    const req = podRequests(p);
    if (!fitsIn(free, req)) continue;
    take(free, req);
    kept.push(p);
  }
  return kept;
}

function take(free: Resources, req: Resources): void {
  for (const [k, v] of Object.entries(req)) free[k] = (free[k] ?? 0) - v;
}

function fitsIn(free: Resources, req: Resources): boolean {
  for (const [k, v] of Object.entries(req)) if (v > 0 && v > (free[k] ?? 0)) return false;
  return true;
}

/** A change to one pod's `status.nominatedNodeName`: a node name, or null to clear it. */
export interface NominationChange {
  pod: Pod;
  nodeName: string | null;
}

/**
 * The nominations that differ from what the pods carry. Each unbound pod held by a claim that still holds
 * nominations and has a Node (registering or registered) is nominated to that Node; a pending pod nominated to a Node
 * that is gone, or to a claim's Node that no longer holds it (the window is over, it lost its place), has its
 * nomination cleared, so it is planned again. Nominations Stevedore did not make (kube-scheduler's, for preemption:
 * the pod is not one the node's claim was launched for) are left alone.
 */
export function nominationChanges(index: ViewIndex): NominationChange[] {
  const wanted = new Map<string, string>();
  for (const claim of index.view.claims) {
    if (!holdsNominations(claim, index.view.now)) continue;
    const node = index.nodeOf(claim)?.metadata.name;
    if (!node) continue;
    for (const pod of heldPods(index, claim)) {
      const key = objectKey(pod);
      if (!pod.spec.nodeName && !isVirtualPod(pod) && !wanted.has(key)) wanted.set(key, node);
    }
  }
  const changes: NominationChange[] = [];
  for (const pod of index.pending) {
    const key = objectKey(pod);
    const want = wanted.get(key);
    const have = pod.status?.nominatedNodeName || undefined;
    if (want !== undefined) {
      if (have !== want) changes.push({ pod, nodeName: want });
    } else if (have !== undefined && isStale(index, key, have)) {
      changes.push({ pod, nodeName: null });
    }
  }
  return changes;
}

/** A nomination nobody keeps: to a Node that is gone, or Stevedore's to a claim's Node that no longer holds the pod. */
function isStale(index: ViewIndex, podKey: string, nodeName: string): boolean {
  if (!index.nodesByName.has(nodeName)) return true;
  return index.claimByNode.get(nodeName)?.pods.includes(podKey) ?? false;
}
