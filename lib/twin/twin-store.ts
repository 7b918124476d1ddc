/**
 * The in-process view of the fake kube-apiserver that the twin's simulated cluster components (workload
 * controllers, scheduler, kubelets) use. Writes go through the apiserver's store, so watches and resourceVersions
 * behave exactly as for HTTP clients.
 */
import type { ObjectMeta } from "../core/kube-objects.js";

/** Any stored Kubernetes object. */
export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Resource plurals the twin uses. */
export type TwinResource =
  | "pods"
  | "nodes"
  | "deployments"
  | "statefulsets"
  | "replicasets"
  | "jobs"
  | "daemonsets"
  | "poddisruptionbudgets"
  | "configmaps";

/** Direct object access to the fake kube-apiserver. */
export interface TwinStore {
  list<T extends { metadata: ObjectMeta }>(resource: TwinResource): T[];
  /**
   * The stored objects themselves, in list order, without copying: the cheap read for per-tick scans. Never mutate
   * them (the apiserver's are frozen); write changes back with {@link TwinStore.put}.
   */
  view<T extends { metadata: ObjectMeta }>(resource: TwinResource): readonly T[];
  /** A counter that changes whenever an object of `resource` is written or removed. */
  version(resource: TwinResource): number;
  get<T extends { metadata: ObjectMeta }>(
    resource: TwinResource,
    namespace: string | undefined,
    name: string,
  ): T | undefined;
  /** Creates or replaces (by namespace/name); returns the stored object. */
  put<T extends { metadata: ObjectMeta }>(resource: TwinResource, object: T): T;
  /** Deletes; returns false when absent. */
  remove(resource: TwinResource, namespace: string | undefined, name: string): boolean;
}
