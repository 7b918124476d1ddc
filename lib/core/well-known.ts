/**
 * Well-known names: Kubernetes and Karpenter labels, annotations, taints and finalizers, and the EC2 tag keys
 * Stevedore sets. One home for every such string; everything else imports them from here. Pure data.
 */
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
/** The capacity reservation a `reserved` node runs in. */
export const LABEL_CAPACITY_RESERVATION_ID = "karpenter.k8s.aws/capacity-reservation-id";
/** `default` or `capacity-block`: the kind of reservation a `reserved` node runs in. */
export const LABEL_CAPACITY_RESERVATION_TYPE = "karpenter.k8s.aws/capacity-reservation-type";
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
  LABEL_CAPACITY_RESERVATION_ID,
  LABEL_CAPACITY_RESERVATION_TYPE,
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

/** The taint the kubelet registers a launched node with, removed once the node is registered (as Karpenter does). */
export const UNREGISTERED_TAINT = { key: TAINT_UNREGISTERED, effect: "NoExecute" } as const;
/** Karpenter's annotation on a node whose instance-type options did not meet `minValues` (policy BestEffort). */
export const ANNOTATION_MIN_VALUES_RELAXED = "karpenter.sh/nodeclaim-min-values-relaxed";

/** The taint put on nodes being disrupted (v1). */
export const DISRUPTED_TAINT = { key: TAINT_DISRUPTED, effect: "NoSchedule" } as const;

/** The finalizer on nodes Stevedore manages. */
export const FINALIZER_TERMINATION = "karpenter.sh/termination";

/** EC2 tag keys Stevedore sets (besides the pool label key of the flavour). */
export const TAG_CLUSTER_PREFIX = "kubernetes.io/cluster/";
export const TAG_EKS_CLUSTER_NAME = "eks:eks-cluster-name";
export const TAG_NODECLAIM = "karpenter.sh/nodeclaim";
export const TAG_MANAGED_BY = "karpenter.sh/managed-by";
export const TAG_STEVEDORE_CLAIM = "stevedore.dev/claim";
/** Stevedore: the NodeClass hash an instance or launch template was made with (static drift, template GC). */
export const TAG_STEVEDORE_NODECLASS_HASH = "stevedore.dev/nodeclass-hash";
/** Stevedore: the NodeClass a launch template or managed instance profile was made for (garbage collection). */
export const TAG_STEVEDORE_NODECLASS = "stevedore.dev/nodeclass";
/** Stevedore: the region of a managed instance profile (IAM is global; the controller policy is scoped by it). */
export const TAG_STEVEDORE_REGION = "stevedore.dev/region";
/**
 * Stevedore: the launch batch an instance was launched in (one CreateFleet for several identical claims). Set at
 * launch; the instance gets its `stevedore.dev/claim` tag right after, and crash recovery finds a batch by it.
 */
export const TAG_STEVEDORE_LAUNCH_BATCH = "stevedore.dev/launch-batch";
