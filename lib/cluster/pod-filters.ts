/**
 * Pure pod predicates shared by the cluster adapter, the controllers and the twin (Karpenter's
 * `pkg/utils/pod`): which pods are provisionable, DaemonSet-owned, mirror/static, terminal, terminating.
 */
import type { Pod } from "../scheduling/objects.js";

/** Annotation the kubelet puts on mirror pods of static pods. */
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

/** Priority classes Karpenter drains last. */
export const CRITICAL_PRIORITY_CLASSES: readonly string[] = ["system-cluster-critical", "system-node-critical"];

/** True when a controller-or-not owner reference of kind `kind` (and group `group`) exists. */
function isOwnedBy(pod: Pod, kind: string, group: string): boolean {
  return (pod.metadata.ownerReferences ?? []).some((o) => {
    if (o.kind !== kind) return false;
    const apiVersion = o.apiVersion ?? "";
    const ownerGroup = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    return apiVersion === "" || ownerGroup === group;
  });
}

/** Owned by a DaemonSet (`apps/v1`). */
export function isDaemonSetPod(pod: Pod): boolean {
  return isOwnedBy(pod, "DaemonSet", "apps");
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
 * A pod Karpenter provisions capacity for (`pod.IsProvisionable`): failed to schedule, unbound, not nominated,
 * not DaemonSet-owned, not a mirror pod — and, in addition, not terminal and not terminating.
 */
export function isProvisionable(pod: Pod): boolean {
  return (
    failedToSchedule(pod) &&
    !isBound(pod) &&
    !isNominated(pod) &&
    !isDaemonSetPod(pod) &&
    !isMirrorPod(pod) &&
    !isTerminal(pod) &&
    !isTerminating(pod)
  );
}

/** Priority class `system-cluster-critical` or `system-node-critical`. */
export function isCriticalPod(pod: Pod): boolean {
  return CRITICAL_PRIORITY_CLASSES.includes(pod.spec?.priorityClassName ?? "");
}
