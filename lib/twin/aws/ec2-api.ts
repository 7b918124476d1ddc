/**
 * The EC2 actions the emulator implements, by `Action` name.
 */
import {
  describeAvailabilityZones,
  describeInstanceTypeOfferings,
  describeInstanceTypes,
  describeSpotPriceHistory,
} from "./ec2-catalog-api.js";
import { createFleet } from "./ec2-fleet.js";
import {
  createTags,
  deleteTags,
  describeInstanceAttribute,
  describeInstances,
  runInstances,
  terminateInstances,
} from "./ec2-instances.js";
import { describeImages, describeSecurityGroups, describeSubnets } from "./ec2-network-api.js";
import {
  createLaunchTemplate,
  deleteLaunchTemplate,
  describeLaunchTemplates,
  describeLaunchTemplateVersions,
} from "./ec2-templates-api.js";
import { AwsApiError } from "./errors.js";
import type { QueryParams } from "./query-params.js";
import type { Ec2World } from "./world.js";
import type { XmlObject } from "./xml.js";

/** An EC2 action handler. */
export type Ec2Handler = (world: Ec2World, params: QueryParams) => XmlObject;

/** Every implemented EC2 action. */
export const EC2_ACTIONS: Readonly<Record<string, Ec2Handler>> = {
  CreateFleet: createFleet,
  RunInstances: runInstances,
  TerminateInstances: terminateInstances,
  DescribeInstances: describeInstances,
  DescribeInstanceAttribute: describeInstanceAttribute,
  DescribeInstanceTypes: describeInstanceTypes,
  DescribeInstanceTypeOfferings: describeInstanceTypeOfferings,
  DescribeSpotPriceHistory: describeSpotPriceHistory,
  DescribeAvailabilityZones: describeAvailabilityZones,
  DescribeSubnets: describeSubnets,
  DescribeSecurityGroups: describeSecurityGroups,
  DescribeImages: describeImages,
  CreateLaunchTemplate: createLaunchTemplate,
  DescribeLaunchTemplates: describeLaunchTemplates,
  DeleteLaunchTemplate: deleteLaunchTemplate,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeCapacityReservations: (world, params) => world.reservations.describe(params),
};

/** Fleet error codes that an injected failure turns into per-pool `Errors` instead of a failed call. */
export const FLEET_POOL_ERROR_CODES: ReadonlySet<string> = new Set([
  "InsufficientInstanceCapacity",
  "UnfulfillableCapacity",
  "MaxSpotInstanceCountExceeded",
  "VcpuLimitExceeded",
  "InsufficientFreeAddressesInSubnet",
  "Unsupported",
  "SpotMaxPriceTooLow",
]);

/**
 * Runs one EC2 action (a `DryRun` that would succeed fails with `DryRunOperation`, as EC2 does). An injected
 * failure with a pool error code on CreateFleet is applied to every pool of the request instead.
 */
export function runEc2Action(
  world: Ec2World,
  action: string,
  params: QueryParams,
  injected?: { code: string; message?: string },
): XmlObject {
  if (injected && action === "CreateFleet" && FLEET_POOL_ERROR_CODES.has(injected.code)) {
    const message = injected.message ?? `Injected ${injected.code}.`;
    return createFleet(world, params, { code: injected.code, message, capacity: true });
  }
  const handler = EC2_ACTIONS[action];
  if (!handler) {
    throw new AwsApiError(
      "InvalidAction",
      `The action ${action} is not valid for this web service (not implemented by the emulator).`,
    );
  }
  if (params.bool("DryRun") === true) {
    throw new AwsApiError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
  }
  return handler(world, params);
}
