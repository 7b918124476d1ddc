/**
 * Pod predicates shared by every layer (Karpenter's `pkg/utils/pod`): which pods are provisionable, DaemonSet-owned,
 * mirror/static, terminal, terminating, critical, reschedulable; which protect their node from voluntary
 * disruption; and what evicting one costs. Pure.
 */
import type { Pod } from "./kube-objects.js";
import { ANNOTATION_DO_NOT_DISRUPT, ANNOTATION_DO_NOT_EVICT, ANNOTATION_POD_DELETION_COST } from "./well-known.js";

/** Annotation the kubelet puts on mirror pods of static pods. */
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

/** Priority classes Karpenter drains last. */
export const CRITICAL_PRIORITY_CLASSES: readonly string[] = ["system-cluster-critical", "system-node-critical"];

/** True when a controller-or-not owner reference of kind `kind` (and group `group`, and `name` if given) exists. */
function isOwnedBy(pod: Pod, kind: string, group: string, name?: string): boolean {
  return (pod.metadata.ownerReferences ?? []).some((o) => {
    if (o.kind !== kind) return false;
    if (name !== undefined && o.name !== name) return false;
    const apiVersion = o.apiVersion ?? "";
    const ownerGroup = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    return apiVersion === "" || ownerGroup === group;
  });
}

/** Owned by a DaemonSet (`apps/v1`). */
export function isDaemonSetPod(pod: Pod): boolean {
  return isOwnedBy(pod, "DaemonSet", "apps");
}

/** Owned by the DaemonSet `namespace/name` (`apps/v1`). */
export function isPodOfDaemonSet(pod: Pod, namespace: string, name: string): boolean {
  return (pod.metadata.namespace ?? "default") === namespace && isOwnedBy(pod, "DaemonSet", "apps", name);
}

/** Owned by a Node (core `v1`): the API mirror of a static pod. */
export function isOwnedByNode(pod: Pod): boolean {
  return isOwnedBy(pod, "Node", "");
}

/** A mirror (static) pod: owned by its Node or carrying the mirror annotation. */
export function isMirrorPod(pod: Pod): boolean {
  return isOwnedByNode(pod) || (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] ?? undefined) !== undefined;
}

/** Phase Succeeded or Failed. */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** Has a deletionTimestamp. */
export function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/** Terminating for longer than `afterMs` (default 1 min, Karpenter's "stuck terminating") at `nowMs`. */
export function isStuckTerminating(pod: Pod, nowMs: number, afterMs = 60_000): boolean {
  if (!isTerminating(pod)) return false;
  return new Date(pod.metadata.deletionTimestamp!).getTime() + afterMs < nowMs;
}

/** Bound to a node (`spec.nodeName` set). */
export function isBound(pod: Pod): boolean {
  return (pod.spec?.nodeName ?? "") !== "";
}

/** Preempting: `status.nominatedNodeName` set. */
export function isNominated(pod: Pod): boolean {
  return (pod.status?.nominatedNodeName ?? "") !== "";
}

/** kube-scheduler tried and failed: condition PodScheduled=False with reason Unschedulable. */
export function failedToSchedule(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some(
    (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
  );
}

/**
 * A pod the packer places (and the cost lower bound counts): unbound, not nominated, not DaemonSet-owned, not a
 * mirror pod, not terminal and not terminating. Unlike {@link isProvisionable} it does not ask for kube-scheduler's
 * verdict, so pods read from files and virtual (headroom) pods qualify.
 */
export function isPlannable(pod: Pod): boolean {
  return (
    !isBound(pod) &&
    !isNominated(pod) &&
    !isDaemonSetPod(pod) &&
    !isMirrorPod(pod) &&
    !isTerminal(pod) &&
    !isTerminating(pod)
  );
}

/**
 * A pod Karpenter provisions capacity for (`pod.IsProvisionable`): failed to schedule, unbound, not nominated,
 * not DaemonSet-owned, not a mirror pod — and, in addition, not terminal and not terminating.
 */
export function isProvisionable(pod: Pod): boolean {
  return failedToSchedule(pod) && isPlannable(pod);
}

/** Priority class `system-cluster-critical` or `system-node-critical`. */
export function isCriticalPod(pod: Pod): boolean {
  return CRITICAL_PRIORITY_CLASSES.includes(pod.spec?.priorityClassName ?? "");
}

/** Pods that must find a new home if their node goes: not DaemonSet, not mirror, not terminal, not terminating. */
export function isReschedulable(pod: Pod): boolean {
  return !isDaemonSetPod(pod) && !isMirrorPod(pod) && !isTerminal(pod) && !isTerminating(pod);
}

/** Parses a Go duration (`90s`, `1h30m`, `1.5h`, `300ms`) into milliseconds; undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]];
    consumed = re.lastIndex;
  }
  if (text.length === 0 || consumed !== text.length) return undefined;
  return total;
}

function creationMs(pod: Pod): number | undefined {
  const c = pod.metadata.creationTimestamp;
  if (c === undefined) return undefined;
  const ms = c instanceof Date ? c.getTime() : Date.parse(c);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Whether a pod currently forbids voluntary disruption of its node: `do-not-disrupt: "true"`, a positive duration
 * not yet reached by the pod's age (Karpenter ≥ 1.2), or v1alpha5 `do-not-evict: "true"`. Invalid values are
 * ignored, as Karpenter does. Terminal pods never protect.
 */
export function hasActiveDoNotDisrupt(pod: Pod, nowMs: number): boolean {
  if (isTerminal(pod)) return false;
  const ann = pod.metadata.annotations ?? {};
  if (ann[ANNOTATION_DO_NOT_EVICT] === "true") return true;
  const v = ann[ANNOTATION_DO_NOT_DISRUPT];
  if (v === undefined) return false;
  if (v === "true") return true;
  const ms = parseGoDuration(v);
  if (ms === undefined || ms <= 0) return false;
  const created = creationMs(pod);
  if (created === undefined) return true;
  return nowMs - created < ms;
}

/**
 * Per-pod eviction cost (Karpenter `EvictionCost`): `clamp(1 + deletionCost/2^27 + priority/2^25, -10, 10)`.
 */
export function evictionCost(pod: Pod): number {
  let cost = 1;
  const del = Number(pod.metadata.annotations?.[ANNOTATION_POD_DELETION_COST]);
  if (Number.isFinite(del)) cost += del / 2 ** 27;
  if (pod.spec.priority !== undefined) cost += pod.spec.priority / 2 ** 25;
  return Math.min(10, Math.max(-10, cost));
}
