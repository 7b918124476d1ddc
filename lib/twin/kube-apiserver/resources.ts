/**
 * The resource types the fake kube-apiserver serves, keyed by their plural (which is unique in this set), and the
 * loose JSON object shape it stores.
 */

/** Object metadata as stored (`metav1.ObjectMeta`, JSON form). */
export interface StoredMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }[];
  [field: string]: unknown;
}

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: StoredMeta;
  [field: string]: unknown;
}

/** One served resource type. */
export interface ResourceType {
  /** API group; `""` for core. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Has a `/status` subresource (main-resource writes keep the old status; status writes keep the rest). */
  hasStatus: boolean;
  /** Fields usable in `fieldSelector` besides `metadata.name` (and `metadata.namespace` when namespaced). */
  selectableFields: readonly string[];
}

const podFields = [
  "spec.nodeName",
  "spec.restartPolicy",
  "spec.schedulerName",
  "spec.serviceAccountName",
  "spec.hostNetwork",
  "status.phase",
  "status.podIP",
  "status.nominatedNodeName",
] as const;

const eventFields = [
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
] as const;

function core(plural: string, kind: string, namespaced: boolean, hasStatus: boolean, fields: readonly string[] = []) {
  return { group: "", version: "v1", plural, kind, namespaced, hasStatus, selectableFields: fields };
}

/** Every resource type served, by plural. */
export const RESOURCE_TYPES: Readonly<Record<string, ResourceType>> = Object.freeze({
  pods: core("pods", "Pod", true, true, podFields),
  nodes: core("nodes", "Node", false, true, ["spec.unschedulable"]),
  namespaces: core("namespaces", "Namespace", false, true, ["status.phase"]),
  configmaps: core("configmaps", "ConfigMap", true, false),
  events: core("events", "Event", true, false, eventFields),
  daemonsets: {
    group: "apps",
    version: "v1",
    plural: "daemonsets",
    kind: "DaemonSet",
    namespaced: true,
    hasStatus: true,
    selectableFields: [],
  },
  deployments: {
    group: "apps",
    version: "v1",
    plural: "deployments",
    kind: "Deployment",
    namespaced: true,
    hasStatus: true,
    selectableFields: [],
  },
  poddisruptionbudgets: {
    group: "policy",
    version: "v1",
    plural: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    namespaced: true,
    hasStatus: true,
    selectableFields: [],
  },
  clusterroles: {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterroles",
    kind: "ClusterRole",
    namespaced: false,
    hasStatus: false,
    selectableFields: [],
  },
  clusterrolebindings: {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
    hasStatus: false,
    selectableFields: [],
  },
});

/** A plural the fake serves (`"pods"`, `"nodes"`, …). */
export type ResourceName = keyof typeof RESOURCE_TYPES & string;

/** The `apiVersion` of a resource type (`v1`, `apps/v1`, …). */
export function apiVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** Looks a resource type up by group, version and plural. */
export function findResourceType(group: string, version: string, plural: string): ResourceType | undefined {
  const type = RESOURCE_TYPES[plural];
  return type && type.group === group && type.version === version ? type : undefined;
}

/** Looks a resource type up by plural; throws on an unknown one (a programming error in the twin). */
export function resourceType(plural: string): ResourceType {
  const type = RESOURCE_TYPES[plural];
  if (!type) throw new Error(`fake kube-apiserver: unknown resource "${plural}"`);
  return type;
}

/** Storage key of an object: `namespace/name` or `name`. */
export function objectStoreKey(type: ResourceType, namespace: string | undefined, name: string): string {
  return type.namespaced ? `${namespace ?? ""}/${name}` : name;
}
