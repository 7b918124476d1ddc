/**
 * The state Stevedore keeps between Lambda invocations (the store seam). `lib/state` implements it over DynamoDB with
 * single-item conditional writes; tests run it against dynalite.
 */
import type { CapacityType, MinValuesRelaxation, ReservationType } from "../scheduling/types.js";

/** Node-claim lifecycle. Transitions only move forward; `Terminated` is final. */
export type ClaimState = "Pending" | "Launched" | "Registered" | "Initialized" | "Draining" | "Terminated";

/** Why a claim is being disrupted. */
export type ClaimDisruptionReason =
  | "Empty"
  | "Underutilized"
  | "Expired"
  | "Drifted"
  | "Interrupted"
  | "Unregistered"
  | "Leaked"
  | "Replaced"
  | "Unhealthy"
  /** A static pool's `replicas` went down. */
  | "ScaledDown";

/** One node Stevedore intends to run, or runs: the intent log for a launch. */
export interface NodeClaim {
  /** Unique id (also the EC2 ClientToken and `stevedore.dev/claim` tag), e.g. `default-8f3k2m9x`. */
  id: string;
  pool: string;
  state: ClaimState;
  /** Optimistic-lock version, incremented by every write. */
  version: number;
  createdAt: number;
  updatedAt: number;
  /**
   * Price-ordered instance type names offered to CreateFleet. Like `capacityTypes` and `zones`, kept only while
   * Pending (a retried launch needs them) and read as empty once the instance is chosen.
   */
  instanceTypeOptions: string[];
  capacityTypes: CapacityType[];
  zones: string[];
  /**
   * Labels/taints the node should carry (for registration sync). The instance type's own
   * `karpenter.k8s.aws/instance-*` labels are not kept (the catalog has them).
   */
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  startupTaints: { key: string; value?: string; effect: string }[];
  /** Annotations the node should carry (the pool's template annotations, for registration sync). @default {} */
  annotations?: Record<string, string>;
  /** `minValues` the options fell short of when the launch was relaxed (policy BestEffort). @default unset */
  minValuesRelaxed?: MinValuesRelaxation[];
  /** Pods (`namespace/name`) this node was launched for, read back grouped by workload; empty once Terminated. */
  pods: string[];
  /** NodePool + NodeClass hash at launch (drift). */
  poolHash: string;
  classHash: string;
  instanceId?: string;
  providerID?: string;
  nodeName?: string;
  instanceType?: string;
  zone?: string;
  capacityType?: CapacityType;
  /** `reserved` claims: the capacity reservation the instance runs in. @default unset */
  capacityReservationId?: string;
  /** `reserved` claims: `default` or `capacity-block`. @default unset */
  capacityReservationType?: ReservationType;
  pricePerHour?: number;
  launchedAt?: number;
  registeredAt?: number;
  initializedAt?: number;
  /** When the node last became empty of non-DaemonSet pods; cleared when a pod lands. */
  emptySince?: number;
  /**
   * When the disruptor last saw the node's pod set change (a pod scheduled to it or removed from it): Karpenter's
   * `lastPodEventTime`, from which `consolidateAfter` counts. @default unset (no change seen yet)
   */
  lastPodEventAt?: number;
  /** Digest of the node's pod set when last recorded, to notice pods that left. @default unset (not recorded yet) */
  podSetDigest?: string;
  /**
   * When `podSetDigest` was recorded: pods scheduled later are arrivals, which need no record (their `PodScheduled`
   * time shows). @default unset (an older item: its digest is compared whole)
   */
  podSetAt?: number;
  /** Absolute expiry time (createdAt + expireAfter). */
  expiresAt?: number;
  drainStartedAt?: number;
  /** Deadline after which the drain ignores PDBs (terminationGracePeriod). */
  drainDeadline?: number;
  disruptionReason?: ClaimDisruptionReason;
  /** Claim id of the replacement launched for this one, if any. */
  replacementClaimId?: string;
  /** Every replacement launched for this one (drift/expiry may need several); the first is `replacementClaimId`. */
  replacementClaimIds?: string[];
  /** When the claim was marked for disruption (taint/cordon placed); bounds the wait for replacements. */
  disruptedAt?: number;
  terminatedAt?: number;
  /**
   * The launch batch: claims launched together by one CreateFleet share it, and their instances carry it as the
   * `stevedore.dev/launch-batch` tag until each gets its claim tag. Unset for a claim launched alone.
   */
  batchId?: string;
  /** Last launch error class, for decisions and metrics. */
  lastError?: string;
  /** The node's pods request EFA devices: it is launched with its type's EFA interfaces. @default unset */
  efa?: boolean;
}

/** A held lease. `token` is the fencing token every write of the holder carries. */
export interface Lease {
  name: string;
  owner: string;
  token: number;
  expiresAt: number;
}

/** An offering marked unavailable (ICE) until `until`. */
export interface UnavailableOfferingRecord {
  instanceType: string;
  zone: string;
  capacityType: CapacityType;
  until: number;
  reason: string;
}

/** One logged decision (provisioning, disruption, interruption, gc). */
export interface DecisionRecord {
  at: number;
  controller: string;
  action: string;
  /** Free-form but JSON-serialisable details: pods, options, prices, lower bound, reason. */
  details: Record<string, unknown>;
}

/** A stored config document. */
export interface ConfigItem {
  /** `NodePool` (Provisioner/NodePool) or `NodeClass` (AWSNodeTemplate/EC2NodeClass). */
  kind: "NodePool" | "NodeClass";
  name: string;
  /** The original document (YAML text), re-validated when read. */
  document: string;
  version: number;
  updatedAt: number;
}

/** Fencing: writes made on behalf of a lease holder carry its lease; the store rejects them once superseded. */
export interface Fence {
  lease: Lease;
}

/** State operations. Writes taking a `fence` fail with `FencedError` when the lease was lost. */
export interface StateStore {
  /** Takes the lease if free or expired; returns undefined when someone else holds it. */
  acquireLease(name: string, owner: string, ttlMs: number, now: number): Promise<Lease | undefined>;
  /** Extends a held lease; throws `FencedError` if it was taken over. */
  renewLease(lease: Lease, ttlMs: number, now: number): Promise<Lease>;
  releaseLease(lease: Lease): Promise<void>;

  /** Creates a claim (fails with `ConflictError` if the id exists). */
  createClaim(claim: NodeClaim, fence?: Fence): Promise<NodeClaim>;
  /**
   * Creates several claims (each fails with `ConflictError` if its id exists); the fence is checked once. Not atomic:
   * claims written before a failure stay written.
   */
  createClaims(claims: NodeClaim[], fence?: Fence): Promise<NodeClaim[]>;
  /** Conditional update: applies `patch` only if the stored version equals `claim.version`; returns the new claim. */
  updateClaim(claim: NodeClaim, patch: Partial<NodeClaim>, fence?: Fence): Promise<NodeClaim>;
  getClaim(id: string): Promise<NodeClaim | undefined>;
  /** All claims (optionally including Terminated). */
  listClaims(opts?: { includeTerminated?: boolean }): Promise<NodeClaim[]>;
  /**
   * The live (not Terminated) claims of these EC2 instances, by instance id; instances Stevedore does not own are
   * absent. Costs a few reads per instance, not a listing (a claim launched within the last second may be missed).
   */
  claimsByInstance(instanceIds: readonly string[]): Promise<Map<string, NodeClaim>>;
  /** Removes a Terminated claim (GC). */
  deleteClaim(id: string, fence?: Fence): Promise<void>;

  markOfferingUnavailable(rec: UnavailableOfferingRecord, fence?: Fence): Promise<void>;
  /** Offerings still unavailable at `now`. */
  listUnavailableOfferings(now: number): Promise<UnavailableOfferingRecord[]>;

  logDecision(rec: DecisionRecord): Promise<void>;
  /** Decisions since `since` (ms), newest last. */
  listDecisions(since: number, limit?: number): Promise<DecisionRecord[]>;

  /**
   * Records an event id; true when seen for the first time (interruption de-duplication, interval gates). With
   * `readFirst`, reads the record before writing (cheaper when the id is usually recorded already).
   */
  recordEventOnce(id: string, now: number, ttlMs: number, opts?: { readFirst?: boolean }): Promise<boolean>;

  /** Config documents (validated by the caller). `expectedVersion` 0 = must not exist. */
  putConfig(
    item: Omit<ConfigItem, "version" | "updatedAt">,
    now: number,
    expectedVersion?: number,
  ): Promise<ConfigItem>;
  listConfig(): Promise<ConfigItem[]>;
  getConfig(kind: ConfigItem["kind"], name: string): Promise<ConfigItem | undefined>;
  deleteConfig(kind: ConfigItem["kind"], name: string): Promise<boolean>;
}

/** The lease was taken over: the caller must stop acting. */
export class FencedError extends Error {
  override name = "FencedError";
}

/** A conditional write lost a race (version changed or item exists). Re-read and decide again. */
export class ConflictError extends Error {
  override name = "ConflictError";
}
