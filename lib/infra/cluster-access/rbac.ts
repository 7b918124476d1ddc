/**
 * The controllers' Kubernetes identity: the group their IAM role is mapped to (EKS access entry or `aws-auth`) and
 * the ClusterRole bound to it — exactly what the controllers call (`lib/cluster`): read pods, nodes, DaemonSets and
 * PodDisruptionBudgets; evict pods (and delete those still there at a node's drain deadline); nominate pods to the
 * nodes launched for them (`status.nominatedNodeName`, through `pods/status`); cordon, taint, label
 * and delete nodes; record events. No secrets, no config maps, no writes to workloads. Pure (no CDK, no SDK): the stack and the custom-resource handler both import it.
 */
import { createHash } from "node:crypto";

/** Kubernetes group of the controller role (access entry `kubernetesGroups` or `aws-auth` `groups`). */
export const CONTROLLER_GROUP = "stevedore-controllers";
/** Kubernetes user name of the controller role. */
export const CONTROLLER_USERNAME = "stevedore-controller";
/** Name of the ClusterRole and of its ClusterRoleBinding. */
export const CONTROLLER_CLUSTER_ROLE = "stevedore-controller";
/** Label on every object the custom resource manages; it deletes only objects that carry it. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "stevedore-cluster-access";

/** A ClusterRole rule. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The controller ClusterRole's rules. */
export const CONTROLLER_RULES: readonly PolicyRule[] = Object.freeze([
  // delete: past a node's drain deadline the termination controller deletes the pods PDBs still hold (as Karpenter).
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
  { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
  // patch: a registering node's planned pods are nominated to it (status.nominatedNodeName), stale nominations cleared.
  { apiGroups: [""], resources: ["pods/status"], verbs: ["patch"] },
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch", "patch", "update", "delete"] },
  { apiGroups: ["apps"], resources: ["daemonsets"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
]);

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string };
  [field: string]: unknown;
}

const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };

/** The controller ClusterRole. */
export function controllerClusterRole(): KubeObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: CONTROLLER_CLUSTER_ROLE, labels: { ...labels } },
    rules: CONTROLLER_RULES.map((r) => ({
      apiGroups: [...r.apiGroups],
      resources: [...r.resources],
      verbs: [...r.verbs],
    })),
  };
}

/** The binding of the controller ClusterRole to `group`. */
export function controllerClusterRoleBinding(group = CONTROLLER_GROUP): KubeObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: CONTROLLER_CLUSTER_ROLE, labels: { ...labels } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CONTROLLER_CLUSTER_ROLE },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group }],
  };
}

/** A digest of the RBAC objects: a custom-resource property, so changing the rules updates the resource. */
export function rbacVersion(group = CONTROLLER_GROUP): string {
  const text = JSON.stringify([controllerClusterRole(), controllerClusterRoleBinding(group)]);
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
