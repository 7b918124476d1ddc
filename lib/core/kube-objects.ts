/**
 * The Kubernetes object shapes the pure core reads: a structural subset of the API's JSON
 * (and so of `@kubernetes/client-node`'s types), declared here so `lib/scheduling` imports no SDK.
 * Only fields Stevedore reads are listed; objects may carry more.
 */

/** `metav1.ObjectMeta` subset. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }[];
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  resourceVersion?: string;
}

/** A label selector (`matchLabels` AND `matchExpressions`). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A node selector requirement as found in pod node affinity and Karpenter requirements. */
export interface NodeSelectorRequirementJson {
  key: string;
  operator: string;
  values?: string[];
  minValues?: number;
}

/** `v1.Taint`. */
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | string;
  timeAdded?: string | Date;
}

/** `v1.Toleration`. */
export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal" | string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** A pod affinity term. */
export interface PodAffinityTerm {
  labelSelector?: LabelSelector;
  namespaces?: string[];
  namespaceSelector?: LabelSelector;
  topologyKey: string;
  matchLabelKeys?: string[];
}

/** `v1.Affinity`. */
export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: {
      nodeSelectorTerms: { matchExpressions?: NodeSelectorRequirementJson[]; matchFields?: unknown[] }[];
    };
    preferredDuringSchedulingIgnoredDuringExecution?: {
      weight: number;
      preference: { matchExpressions?: NodeSelectorRequirementJson[]; matchFields?: unknown[] };
    }[];
  };
  podAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; podAffinityTerm: PodAffinityTerm }[];
  };
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; podAffinityTerm: PodAffinityTerm }[];
  };
}

/** `v1.TopologySpreadConstraint`. */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway" | string;
  labelSelector?: LabelSelector;
  minDomains?: number;
  matchLabelKeys?: string[];
  nodeAffinityPolicy?: "Honor" | "Ignore" | string;
  nodeTaintsPolicy?: "Honor" | "Ignore" | string;
}

/** A container (requests, limits, ports). */
export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  ports?: { containerPort: number; hostPort?: number; hostIP?: string; protocol?: string }[];
  /** `Always` marks a native sidecar when used in initContainers. */
  restartPolicy?: string;
}

/** `v1.PodSpec` subset. */
export interface PodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  containers: Container[];
  initContainers?: Container[];
  overhead?: Record<string, string | number>;
  priority?: number;
  priorityClassName?: string;
  schedulerName?: string;
  terminationGracePeriodSeconds?: number;
  volumes?: unknown[];
}

/** `v1.Pod`. */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: {
    phase?: string;
    nominatedNodeName?: string;
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      /** @default unset */
      lastTransitionTime?: string | Date;
    }[];
  };
}

/** `v1.Node`. */
export interface Node {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: { providerID?: string; taints?: Taint[]; unschedulable?: boolean };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string; reason?: string; lastTransitionTime?: string | Date }[];
  };
}

/** `apps/v1.DaemonSet` subset. */
export interface DaemonSet {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: { selector?: LabelSelector; template: { metadata?: ObjectMeta; spec: PodSpec } };
}

/** `policy/v1.PodDisruptionBudget` subset. */
export interface PodDisruptionBudget {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
  status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number };
}

/** `namespace/name` of an object. */
export function objectKey(o: { metadata: ObjectMeta }): string {
  return `${o.metadata.namespace ?? "default"}/${o.metadata.name ?? ""}`;
}
