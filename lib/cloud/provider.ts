/**
 * The cloud provider boundary (Karpenter's CloudProvider, shaped for Stevedore). `lib/cloud/aws` implements it
 * over EC2; controllers only see this interface.
 */
import type { NodeClass, NodePool } from "../api/model.js";
import type { Taint } from "../core/kube-objects.js";
import type { CapacityType, InstanceType, ReservationType } from "../scheduling/types.js";
import type { InterruptionMessage } from "./interruption.js";

/** What to launch for one node claim. */
export interface LaunchRequest {
  /** Node-claim id; used as the CreateFleet ClientToken and the `stevedore.dev/claim` tag. */
  claimId: string;
  pool: NodePool;
  nodeClass: NodeClass;
  /** Price-ordered instance type options (at most 60 are sent). */
  instanceTypes: InstanceType[];
  /** Allowed capacity types; tried reserved first, then spot, then on-demand. */
  capacityTypes: CapacityType[];
  /** Allowed zones. */
  zones: string[];
  /** Labels the node must register with. */
  labels: Record<string, string>;
  taints: Taint[];
  startupTaints: Taint[];
  /**
   * The node's pods request EFA devices (`vpc.amazonaws.com/efa`): without NodeClass network interfaces, launch with
   * the type's EFA interfaces. @default false
   */
  efa?: boolean;
}

/**
 * One launch of several identical claims (same pool, class, options, capacity types, zones, labels and taints): one
 * CreateFleet for all of them. The caller has written an intent record per claim carrying `batchId`.
 */
export interface LaunchBatchRequest extends Omit<LaunchRequest, "claimId"> {
  /** The batch id: the base of the CreateFleet ClientToken and the `stevedore.dev/launch-batch` tag. */
  batchId: string;
  /** Every claim of the batch (the same list on every retry: it is part of the idempotent request). */
  claimIds: string[];
  /**
   * Claim id → instance id for the claims of the batch that already record an instance (a retry after a crash
   * between the claim records): those pairs are kept. @default none
   */
  recorded?: ReadonlyMap<string, string>;
}

/** One instance to tag with the claim that owns it. */
export interface ClaimTagRequest {
  instanceId: string;
  claimId: string;
  /** The claim's pool (part of the instance's name). */
  pool: string;
}

/** What a launch batch produced. */
export interface LaunchBatchResult {
  /** Claim id → the instance assigned to it (not tagged with it: see {@link CloudProvider.tagClaims}). */
  instances: Map<string, CloudInstance>;
  /** Claims of the batch left without an instance (the fleet launched fewer). */
  unfilled: string[];
  /** Why claims were left unfilled (classified; insufficient capacity when EC2 said so). */
  unfilledError?: LaunchError;
}

/** An instance Stevedore launched (or found by its tags). */
export interface CloudInstance {
  instanceId: string;
  /** `aws:///<zone>/<instance-id>`. */
  providerID: string;
  instanceType: string;
  zone: string;
  capacityType: CapacityType;
  /** `reserved` instances: the capacity reservation it runs in. @default unset */
  capacityReservationId?: string;
  /** `reserved` instances: `default` or `capacity-block`. @default unset */
  capacityReservationType?: ReservationType;
  /** pending | running | stopping | stopped | shutting-down | terminated. */
  state: string;
  launchTime: Date;
  /** Price per hour of the offering it runs on, when known. */
  pricePerHour?: number;
  /** The claim id from the `stevedore.dev/claim` tag, when present. */
  claimId?: string;
  /** The launch batch from the `stevedore.dev/launch-batch` tag, when present. */
  batchId?: string;
  tags: Record<string, string>;
  imageId?: string;
  /** Subnet the instance runs in, when known (drift). */
  subnetId?: string;
  /** Security groups of its primary network interface, when known (drift). */
  securityGroupIds?: string[];
  /** Name of the instance profile it runs with, when known (instance-profile garbage collection). */
  instanceProfile?: string;
}

/** An offering (instance type × zone × capacity type) that has no capacity for now. */
export interface UnavailableOffering {
  instanceType: string;
  zone: string;
  capacityType: CapacityType;
}

/** Cloud operations used by the controllers. */
export interface CloudProvider {
  /** Launches one instance for the claim (idempotent per claimId). */
  create(req: LaunchRequest): Promise<CloudInstance>;
  /**
   * Launches one instance per claim of a batch with one call (idempotent per batchId: instances already launched
   * for the batch are adopted, each instance is assigned to one claim deterministically). The instances carry the
   * batch tag from their creation; the per-claim tag is left to {@link CloudProvider.tagClaims}, off the launch
   * path, since it costs one rate-limited call per instance.
   * @throws LaunchError (classified) when nothing could be launched.
   */
  createBatch(req: LaunchBatchRequest): Promise<LaunchBatchResult>;
  /**
   * Tags instances with the claim that owns them (AWS: `stevedore.dev/claim` and `Name`, one CreateTags per
   * instance since the values differ). For instances of a launch batch, which are tagged only with their batch.
   */
  tagClaims(requests: ClaimTagRequest[]): Promise<void>;
  /** Terminates; an instance that is already gone is not an error. */
  delete(instanceId: string): Promise<void>;
  /** Terminates many instances with as few calls as the cloud allows; ids already gone are not an error. */
  deleteMany(instanceIds: string[]): Promise<void>;
  get(instanceId: string): Promise<CloudInstance | undefined>;
  /** Many instances by id with as few calls as the cloud allows; ids the cloud does not know are left out. */
  getMany(instanceIds: string[]): Promise<Map<string, CloudInstance>>;
  /** Finds the instance launched for a claim (by ClientToken/tags), for crash recovery. */
  findByClaim(claimId: string): Promise<CloudInstance | undefined>;
  /** The live instances launched in a launch batch (by its tag), for crash recovery. */
  findByBatch(batchId: string): Promise<CloudInstance[]>;
  /** Every non-terminated instance tagged as this cluster's (Stevedore/Karpenter tag scheme). */
  list(): Promise<CloudInstance[]>;
  /** Instance types with offerings (prices, availability incl. the ICE cache) usable by this pool + class. */
  getInstanceTypes(pool: NodePool, nodeClass: NodeClass): Promise<InstanceType[]>;
  /** A reason string when the instance no longer matches its class (AMI, subnet, security groups); else undefined. */
  isDrifted(instance: CloudInstance, nodeClass: NodeClass): Promise<string | undefined>;
  /**
   * Records that an offering has no capacity (e.g. its spot capacity is being reclaimed): launches and instance-type
   * listings skip it for the provider's unavailable-offerings TTL. The provider's own launch failures are recorded
   * by {@link CloudProvider.create}; callers never record those again.
   */
  markOfferingUnavailable(offering: UnavailableOffering, reason: string): Promise<void>;
  /**
   * Parses one interruption notice as the cloud delivers it (an SQS message body on AWS).
   * @throws MalformedInterruptionMessageError when the body is not a notice of the cloud's format.
   */
  parseInterruptionMessage(body: string): InterruptionMessage;
  /**
   * Deletes cloud resources Stevedore made for node classes (AWS: launch templates, and the instance profiles of
   * `role`s no live instance runs with) that no class of `nodeClasses` produces any more (the class is gone or its
   * hash or role changed). Resources made recently are kept. Returns the names of what was deleted.
   */
  garbageCollect(nodeClasses: NodeClass[]): Promise<string[]>;
}

/** Base of classified launch errors. */
export class LaunchError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "LaunchError";
  }
}

/**
 * Every requested offering had insufficient capacity. The provider has already recorded them in its
 * unavailable-offerings cache; the caller must not record them again.
 */
export class InsufficientCapacityError extends LaunchError {
  constructor(
    message: string,
    readonly offerings: UnavailableOffering[],
    cause?: unknown,
  ) {
    super(message, cause);
    this.name = "InsufficientCapacityError";
  }
}

/** The request can never succeed as shaped (invalid parameter, unfulfillable, no subnets). Do not retry blindly. */
export class UnfulfillableLaunchError extends LaunchError {
  override name = "UnfulfillableLaunchError";
}

/** Throttled by EC2 (RequestLimitExceeded): back off and retry later. */
export class ThrottledError extends LaunchError {
  override name = "ThrottledError";
}

/** Not authorized (IAM): an operator must fix permissions; never retried in a loop. */
export class UnauthorizedError extends LaunchError {
  override name = "UnauthorizedError";
}
