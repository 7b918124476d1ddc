/**
 * The few Kubernetes calls the cluster-access custom resource makes (the `aws-auth` ConfigMap and the controller's
 * ClusterRole/ClusterRoleBinding), over `@kubernetes/client-node`. Writes carry the `resourceVersion` they read, so a
 * concurrent edit of `aws-auth` fails with a conflict instead of being overwritten.
 */
import {
  ApiException,
  CoreV1Api,
  type KubeConfig,
  RbacAuthorizationV1Api,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1ConfigMap,
} from "@kubernetes/client-node";
import type { KubeObject } from "./rbac.js";

/** A ConfigMap's data and the version it was read at. */
export interface ConfigMapSnapshot {
  data: Record<string, string>;
  resourceVersion: string;
}

/** Cluster-scoped RBAC kinds the custom resource manages. */
export type RbacKind = "ClusterRole" | "ClusterRoleBinding";

/** What the custom resource needs from the cluster. */
export interface ClusterAccessKube {
  readConfigMap(namespace: string, name: string): Promise<ConfigMapSnapshot | undefined>;
  /** Creates the ConfigMap; `false` when it already exists. */
  createConfigMap(namespace: string, name: string, data: Record<string, string>): Promise<boolean>;
  /** Replaces data at `resourceVersion`; `false` on a conflict (someone else wrote it since). */
  replaceConfigMap(
    namespace: string,
    name: string,
    data: Record<string, string>,
    resourceVersion: string,
  ): Promise<boolean>;
  /** Labels of a ClusterRole/ClusterRoleBinding, or undefined when absent. */
  readRbacLabels(kind: RbacKind, name: string): Promise<Record<string, string> | undefined>;
  /** Creates or replaces a ClusterRole/ClusterRoleBinding. */
  applyRbac(object: KubeObject): Promise<void>;
  /** Deletes a ClusterRole/ClusterRoleBinding; a missing one is not an error. */
  deleteRbac(kind: RbacKind, name: string): Promise<void>;
}

/** HTTP status of a client error (0 when there is none, e.g. a connection failure). */
export function kubeStatus(err: unknown): number {
  return err instanceof ApiException ? err.code : 0;
}

/** {@link ClusterAccessKube} over `@kubernetes/client-node`. */
export class ClientNodeClusterAccess implements ClusterAccessKube {
  private readonly core: CoreV1Api;
  private readonly rbac: RbacAuthorizationV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.rbac = kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  }

  async readConfigMap(namespace: string, name: string): Promise<ConfigMapSnapshot | undefined> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ namespace, name });
      return { data: { ...(cm.data ?? {}) }, resourceVersion: cm.metadata?.resourceVersion ?? "" };
    } catch (err) {
      if (kubeStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async createConfigMap(namespace: string, name: string, data: Record<string, string>): Promise<boolean> {
    const body: V1ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data };
    try {
      await this.core.createNamespacedConfigMap({ namespace, body });
      return true;
    } catch (err) {
      if (kubeStatus(err) === 409) return false;
      throw err;
    }
  }

  async replaceConfigMap(
    namespace: string,
    name: string,
    data: Record<string, string>,
    resourceVersion: string,
  ): Promise<boolean> {
    const current = await this.core.readNamespacedConfigMap({ namespace, name });
    if ((current.metadata?.resourceVersion ?? "") !== resourceVersion) return false;
    const body: V1ConfigMap = { ...current, data, metadata: { ...current.metadata, resourceVersion } };
    try {
      await this.core.replaceNamespacedConfigMap({ namespace, name, body });
      return true;
    } catch (err) {
      if (kubeStatus(err) === 409) return false;
      throw err;
    }
  }

  async readRbacLabels(kind: RbacKind, name: string): Promise<Record<string, string> | undefined> {
    try {
      const obj =
        kind === "ClusterRole"
          ? await this.rbac.readClusterRole({ name })
          : await this.rbac.readClusterRoleBinding({ name });
      return { ...(obj.metadata?.labels ?? {}) };
    } catch (err) {
      if (kubeStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async applyRbac(object: KubeObject): Promise<void> {
    const name = object.metadata.name;
    const kind = object.kind as RbacKind;
    const existing = await this.readVersion(kind, name);
    if (existing === undefined) {
      try {
        if (kind === "ClusterRole") await this.rbac.createClusterRole({ body: object as unknown as V1ClusterRole });
        else await this.rbac.createClusterRoleBinding({ body: object as unknown as V1ClusterRoleBinding });
        return;
      } catch (err) {
        if (kubeStatus(err) !== 409) throw err;
        return this.applyRbac(object);
      }
    }
    const body = { ...object, metadata: { ...object.metadata, resourceVersion: existing } };
    if (kind === "ClusterRole") await this.rbac.replaceClusterRole({ name, body: body as unknown as V1ClusterRole });
    else await this.rbac.replaceClusterRoleBinding({ name, body: body as unknown as V1ClusterRoleBinding });
  }

  async deleteRbac(kind: RbacKind, name: string): Promise<void> {
    try {
      if (kind === "ClusterRole") await this.rbac.deleteClusterRole({ name });
      else await this.rbac.deleteClusterRoleBinding({ name });
    } catch (err) {
      if (kubeStatus(err) !== 404) throw err;
    }
  }

  private async readVersion(kind: RbacKind, name: string): Promise<string | undefined> {
    try {
      const obj =
        kind === "ClusterRole"
          ? await this.rbac.readClusterRole({ name })
          : await this.rbac.readClusterRoleBinding({ name });
      return obj.metadata?.resourceVersion ?? "";
    } catch (err) {
      if (kubeStatus(err) === 404) return undefined;
      throw err;
    }
  }
}
