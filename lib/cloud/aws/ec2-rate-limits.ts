/**
 * EC2's documented request-rate limits ("Request throttling for the Amazon EC2 API",
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), the one table both the client-side
 * gate (`retry.ts`) and the AWS emulator (`lib/twin/aws`) enforce. Pure: no I/O.
 *
 * Every action has its own request bucket (one token per request) whose size and refill rate come from its category:
 * non-mutating (`Describe*`, `List*`, `Search*`, `Get*`) 100 / 20 per second; a few describe actions called without
 * a filter and without pagination draw from a smaller bucket, 50 / 10; mutating actions 50 / 5; resource-intensive
 * ones 50 / 5; and "uncategorized" actions have their own numbers (CreateTags 100 / 10, RunInstances 5 / 2,
 * TerminateInstances 100 / 5, …). RunInstances, TerminateInstances, StartInstances and StopInstances also draw one
 * resource token per instance from a resource bucket (RunInstances 1000 / 2, TerminateInstances 1000 / 20).
 * The page documents no resource bucket for CreateFleet, so none is applied to it.
 */

/** A token bucket: `capacity` tokens at most, `refillPerSecond` tokens added per second. */
export interface RateLimit {
  capacity: number;
  refillPerSecond: number;
}

/** The documented request-bucket categories. */
export type Ec2ActionCategory = "non-mutating" | "unfiltered-non-mutating" | "mutating" | "resource-intensive";

/** Request buckets per category. */
export const EC2_CATEGORY_LIMITS: Readonly<Record<Ec2ActionCategory, RateLimit>> = {
  "non-mutating": { capacity: 100, refillPerSecond: 20 },
  "unfiltered-non-mutating": { capacity: 50, refillPerSecond: 10 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  "resource-intensive": { capacity: 50, refillPerSecond: 5 },
};

/** Actions that use the smaller bucket when called with neither a filter nor pagination. */
export const UNFILTERED_NON_MUTATING_ACTIONS: ReadonlySet<string> = new Set([
  "DescribeInstances",
  "DescribeInstanceStatus",
  "DescribeNetworkInterfaces",
  "DescribeSecurityGroups",
  "DescribeSnapshots",
  "DescribeSpotInstanceRequests",
  "DescribeVolumes",
]);

/** Mutating actions with the resource-intensive limit. */
export const RESOURCE_INTENSIVE_ACTIONS: ReadonlySet<string> = new Set([
  "AcceptVpcPeeringConnection",
  "AuthorizeSecurityGroupIngress",
  "CancelSpotInstanceRequests",
  "CreateKeyPair",
  "CreateVpcPeeringConnection",
  "DeleteVpcPeeringConnection",
  "RejectVpcPeeringConnection",
  "RevokeSecurityGroupIngress",
  "RequestSpotInstances",
]);

/** Uncategorized actions with their own request buckets (the ones near Stevedore's path). */
export const EC2_ACTION_LIMITS: Readonly<Record<string, RateLimit>> = {
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  RunInstances: { capacity: 5, refillPerSecond: 2 },
  StartInstances: { capacity: 5, refillPerSecond: 2 },
  TerminateInstances: { capacity: 100, refillPerSecond: 5 },
  CreateLaunchTemplateVersion: { capacity: 100, refillPerSecond: 5 },
  ModifyLaunchTemplate: { capacity: 100, refillPerSecond: 5 },
  CreateNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  DeleteNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  CreateVolume: { capacity: 100, refillPerSecond: 5 },
  DeleteVolume: { capacity: 100, refillPerSecond: 5 },
  DeregisterImage: { capacity: 100, refillPerSecond: 5 },
  DescribeSpotFleetRequests: { capacity: 50, refillPerSecond: 3 },
  DescribeSpotFleetInstances: { capacity: 100, refillPerSecond: 5 },
  DescribeReservedInstancesOfferings: { capacity: 10, refillPerSecond: 10 },
  DescribeCapacityBlockOfferings: { capacity: 10, refillPerSecond: 0.15 },
};

/** Resource buckets: one token per instance the request names or launches. */
export const EC2_RESOURCE_LIMITS: Readonly<Record<string, RateLimit>> = {
  RunInstances: { capacity: 1000, refillPerSecond: 2 },
  TerminateInstances: { capacity: 1000, refillPerSecond: 20 },
  StartInstances: { capacity: 1000, refillPerSecond: 2 },
  StopInstances: { capacity: 1000, refillPerSecond: 20 },
};

/** Whether an action only reads (its name starts with Describe, List, Search or Get). */
export function isNonMutatingAction(action: string): boolean {
  return /^(Describe|List|Search|Get)/.test(action);
}

/** The request bucket an EC2 call draws from: a key (one bucket per key and account) and its limit. */
export interface Ec2RequestBucket {
  key: string;
  limit: RateLimit;
}

/**
 * The request bucket of one call. `unfilteredUnpaginated`: the call has neither a filter nor pagination
 * (`MaxResults`/`NextToken`); instance ids are not a filter in the documented wording, so a describe by ids counts
 * as unfiltered (the stricter bucket).
 */
export function ec2RequestBucket(action: string, unfilteredUnpaginated: boolean): Ec2RequestBucket {
  const own = EC2_ACTION_LIMITS[action];
  if (own) return { key: action, limit: own };
  if (UNFILTERED_NON_MUTATING_ACTIONS.has(action) && unfilteredUnpaginated) {
    return { key: `${action}#unfiltered`, limit: EC2_CATEGORY_LIMITS["unfiltered-non-mutating"] };
  }
  if (isNonMutatingAction(action)) return { key: action, limit: EC2_CATEGORY_LIMITS["non-mutating"] };
  if (RESOURCE_INTENSIVE_ACTIONS.has(action)) return { key: action, limit: EC2_CATEGORY_LIMITS["resource-intensive"] };
  return { key: action, limit: EC2_CATEGORY_LIMITS.mutating };
}

/** Request fields that make a describe call filtered or paginated. */
export interface Ec2RequestShape {
  Filters?: unknown[];
  MaxResults?: number;
  NextToken?: string;
  InstanceIds?: string[];
  MinCount?: number;
  MaxCount?: number;
}

/** Whether a request (SDK input shape) has neither a filter nor pagination. */
export function isUnfilteredUnpaginated(input: Ec2RequestShape | undefined): boolean {
  return !input || ((input.Filters?.length ?? 0) === 0 && input.MaxResults === undefined && !input.NextToken);
}

/** Resource tokens a call takes: instances launched (MaxCount) or named (InstanceIds); 0 for other actions. */
export function ec2ResourceCount(action: string, input: Ec2RequestShape | undefined): number {
  if (!EC2_RESOURCE_LIMITS[action]) return 0;
  if (action === "RunInstances") return Math.max(1, input?.MaxCount ?? 1);
  return Math.max(1, input?.InstanceIds?.length ?? 1);
}

/** Largest batch a CreateFleet call may ask for here (Karpenter's AWS provider batches up to this). */
export const MAX_FLEET_TARGET_CAPACITY = 1000;

/** Instance ids per DescribeInstances / TerminateInstances call when batching. */
export const MAX_INSTANCE_IDS_PER_CALL = 1000;
