/**
 * Well-known label, annotation, taint and tag names, and the label rules Karpenter enforced on configuration:
 * beta-label aliases, restricted label domains per API flavour, and restricted EC2 tag keys.
 * Pure data and functions; no I/O.
 */
import type { ApiFlavor } from "./model.js";

/** Prefix of Stevedore's own labels, annotations and tags. */
export const STEVEDORE_DOMAIN = "stevedore.dev";

export const LABEL_ZONE = "topology.kubernetes.io/zone";
export const LABEL_REGION = "topology.kubernetes.io/region";
export const LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type";
export const LABEL_ARCH = "kubernetes.io/arch";
export const LABEL_OS = "kubernetes.io/os";
export const LABEL_HOSTNAME = "kubernetes.io/hostname";
export const LABEL_WINDOWS_BUILD = "node.kubernetes.io/windows-build";
export const LABEL_CAPACITY_TYPE = "karpenter.sh/capacity-type";
/** v1alpha5 pool label. */
export const LABEL_PROVISIONER_NAME = "karpenter.sh/provisioner-name";
/** v1 pool label. */
export const LABEL_NODEPOOL = "karpenter.sh/nodepool";
export const LABEL_NODECLASS = "karpenter.k8s.aws/ec2nodeclass";
export const LABEL_REGISTERED = "karpenter.sh/registered";
export const LABEL_INITIALIZED = "karpenter.sh/initialized";
export const LABEL_DO_NOT_SYNC_TAINTS = "karpenter.sh/do-not-sync-taints";
export const LABEL_ZONE_ID = "topology.k8s.aws/zone-id";
/** Stevedore: the node claim a node was launched for. */
export const LABEL_STEVEDORE_CLAIM = "stevedore.dev/claim";

/** AWS instance-type labels (`karpenter.k8s.aws/instance-*`). */
export const AWS_INSTANCE_LABELS = [
  "karpenter.k8s.aws/instance-category",
  "karpenter.k8s.aws/instance-family",
  "karpenter.k8s.aws/instance-generation",
  "karpenter.k8s.aws/instance-size",
  "karpenter.k8s.aws/instance-cpu",
  "karpenter.k8s.aws/instance-cpu-manufacturer",
  "karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz",
  "karpenter.k8s.aws/instance-memory",
  "karpenter.k8s.aws/instance-ebs-bandwidth",
  "karpenter.k8s.aws/instance-network-bandwidth",
  "karpenter.k8s.aws/instance-pods",
  "karpenter.k8s.aws/instance-gpu-name",
  "karpenter.k8s.aws/instance-gpu-manufacturer",
  "karpenter.k8s.aws/instance-gpu-count",
  "karpenter.k8s.aws/instance-gpu-memory",
  "karpenter.k8s.aws/instance-accelerator-name",
  "karpenter.k8s.aws/instance-accelerator-manufacturer",
  "karpenter.k8s.aws/instance-accelerator-count",
  "karpenter.k8s.aws/instance-local-nvme",
  "karpenter.k8s.aws/instance-hypervisor",
  "karpenter.k8s.aws/instance-encryption-in-transit-supported",
  "karpenter.k8s.aws/capacity-reservation-id",
  "karpenter.k8s.aws/capacity-reservation-type",
] as const;

/**
 * Labels Karpenter knows how to satisfy from instance types and offerings. They may be required by pools and pods
 * even where their domain is restricted. The pool label of the flavour is well known too, but may not be set or
 * required in pool configuration.
 */
export const WELL_KNOWN_LABELS: ReadonlySet<string> = new Set<string>([
  LABEL_ZONE,
  LABEL_REGION,
  LABEL_INSTANCE_TYPE,
  LABEL_ARCH,
  LABEL_OS,
  LABEL_WINDOWS_BUILD,
  LABEL_CAPACITY_TYPE,
  LABEL_PROVISIONER_NAME,
  LABEL_NODEPOOL,
  LABEL_ZONE_ID,
  ...AWS_INSTANCE_LABELS,
]);

/** Deprecated label keys and the key they mean today. */
export const LABEL_ALIASES: Readonly<Record<string, string>> = {
  "failure-domain.beta.kubernetes.io/zone": LABEL_ZONE,
  "failure-domain.beta.kubernetes.io/region": LABEL_REGION,
  "beta.kubernetes.io/arch": LABEL_ARCH,
  "beta.kubernetes.io/os": LABEL_OS,
  "beta.kubernetes.io/instance-type": LABEL_INSTANCE_TYPE,
};

/** Annotations Stevedore reads or writes. */
export const ANNOTATION_DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";
/** v1alpha5 pod annotation: never voluntarily disrupt the node running this pod. */
export const ANNOTATION_DO_NOT_EVICT = "karpenter.sh/do-not-evict";
/** v1alpha5 node annotation: exclude the node from consolidation. */
export const ANNOTATION_DO_NOT_CONSOLIDATE = "karpenter.sh/do-not-consolidate";
export const ANNOTATION_EMPTINESS_TIMESTAMP = "karpenter.sh/emptiness-timestamp";
export const ANNOTATION_PROVISIONER_HASH = "karpenter.sh/provisioner-hash";
export const ANNOTATION_NODEPOOL_HASH = "karpenter.sh/nodepool-hash";
export const ANNOTATION_NODECLASS_HASH = "karpenter.k8s.aws/ec2nodeclass-hash";
export const ANNOTATION_POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";
/** Stevedore: hash of the pool config a node was launched with (both flavours). */
export const ANNOTATION_STEVEDORE_POOL_HASH = "stevedore.dev/pool-hash";
/** Stevedore: hash of the node class a node was launched with. */
export const ANNOTATION_STEVEDORE_CLASS_HASH = "stevedore.dev/nodeclass-hash";

/** Taint keys. */
export const TAINT_DISRUPTED = "karpenter.sh/disrupted";
export const TAINT_UNREGISTERED = "karpenter.sh/unregistered";
/** v1beta1 disruption taint key (value `disrupting`). */
export const TAINT_DISRUPTION_V1BETA1 = "karpenter.sh/disruption";
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
export const TAINT_CLOUD_UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized";
/** Taints a not-yet-initialised node may carry without pods needing to tolerate them. */
export const EPHEMERAL_TAINT_KEYS: ReadonlySet<string> = new Set([
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_CLOUD_UNINITIALIZED,
  TAINT_UNREGISTERED,
]);
/** Taint key prefix treated as ephemeral as well. */
export const EPHEMERAL_TAINT_PREFIX = "readiness.k8s.io/";

/** The finalizer on nodes Stevedore manages. */
export const FINALIZER_TERMINATION = "karpenter.sh/termination";

/** EC2 tag keys Stevedore sets (besides the pool label key of the flavour). */
export const TAG_CLUSTER_PREFIX = "kubernetes.io/cluster/";
export const TAG_EKS_CLUSTER_NAME = "eks:eks-cluster-name";
export const TAG_NODECLAIM = "karpenter.sh/nodeclaim";
export const TAG_MANAGED_BY = "karpenter.sh/managed-by";
export const TAG_STEVEDORE_CLAIM = "stevedore.dev/claim";

/** Rewrites a deprecated beta label key to its current name; other keys are returned unchanged. */
export function normalizeLabelKey(key: string): string {
  return LABEL_ALIASES[key] ?? key;
}

/** The label naming a node's pool: `karpenter.sh/provisioner-name` (v1alpha5) or `karpenter.sh/nodepool` (v1). */
export function poolLabelKey(flavor: ApiFlavor): string {
  return flavor === "v1alpha5" ? LABEL_PROVISIONER_NAME : LABEL_NODEPOOL;
}

/** Whether `key` is a well-known label (after alias normalisation). */
export function isWellKnownLabel(key: string): boolean {
  return WELL_KNOWN_LABELS.has(normalizeLabelKey(key));
}

const RESTRICTED_DOMAINS: Record<ApiFlavor, readonly string[]> = {
  v1alpha5: ["kubernetes.io", "k8s.io", "karpenter.sh", "karpenter.k8s.aws", STEVEDORE_DOMAIN],
  v1: ["karpenter.sh", "karpenter.k8s.aws", STEVEDORE_DOMAIN],
};
const DOMAIN_EXCEPTIONS: Record<ApiFlavor, readonly string[]> = {
  v1alpha5: ["node.kubernetes.io", "node-restriction.kubernetes.io", "kops.k8s.io"],
  v1: [],
};

function inDomain(domain: string, parent: string): boolean {
  return domain === parent || domain.endsWith(`.${parent}`);
}

/** The domain (prefix before `/`) of a label key, or "" when it has none. */
export function labelDomain(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? "" : key.slice(0, slash);
}

/**
 * Why a label key may not be set or required in pool configuration of the given flavour, or `undefined` when it may.
 * Rules (Karpenter's): `kubernetes.io/hostname` always; well-known labels never; v1alpha5 restricts the domains
 * `kubernetes.io`, `k8s.io` (except `node.kubernetes.io`, `node-restriction.kubernetes.io`, `kops.k8s.io`),
 * `karpenter.sh` and `karpenter.k8s.aws`; v1 restricts `karpenter.sh` and `karpenter.k8s.aws`. Stevedore also
 * reserves `stevedore.dev` in both. The pool label itself is checked separately ({@link poolLabelKey}).
 */
export function restrictedLabelReason(key: string, flavor: ApiFlavor): string | undefined {
  const k = normalizeLabelKey(key);
  if (k === LABEL_HOSTNAME) return `label ${JSON.stringify(key)} is restricted (set by the kubelet)`;
  if (WELL_KNOWN_LABELS.has(k)) return undefined;
  const domain = labelDomain(k);
  if (!domain) return undefined;
  if (DOMAIN_EXCEPTIONS[flavor].some((d) => inDomain(domain, d))) return undefined;
  const parent = RESTRICTED_DOMAINS[flavor].find((d) => inDomain(domain, d));
  if (!parent) return undefined;
  return `label ${JSON.stringify(key)} is restricted (domain ${parent} is reserved and the key is not a well-known label)`;
}

/** Whether a label key may not be used in pool configuration of the flavour (see {@link restrictedLabelReason}). */
export function isRestrictedLabel(key: string, flavor: ApiFlavor): boolean {
  return restrictedLabelReason(key, flavor) !== undefined;
}

/**
 * Why an EC2 tag key may not be set in a node class, or `undefined` when it may: the keys Stevedore sets itself
 * (`kubernetes.io/cluster/*`, the pool label, `eks:eks-cluster-name`, the node-class and node-claim keys, and
 * anything under `stevedore.dev/`).
 */
export function restrictedTagReason(key: string, flavor: ApiFlavor): string | undefined {
  const own =
    flavor === "v1alpha5"
      ? [LABEL_PROVISIONER_NAME, TAG_MANAGED_BY, TAG_EKS_CLUSTER_NAME]
      : [LABEL_NODEPOOL, TAG_EKS_CLUSTER_NAME, LABEL_NODECLASS, TAG_NODECLAIM];
  if (key.startsWith(TAG_CLUSTER_PREFIX) || own.includes(key) || key.startsWith(`${STEVEDORE_DOMAIN}/`)) {
    return `tag ${JSON.stringify(key)} is restricted (Stevedore sets it on every instance)`;
  }
  return undefined;
}
