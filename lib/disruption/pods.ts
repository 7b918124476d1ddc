/**
 * Pod classification used by disruption and termination: which pods must move, which are critical, which
 * protect their node, and what evicting them costs. Pure.
 */
import type { Pod, Taint, Toleration } from "../scheduling/objects.js";

/** Pod/node annotation (v1beta1+): `"true"` or a positive duration protects the pod (or node) from voluntary disruption. */
export const DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";
/** Pod annotation (v1alpha5): `"true"` keeps the node from voluntary deprovisioning. */
export const DO_NOT_EVICT = "karpenter.sh/do-not-evict";
/** Node annotation (v1alpha5): `"true"` excludes the node from consolidation. */
export const DO_NOT_CONSOLIDATE = "karpenter.sh/do-not-consolidate";
/** The taint put on nodes being disrupted (v1). */
export const DISRUPTED_TAINT: Taint = { key: "karpenter.sh/disrupted", effect: "NoSchedule" };
/** The taint kubelet bootstrap puts on new nodes until registration. */
export const UNREGISTERED_TAINT_KEY = "karpenter.sh/unregistered";
/** Upstream pod-deletion-cost annotation. */
export const POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";
/** Priority classes treated as critical for eviction ordering. */
export const CRITICAL_PRIORITY_CLASSES = new Set(["system-cluster-critical", "system-node-critical"]);

/** Owned by a DaemonSet. */
export function isDaemonSetPod(pod: Pod): boolean {
  return (pod.metadata.ownerReferences ?? []).some((o) => o.kind === "DaemonSet");
}

/** A static (mirror) pod: owned by its Node, or carrying the mirror annotation. */
export function isMirrorPod(pod: Pod): boolean {
  if (pod.metadata.annotations?.["kubernetes.io/config.mirror"] !== undefined) return true;
  return (pod.metadata.ownerReferences ?? []).some((o) => o.kind === "Node");
}

/** Succeeded or Failed. */
export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/** Has a deletion timestamp. */
export function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/** `system-cluster-critical` / `system-node-critical`. */
export function isCritical(pod: Pod): boolean {
  return CRITICAL_PRIORITY_CLASSES.has(pod.spec.priorityClassName ?? "");
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
  if (ann[DO_NOT_EVICT] === "true") return true;
  const v = ann[DO_NOT_DISRUPT];
  if (v === undefined) return false;
  if (v === "true") return true;
  const ms = parseGoDuration(v);
  if (ms === undefined || ms <= 0) return false;
  const created = creationMs(pod);
  if (created === undefined) return true;
  return nowMs - created < ms;
}

/** Whether a toleration tolerates a taint (upstream `ToleratesTaint`). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key === undefined || t.key === "") return t.operator === "Exists";
  if (t.key !== taint.key) return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

/** Whether the pod tolerates the taint. */
export function podToleratesTaint(pod: Pod, taint: Taint): boolean {
  return (pod.spec.tolerations ?? []).some((t) => tolerates(t, taint));
}

/**
 * Per-pod eviction cost (Karpenter `EvictionCost`): `clamp(1 + deletionCost/2^27 + priority/2^25, -10, 10)`.
 */
export function evictionCost(pod: Pod): number {
  let cost = 1;
  const del = Number(pod.metadata.annotations?.[POD_DELETION_COST]);
  if (Number.isFinite(del)) cost += del / 2 ** 27;
  if (pod.spec.priority !== undefined) cost += pod.spec.priority / 2 ** 25;
  return Math.min(10, Math.max(-10, cost));
}
