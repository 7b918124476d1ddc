/**
 * CreateFleet requests and the classification of their failures (Karpenter `CreateFleetInputBuilder`,
 * `pkg/errors/errors.go`). Pure: no I/O.
 *
 * One request per capacity type: `Type: instant`, target capacity 1 (one claim) or n (a launch batch of n identical
 * claims, at most 1,000), one launch-template config per template with
 * one override per instance type × zone (that zone's subnet), spot with `price-capacity-optimized`, on-demand with
 * `lowest-price`, tags on instance, volume and fleet, `ClientToken` for idempotent retries.
 */
import type {
  CreateFleetCommandInput,
  CreateFleetCommandOutput,
  CreateFleetError,
  CreateFleetInstance,
  FleetLaunchTemplateOverridesRequest,
} from "@aws-sdk/client-ec2";
import {
  InsufficientCapacityError,
  LaunchError,
  ThrottledError,
  UnauthorizedError,
  type UnavailableOffering,
  UnfulfillableLaunchError,
} from "../provider.js";
import { awsErrorCode, isThrottlingError } from "./retry.js";
import { tagSpecifications } from "./tags.js";

/** Capacity types CreateFleet launches here (`reserved`: into the capacity reservations the templates target). */
export type FleetCapacityType = "spot" | "on-demand" | "reserved";

/** One override: an instance type in one zone's subnet. */
export interface FleetOverride {
  instanceType: string;
  zone: string;
  subnetId: string;
  /** The offering's price (Karpenter sets `Priority` = price; used only by prioritized strategies). */
  price?: number;
}

/** A launch template and the overrides launched with it. */
export interface FleetLaunchTemplate {
  name: string;
  overrides: FleetOverride[];
}

/** One CreateFleet request. */
export interface FleetRequest {
  /** Idempotency token (≤ 64 ASCII characters). */
  clientToken: string;
  capacityType: FleetCapacityType;
  launchTemplates: FleetLaunchTemplate[];
  /** Tags on the instance, its volumes and the fleet. */
  tags: Record<string, string>;
  /** Instances to launch. @default 1 */
  targetCapacity?: number;
  /** EC2NodeClass `context` (reserved-capacity context id). @default unset */
  context?: string;
  /**
   * `reserved` requests: the kind of the targeted reservations (capacity blocks launch with the `capacity-block`
   * target capacity type, other reservations as on-demand). @default "default"
   */
  reservationType?: "default" | "capacity-block";
}

/** Error codes that mean "no capacity for this offering right now" (Karpenter's unfulfillable-capacity codes). */
export const INSUFFICIENT_CAPACITY_CODES = new Set([
  "InsufficientInstanceCapacity",
  "InsufficientCapacity",
  "MaxSpotInstanceCountExceeded",
  "VcpuLimitExceeded",
  "UnfulfillableCapacity",
  "Unsupported",
  "InsufficientFreeAddressesInSubnet",
  "MaxFleetCountExceeded",
  "ReservationCapacityExceeded",
  "InsufficientHostCapacity",
  "InsufficientReservedInstanceCapacity",
  "SpotMaxPriceTooLow",
]);

/** Error codes that mean "not allowed": an operator must fix IAM, SCPs or account state. */
export const UNAUTHORIZED_CODES = new Set([
  "UnauthorizedOperation",
  "AuthFailure",
  "AuthFailure.ServiceLinkedRoleCreationNotPermitted",
  "AccessDenied",
  "AccessDeniedException",
  "Blocked",
  "OptInRequired",
  "PendingVerification",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "IncompleteSignature",
]);

/** Launch-template lookups that failed because the template vanished (drop the cache entry, retry once). */
export const LAUNCH_TEMPLATE_NOT_FOUND_CODES = new Set([
  "InvalidLaunchTemplateName.NotFoundException",
  "InvalidLaunchTemplateId.NotFound",
  "InvalidLaunchTemplateId.Malformed",
]);

/** Prefixes of codes that mean the request is malformed or refers to something invalid. */
const INVALID_PREFIXES = [
  "Invalid",
  "MissingParameter",
  "ValidationError",
  "UnknownParameter",
  "UnsupportedOperation",
  "IdempotentParameterMismatch",
  "MaxTemplateLimitExceeded",
  "LaunchTemplateLimitExceeded",
  "InstanceLimitExceeded",
];

/** Maximum instance types per launch (Karpenter `maxInstanceTypes`). */
export const MAX_INSTANCE_TYPES = 60;

/** Builds the CreateFleet input. */
export function buildCreateFleetInput(req: FleetRequest): CreateFleetCommandInput {
  const spot = req.capacityType === "spot";
  const target =
    req.capacityType !== "reserved"
      ? req.capacityType
      : req.reservationType === "capacity-block"
        ? "capacity-block"
        : "on-demand";
  return {
    Type: "instant",
    ClientToken: req.clientToken,
    TargetCapacitySpecification: {
      TotalTargetCapacity: req.targetCapacity ?? 1,
      DefaultTargetCapacityType: target,
    },
    ...(spot
      ? { SpotOptions: { AllocationStrategy: "price-capacity-optimized" } }
      : { OnDemandOptions: { AllocationStrategy: "lowest-price" } }),
    LaunchTemplateConfigs: req.launchTemplates.map((lt) => ({
      LaunchTemplateSpecification: { LaunchTemplateName: lt.name, Version: "$Latest" },
      Overrides: lt.overrides.map(
        (o): FleetLaunchTemplateOverridesRequest => ({
          InstanceType: o.instanceType as FleetLaunchTemplateOverridesRequest["InstanceType"],
          SubnetId: o.subnetId,
          AvailabilityZone: o.zone,
          ...(o.price !== undefined ? { Priority: o.price } : {}),
        }),
      ),
    })),
    TagSpecifications: tagSpecifications(["instance", "volume", "fleet"], req.tags),
    ...(req.context ? { Context: req.context } : {}),
  };
}

/** One fleet error with the offering it names. */
export interface FleetErrorInfo {
  code: string;
  message: string;
  instanceType?: string;
  zone?: string;
  subnetId?: string;
  capacityType?: FleetCapacityType;
}

/** The errors of a CreateFleet response, with offerings resolved (zone from the override or its subnet). */
export function fleetErrors(
  errors: CreateFleetError[] | undefined,
  capacityType: FleetCapacityType,
  zoneOfSubnet: (subnetId: string) => string | undefined = () => undefined,
): FleetErrorInfo[] {
  return (errors ?? []).map((e) => {
    const o = e.LaunchTemplateAndOverrides?.Overrides;
    const subnetId = o?.SubnetId;
    return {
      code: e.ErrorCode ?? "Unknown",
      message: e.ErrorMessage ?? "",
      instanceType: o?.InstanceType,
      zone: o?.AvailabilityZone ?? (subnetId ? zoneOfSubnet(subnetId) : undefined),
      subnetId,
      capacityType:
        capacityType === "reserved"
          ? "reserved"
          : e.Lifecycle === "spot"
            ? "spot"
            : e.Lifecycle === "on-demand"
              ? "on-demand"
              : capacityType,
    };
  });
}

/** The first launched instance of a CreateFleet response with its override. */
export function launchedInstance(
  out: Pick<CreateFleetCommandOutput, "Instances">,
): { instanceId: string; instance: CreateFleetInstance } | undefined {
  for (const inst of out.Instances ?? []) {
    const id = inst.InstanceIds?.[0];
    if (id) return { instanceId: id, instance: inst };
  }
  return undefined;
}

/** Every launched instance of a CreateFleet response with its override, in response order. */
export function launchedInstances(
  out: Pick<CreateFleetCommandOutput, "Instances">,
): { instanceId: string; instance: CreateFleetInstance }[] {
  return (out.Instances ?? []).flatMap((instance) =>
    (instance.InstanceIds ?? []).filter(Boolean).map((instanceId) => ({ instanceId, instance })),
  );
}

/** Whether a fleet error code is an insufficient-capacity code. */
export function isInsufficientCapacityCode(code: string): boolean {
  return INSUFFICIENT_CAPACITY_CODES.has(code);
}

/** Offerings named by insufficient-capacity errors (deduplicated). */
export function unavailableOfferingsOf(errors: FleetErrorInfo[]): UnavailableOffering[] {
  const seen = new Map<string, UnavailableOffering>();
  for (const e of errors) {
    if (!isInsufficientCapacityCode(e.code) || !e.instanceType || !e.zone || !e.capacityType) continue;
    const o: UnavailableOffering = { instanceType: e.instanceType, zone: e.zone, capacityType: e.capacityType };
    seen.set(`${o.capacityType}:${o.instanceType}:${o.zone}`, o);
  }
  return [...seen.values()];
}

function classifyCode(code: string, message: string, cause: unknown): LaunchError {
  if (UNAUTHORIZED_CODES.has(code) || code.startsWith("AuthFailure")) return new UnauthorizedError(message, cause);
  if (isThrottlingError({ name: code })) return new ThrottledError(message, cause);
  if (INVALID_PREFIXES.some((p) => code.startsWith(p))) return new UnfulfillableLaunchError(message, cause);
  return new LaunchError(message, cause);
}

function summary(errors: FleetErrorInfo[]): string {
  const parts = errors.slice(0, 5).map((e) => {
    const where = [e.capacityType, e.instanceType, e.zone].filter(Boolean).join("/");
    return `${e.code}${where ? ` (${where})` : ""}${e.message ? `: ${e.message}` : ""}`;
  });
  return parts.join("; ") + (errors.length > 5 ? `; … ${errors.length - 5} more` : "");
}

/**
 * Classifies a CreateFleet response that launched nothing: all errors insufficient-capacity →
 * {@link InsufficientCapacityError} carrying the offerings; otherwise the first other error decides (unauthorized,
 * throttled, invalid → unfulfillable, else a retryable {@link LaunchError}).
 */
export function classifyFleetErrors(errors: FleetErrorInfo[], context: string): LaunchError {
  if (errors.length === 0) return new LaunchError(`${context}: CreateFleet returned no instance and no error`);
  const other = errors.find((e) => !isInsufficientCapacityCode(e.code));
  const text = `${context}: ${summary(errors)}`;
  if (!other) return new InsufficientCapacityError(text, unavailableOfferingsOf(errors), errors);
  return classifyCode(other.code, text, errors);
}

/** Classifies an exception thrown by an EC2 call (SDK service error, network error, …). */
export function classifyThrownError(err: unknown, context: string): LaunchError {
  if (err instanceof LaunchError) return err;
  const code = awsErrorCode(err) ?? "Unknown";
  const message = `${context}: ${code}${err instanceof Error && err.message && err.message !== code ? `: ${err.message}` : ""}`;
  if (isThrottlingError(err)) return new ThrottledError(message, err);
  if (isInsufficientCapacityCode(code)) return new InsufficientCapacityError(message, [], err);
  return classifyCode(code, message, err);
}
