/**
 * What controllers need from the Kubernetes API. Implemented over `@kubernetes/client-node` in `lib/cluster`;
 * tests run it against the fake kube-apiserver in `lib/twin/kube-apiserver`.
 */
import type { DaemonSet, Node, Pod, PodDisruptionBudget, Taint } from "../core/kube-objects.js";

/** Outcome of one eviction attempt through the Eviction API. */
export type EvictionResult =
  /** 201/200: the eviction was accepted. */
  | "evicted"
  /** 429: a PodDisruptionBudget forbids it now; retry later. */
  | "blocked"
  /** 404: the pod is already gone. */
  | "gone";

/** A change seen on a pod watch. */
export interface PodEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  pod: Pod;
}

/** A change seen on a node watch. */
export interface NodeEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  node: Node;
}

/** A running watch; `stop()` ends it. `done` settles when it ends (after stop or a fatal error). */
export interface WatchHandle {
  stop(): void;
  done: Promise<void>;
}

/** Kubernetes access used by the controllers. All methods may throw `RetryableClusterError` for transient failures. */
export interface ClusterClient {
  /** Pods Karpenter would provision for: PodScheduled=False/Unschedulable, no nodeName, not nominated, not DaemonSet/mirror. */
  listProvisionablePods(): Promise<Pod[]>;
  /** All pods (optionally only those bound to `nodeName`). */
  listPods(opts?: { nodeName?: string }): Promise<Pod[]>;
  /**
   * Whether any pod has an empty `spec.nodeName`, asked for at most one pod (the provisioner's check for a pass with
   * nothing to do). @default absent: the provisioner lists the cluster every pass
   */
  anyUnboundPod?(): Promise<boolean>;
  /**
   * Watches pods with an empty `spec.nodeName`, resuming from resourceVersion and re-listing on 410 Gone.
   * `onEvent` receives every change; the handle stops it.
   */
  watchUnscheduledPods(onEvent: (e: PodEvent) => void): Promise<WatchHandle>;
  /**
   * Watches every Node the same way: the initial list arrives as ADDED events, then live changes; a 410 Gone
   * re-lists and emits the difference. Nodes from a listing carry only their identity, labels, taints and
   * condition statuses (live events carry whole Nodes). Rejects if the first list fails.
   */
  watchNodes(onEvent: (e: NodeEvent) => void): Promise<WatchHandle>;
  listNodes(): Promise<Node[]>;
  getNode(name: string): Promise<Node | undefined>;
  listDaemonSets(): Promise<DaemonSet[]>;
  listPodDisruptionBudgets(): Promise<PodDisruptionBudget[]>;
  /** Adds (or replaces by key+effect) a taint. */
  addNodeTaint(nodeName: string, taint: Taint): Promise<void>;
  /** Removes taints with this key (any effect). */
  removeNodeTaint(nodeName: string, key: string): Promise<void>;
  /** Sets `spec.unschedulable`. */
  cordonNode(nodeName: string, unschedulable: boolean): Promise<void>;
  /** Merges labels/annotations (a `null` value removes the key). */
  patchNodeMetadata(
    nodeName: string,
    patch: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> },
  ): Promise<void>;
  /**
   * Sets (a name) or clears (`null`) a pod's `status.nominatedNodeName` with a merge patch on `pods/status`;
   * "gone" when the pod no longer exists.
   */
  nominatePod(namespace: string, name: string, nodeName: string | null): Promise<"patched" | "gone">;
  /** Evicts through `pods/eviction` (policy/v1). */
  evictPod(namespace: string, name: string): Promise<EvictionResult>;
  /** Deletes a Node object; a missing node is not an error. */
  deleteNode(nodeName: string): Promise<void>;
  /**
   * Deletes a pod directly, bypassing PDBs (Karpenter does this once a node's termination deadline is near).
   * Optional: implemented by `KubeClusterClient`; in-memory fakes may omit it.
   */
  deletePod?(namespace: string, name: string, opts?: { gracePeriodSeconds?: number }): Promise<"deleted" | "gone">;
}

/** A transient Kubernetes API failure (5xx, connection reset, 429 outside eviction): retry later. */
export class RetryableClusterError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "RetryableClusterError";
  }
}
