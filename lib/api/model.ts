/**
 * Stevedore's internal configuration model: what `Provisioner` (v1alpha5, legacy v1alpha1) and `NodePool` (v1)
 * documents normalise into ({@link NodePool}), and what `AWSNodeTemplate` (v1alpha1) and `EC2NodeClass` (v1)
 * normalise into ({@link NodeClass}). Every consumer (packer, disruption, cloud adapter, controllers) reads only these.
 */
import type { NodeSelectorRequirementJson, Taint } from "../core/kube-objects.js";
import type { PlacementGroupRef } from "./placement-group.js";

/** Requirement operators. `Gte`/`Lte` are accepted from v1 NodePools (Karpenter ≥ 1.9). */
export type Operator = "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" | "Gte" | "Lte";

/** A validated node selector requirement. */
export interface Requirement extends NodeSelectorRequirementJson {
  operator: Operator;
  values: string[];
  /**
   * Fewest distinct values of this key among a new node's instance-type options (Karpenter `minValues`, 1..50).
   * @default unset (no minimum)
   */
  minValues?: number;
}

/**
 * What the packer does when a node's instance-type options cannot meet a pool's `minValues`: `Strict` refuses to
 * launch the node (its pods stay pending with a reason), `BestEffort` launches it with what there is and reports the
 * relaxation (Karpenter's `minValuesPolicy`).
 */
export type MinValuesPolicy = "Strict" | "BestEffort";

/** Most distinct values a `minValues` may ask for (Karpenter's CRD bound). */
export const MAX_MIN_VALUES = 50;

/** Which API a document came from; decides label names (provisioner-name vs nodepool) and cordon vs taint. */
export type ApiFlavor = "v1alpha5" | "v1";

/** Where a config object came from, for error messages and `config list`. */
export interface SourceRef {
  /** File path or `ssm:/path` or `dynamodb:<table>`. */
  file: string;
  /** Kind as written (`Provisioner`, `NodePool`, …). */
  kind: string;
  /** apiVersion as written. */
  apiVersion: string;
}

/** kubelet settings that affect allocatable and user data. */
export interface KubeletConfig {
  /** @default ENI-limited max pods */
  maxPods?: number;
  /** @default unset (no per-core cap) */
  podsPerCore?: number;
  /** Overrides per key of the computed kube-reserved. @default computed (Karpenter formulas) */
  kubeReserved?: Record<string, string>;
  /** @default {} */
  systemReserved?: Record<string, string>;
  /** e.g. `{"memory.available": "100Mi"}`. @default memory.available 100Mi, nodefs.available 10% */
  evictionHard?: Record<string, string>;
  /** @default {} */
  evictionSoft?: Record<string, string>;
  /** @default {} */
  evictionSoftGracePeriod?: Record<string, string>;
  /** @default unset */
  evictionMaxPodGracePeriod?: number;
  /** @default unset (kubelet's 85) */
  imageGCHighThresholdPercent?: number;
  /** @default unset (kubelet's 80) */
  imageGCLowThresholdPercent?: number;
  /** @default unset (true) */
  cpuCFSQuota?: boolean;
  /** @default cluster DNS from the AMI */
  clusterDNS?: string[];
  /** @default containerd */
  containerRuntime?: string;
}

/** Reasons a budget may be scoped to. */
export type DisruptionReason = "Underutilized" | "Empty" | "Drifted" | "Expired";

/** A disruption budget (v1 `spec.disruption.budgets[]`). */
export interface DisruptionBudget {
  /** Absolute count (`"5"`) or percentage (`"10%"`). */
  nodes: string;
  /** Cron (UTC) or `@daily` etc.; set together with `durationSeconds`. @default always active */
  schedule?: string;
  /** @default unset (always active) */
  durationSeconds?: number;
  /** @default all reasons */
  reasons?: DisruptionReason[];
}

/**
 * How consolidation treats this pool's nodes. `Balanced` consolidates like `WhenEmptyOrUnderutilized`, but takes a
 * move only when the share of the pool's cost it saves outweighs the share of the pool's pods it disrupts.
 */
export type ConsolidationPolicy = "WhenEmpty" | "WhenEmptyOrUnderutilized" | "Balanced" | "Never";

/** Disruption settings, unified across API versions. */
export interface DisruptionSettings {
  /**
   * `WhenEmptyOrUnderutilized` = consolidation on (v1alpha5 `consolidation.enabled: true`); `Balanced` = consolidation
   * scored by cost saved against pods disrupted;
   * `WhenEmpty` = only empty nodes, after `emptyAfterSeconds`; `Never` = neither.
   * @default v1: WhenEmptyOrUnderutilized; v1alpha5: WhenEmpty if ttlSecondsAfterEmpty set, else Never
   */
  consolidationPolicy: ConsolidationPolicy;
  /**
   * Seconds a node must be empty (or quiet, for v1 `consolidateAfter`) before it is removed.
   * v1alpha5 `ttlSecondsAfterEmpty`; v1 `consolidateAfter`. @default v1: 0; v1alpha5: unset (disabled)
   */
  emptyAfterSeconds?: number;
  /** Node lifetime. v1alpha5 `ttlSecondsUntilExpired`; v1 `template.spec.expireAfter`. @default v1: 720h; v1alpha5: never */
  expireAfterSeconds?: number;
  /** v1 `template.spec.terminationGracePeriod`. @default unset (drain waits for PDBs indefinitely) */
  terminationGracePeriodSeconds?: number;
  /** @default [{nodes: "10%"}] */
  budgets: DisruptionBudget[];
}

/**
 * A provisioner/NodePool in normalised form. `name` is unique across both API flavours.
 */
export interface NodePool {
  name: string;
  flavor: ApiFlavor;
  source: SourceRef;
  /** 1..100; higher is tried first. @default 0 */
  weight: number;
  /** Labels every node gets (template labels). @default {} */
  labels: Record<string, string>;
  /** @default {} */
  annotations: Record<string, string>;
  /** @default [] */
  taints: Taint[];
  /** @default [] */
  startupTaints: Taint[];
  /** @default [] */
  requirements: Requirement[];
  /** @default {} */
  kubelet: KubeletConfig;
  /** Name of the NodeClass (AWSNodeTemplate/EC2NodeClass). @default "default" */
  nodeClassName: string;
  /** Resource limits as quantities, plus `nodes` (count). @default {} (unlimited) */
  limits: Record<string, string>;
  disruption: DisruptionSettings;
  /**
   * Stevedore extension: spare capacity kept free as if virtual pods with these requests were pending.
   * Field `spec.headroom` (both API flavours). @default unset (no headroom)
   */
  headroom?: Record<string, string>;
  /** Stevedore extension: nodes kept even when empty. Field `spec.minNodes`. @default 0 */
  minNodes: number;
  /**
   * Static capacity (v1 `spec.replicas`): exactly this many nodes are kept, whatever the pods; they are never
   * consolidated or removed as empty (drift and expiry still replace them). @default unset (a dynamic pool)
   */
  replicas?: number;
  /** Hash of the node-shaping fields (labels, annotations, taints, startup taints, kubelet, requirements); drift. */
  hash: string;
}

/** A selector term for subnets / security groups / AMIs. */
export interface SelectorTerm {
  /** Tag filters; `"*"` as value means "tag exists". @default {} */
  tags?: Record<string, string>;
  /** @default unset */
  id?: string;
  /** @default unset */
  name?: string;
  /** AMI owner. @default unset */
  owner?: string;
  /** EC2NodeClass AMI alias such as `al2023@latest`. @default unset */
  alias?: string;
  /** AMI SSM parameter. @default unset */
  ssmParameter?: string;
  /** Security groups only: the VPC the matched groups must be in (names repeat across VPCs). @default unset */
  vpcID?: string;
}

/** A capacity reservation selector term (EC2NodeClass `capacityReservationSelectorTerms[]`). */
export interface CapacityReservationSelectorTerm {
  /** A reservation id (`cr-…`); alone in its term. @default unset */
  id?: string;
  /** The account that owns the reservations, with `tags`. @default unset (any owner) */
  ownerID?: string;
  /** Tag filters; `"*"` as value means "tag exists". @default unset */
  tags?: Record<string, string>;
}

/** AMI families Stevedore can produce user data for. */
export type AmiFamily = "AL2" | "AL2023" | "Bottlerocket" | "Custom" | "Windows2019" | "Windows2022" | "Windows2025";

/** A block device mapping from the template. */
export interface BlockDeviceMapping {
  deviceName: string;
  rootVolume?: boolean;
  ebs?: {
    /** e.g. "20Gi". */
    volumeSize?: string;
    /** @default gp3 */
    volumeType?: string;
    iops?: number;
    throughput?: number;
    /** @default true */
    encrypted?: boolean;
    kmsKeyID?: string;
    /** @default true */
    deleteOnTermination?: boolean;
    snapshotID?: string;
  };
}

/** Instance metadata options. */
export interface MetadataOptions {
  /** @default enabled */
  httpEndpoint: "enabled" | "disabled";
  /** @default disabled */
  httpProtocolIPv6: "enabled" | "disabled";
  /** @default 1 */
  httpPutResponseHopLimit: number;
  /** @default required (IMDSv2) */
  httpTokens: "required" | "optional";
}

/** One network interface every instance of an EC2NodeClass is launched with (`spec.networkInterfaces[]`). */
export interface NetworkInterface {
  networkCardIndex: number;
  deviceIndex: number;
  /** `interface`: an ENA interface (the primary one at card 0, device 0); `efa-only`: an EFA device without IP. */
  interfaceType: "interface" | "efa-only";
}

/** An AWSNodeTemplate / EC2NodeClass in normalised form. */
export interface NodeClass {
  name: string;
  flavor: ApiFlavor;
  source: SourceRef;
  /** @default AL2023 (v1 requires it or an alias; v1alpha1 defaults to AL2 as Karpenter did) */
  amiFamily: AmiFamily;
  subnetSelectorTerms: SelectorTerm[];
  securityGroupSelectorTerms: SelectorTerm[];
  /** @default [] (family default AMI via SSM public parameter) */
  amiSelectorTerms: SelectorTerm[];
  /** IAM role name for the instance profile (v1). @default unset */
  role?: string;
  /** Instance profile name (v1alpha1 / v1). @default unset (the stack's node instance profile) */
  instanceProfile?: string;
  /** Extra user data merged per family. @default unset */
  userData?: string;
  /** Tags on instances, volumes, launch templates. @default {} */
  tags: Record<string, string>;
  /** @default [{deviceName: /dev/xvda, 20Gi gp3 encrypted}] for AL2/AL2023 */
  blockDeviceMappings: BlockDeviceMapping[];
  metadataOptions: MetadataOptions;
  /** @default false */
  detailedMonitoring: boolean;
  /** @default unset (subnet default) */
  associatePublicIPAddress?: boolean;
  /** v1 EC2NodeClass kubelet block (merged with the pool's, pool wins for v1alpha5). @default unset */
  kubelet?: KubeletConfig;
  /** @default unset */
  instanceStorePolicy?: "RAID0";
  /** The EC2 placement group every node of the class launches into. @default unset */
  placementGroup?: PlacementGroupRef;
  /**
   * Capacity reservations the class may launch into (capacity type `reserved`). @default [] (none)
   */
  capacityReservationSelectorTerms?: CapacityReservationSelectorTerm[];
  /**
   * Network interfaces of every instance (EFA). Instance types that cannot attach them are left out.
   * @default unset (one primary interface)
   */
  networkInterfaces?: NetworkInterface[];
  /** EC2 Fleet `Context` (a reserved-capacity context id). @default unset */
  context?: string;
  /** Hash of everything that shapes a launched instance; drift. */
  hash: string;
}

/** A validated, cross-referenced configuration. */
export interface StevedoreConfig {
  nodePools: NodePool[];
  nodeClasses: NodeClass[];
  /** Non-fatal notes (deprecations, defaults applied) as `file: Kind "name": message`. */
  warnings: string[];
}
