/**
 * Contracts of the pure packing core: instance types with offerings, and the solver's input and output.
 */
import type { MinValuesPolicy, NodePool } from "../api/model.js";
import type { DaemonSet, Node, Pod, PodDisruptionBudget, Taint } from "../core/kube-objects.js";
import type { Resources } from "../core/quantity.js";

/** Capacity types Stevedore launches. */
export type CapacityType = "spot" | "on-demand" | "reserved";

/** One place an instance type can be bought: zone × capacity type, with a price. */
export interface Offering {
  zone: string;
  capacityType: CapacityType;
  /** USD (or the region's currency) per hour. */
  price: number;
  /** False when the offering is in the unavailable-offerings (ICE) cache or has no price. */
  available: boolean;
}

/**
 * An instance type as the packer sees it: capacity and overhead already resolved for one NodePool's kubelet
 * settings and AMI family.
 */
export interface InstanceType {
  name: string;
  /** `amd64` | `arm64`. */
  arch: string;
  /** `linux` | `windows`. */
  os: string;
  /**
   * Every well-known label the node will carry that does not depend on the offering (instance-type, arch, os,
   * region, `karpenter.k8s.aws/instance-*`). Zone and capacity type come from the offering.
   */
  labels: Record<string, string>;
  /** cpu, memory, pods, ephemeral-storage and extended resources, internal units. */
  capacity: Resources;
  /** kube-reserved + system-reserved + eviction threshold, internal units. */
  overhead: Resources;
  /** capacity − overhead (before DaemonSets). */
  allocatable: Resources;
  offerings: Offering[];
}

/** An existing or in-flight node as the packer sees it. */
export interface ExistingNode {
  name: string;
  /** All labels (for in-flight nodes: the labels the node will have). */
  labels: Record<string, string>;
  /** Taints that count for scheduling (startup/ephemeral taints removed for uninitialised managed nodes). */
  taints: Taint[];
  allocatable: Resources;
  /** Capacity (counts against its pool's limits). @default allocatable */
  capacity?: Resources;
  /** Pods bound (or nominated) to it, DaemonSet pods included. */
  pods: Pod[];
  /** Cordoned or marked for deletion: takes no new pods but its pods count for topology. */
  unschedulable?: boolean;
  /** Launched by Stevedore but not yet registered (a node claim). */
  inFlight?: boolean;
  /** NodePool that owns it, if any (its capacity counts against that pool's limits). */
  nodePool?: string;
  /** Price per hour, when known (consolidation). */
  pricePerHour?: number;
}

/** A NodePool with the instance types it may use (already filtered by its NodeClass's compatibility). */
export interface PoolInput {
  pool: NodePool;
  instanceTypes: InstanceType[];
}

/** Everything the solver needs. */
export interface SolveInput {
  /** Pending pods to place (DaemonSet-owned, bound and nominated pods are ignored by the solver). */
  pods: Pod[];
  /** Existing and in-flight nodes; their capacity is used before new nodes are opened. */
  existingNodes: ExistingNode[];
  daemonSets: DaemonSet[];
  /** Any order; the solver sorts by weight (desc) then name. */
  pools: PoolInput[];
  /** Used only to report; the solver does not evict. @default [] */
  pdbs?: PodDisruptionBudget[];
  /** Nodes as Kubernetes objects, for inverse anti-affinity / topology counting of pods bound elsewhere. @default [] */
  nodes?: Node[];
  /**
   * Labels of namespaces, to resolve `namespaceSelector` in pod (anti-)affinity terms. Without it a non-empty
   * namespaceSelector is taken to select every namespace. @default unset
   */
  namespaceLabels?: Record<string, Record<string, string>>;
  /** @default 60 */
  maxInstanceTypes?: number;
  /**
   * What to do when a new node's options cannot meet a pool requirement's `minValues`: `Strict` leaves its pods
   * unschedulable with a reason, `BestEffort` launches it and reports the relaxation on the node. @default "Strict"
   */
  minValuesPolicy?: MinValuesPolicy;
  /** Name prefix counter start for new nodes (`<pool>-0001`). @default 1 */
  firstNodeIndex?: number;
}

/** A node the solver wants launched. */
export interface NewNode {
  /** `<pool>-NNNN`. */
  name: string;
  pool: string;
  /** Price-ordered (cheapest available compatible offering first), at most `maxInstanceTypes`. */
  instanceTypeOptions: InstanceType[];
  /** The cheapest available offering among the options' compatible offerings. */
  instanceType: InstanceType;
  offering: Offering;
  /** Zones / capacity types that remain allowed for this node (for CreateFleet overrides). */
  zones: string[];
  capacityTypes: CapacityType[];
  /** Every label the node will carry (for the chosen offering). */
  labels: Record<string, string>;
  taints: Taint[];
  startupTaints: Taint[];
  /** Sum of pod requests + DaemonSet overhead placed on it. */
  requests: Resources;
  pods: Pod[];
  /** Minimums of the pool's `minValues` the options fall short of (only under `BestEffort`). @default unset */
  minValuesRelaxed?: MinValuesRelaxation[];
}

/** One `minValues` a node's options do not meet. */
export interface MinValuesRelaxation {
  /** The requirement's key, e.g. `karpenter.k8s.aws/instance-family`. */
  key: string;
  /** The minimum asked for. */
  minValues: number;
  /** Distinct values the options carry. */
  found: number;
  /** Those values. */
  values: string[];
}

/** A pod the solver could not place, with a reason a human understands. */
export interface Unschedulable {
  pod: Pod;
  reason: string;
}

/** The solver's answer. */
export interface SolveResult {
  newNodes: NewNode[];
  /** Pods placed onto existing/in-flight nodes, by node name. */
  existingAssignments: Map<string, Pod[]>;
  unschedulable: Unschedulable[];
  /** Sum of `offering.price` of new nodes. */
  costPerHour: number;
}
