/**
 * The event seam: Kubernetes events the controllers put on Pods and Nodes, so `kubectl describe` and `kubectl get
 * events` say what Stevedore did and why. Recording never waits and never throws: a decision must not depend on an
 * event write. `lib/cluster/event-recorder.ts` implements it over core/v1 Events.
 */
import type { Node, Pod } from "../core/kube-objects.js";

/** The reasons Stevedore emits, named after Karpenter's where Karpenter has one. */
export const EVENT_REASON = {
  /** A pod is expected to schedule on a node being launched for it. */
  nominated: "Nominated",
  /** A node Stevedore launched registered. */
  launched: "Launched",
  /** A node cannot be disrupted now (do-not-disrupt, PDB, budget, minNodes, not Ready). */
  disruptionBlocked: "DisruptionBlocked",
  /** Consolidation looked at a node and found nothing cheaper to do. */
  unconsolidatable: "Unconsolidatable",
  /** A node is being disrupted (empty, underutilized, expired, drifted). */
  disrupting: "Disrupting",
  /** EC2 sent a spot interruption warning for the node's instance. */
  spotInterrupted: "SpotInterrupted",
  /** The packer could place a pod on no pool. */
  failedScheduling: "FailedScheduling",
} as const;

/** One of {@link EVENT_REASON}'s values. */
export type EventReason = (typeof EVENT_REASON)[keyof typeof EVENT_REASON];

/** The object an event is about. */
export interface EventSubject {
  kind: "Pod" | "Node";
  name: string;
  /** The pod's namespace; unset for Nodes (their events go to `default`, as the kubelet's do). */
  namespace?: string;
  /** The object's uid; for Nodes the node name, which is what `kubectl describe node` looks for. */
  uid?: string;
}

/** One event to record. */
export interface ClusterEvent {
  subject: EventSubject;
  type: "Normal" | "Warning";
  reason: EventReason;
  message: string;
}

/** What a recorder did since the last flush. */
export interface EventRecorderStats {
  /** Events created. */
  created: number;
  /** Existing events whose count was bumped (one patch each). */
  updated: number;
  /** Repeats within the de-duplication window that did not write on their own. */
  deduplicated: number;
  /** Events not written because the invocation's write cap was reached. */
  dropped: number;
  /** Writes that failed (logged; the decision went on). */
  failed: number;
}

/** Records Kubernetes events. */
export interface EventRecorder {
  /** Queues an event. Returns at once and never throws. */
  record(event: ClusterEvent): void;
  /** Waits for queued writes (and bumps counts of repeated events); returns and resets the counts. */
  flush(): Promise<EventRecorderStats>;
}

/** The empty {@link EventRecorderStats}. */
export function emptyEventStats(): EventRecorderStats {
  return { created: 0, updated: 0, deduplicated: 0, dropped: 0, failed: 0 };
}

/** Records nothing (the default when a controller is given no recorder). */
export const noEvents: EventRecorder = {
  record: () => {},
  flush: async () => emptyEventStats(),
};

/** The subject for a pod. */
export function podSubject(pod: Pod): EventSubject {
  return {
    kind: "Pod",
    name: pod.metadata.name ?? "",
    namespace: pod.metadata.namespace ?? "default",
    ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
  };
}

/** The subject for a node (uid = name, as the kubelet and `kubectl describe node` use). */
export function nodeSubject(node: Node | string): EventSubject {
  const name = typeof node === "string" ? node : (node.metadata.name ?? "");
  return { kind: "Node", name, uid: name };
}
