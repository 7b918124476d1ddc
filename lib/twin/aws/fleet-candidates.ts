/**
 * The candidate pools of a CreateFleet request: one per launch template config × override × subnet (every default
 * subnet of the zone, or of every zone, when the override names no subnet). Request problems (unknown template or
 * subnet, subnet in another zone) fail the whole call; problems of one pool (no or unknown instance type or image,
 * unknown security group) are kept on the candidate and reported as that pool's error.
 */
import type { EmulatedInstanceType } from "./catalog.js";
import { AwsApiError, invalidParameterValue, missingParameter } from "./errors.js";
import type { EmulatedImage } from "./images.js";
import { type EmulatedLaunchTemplate, type LaunchTemplateVersion, TemplateData } from "./launch-templates.js";
import type { EmulatedSubnet } from "./network.js";
import type { QueryParams } from "./query-params.js";
import type { Ec2World, LaunchProblem } from "./world.js";
import type { XmlObject } from "./xml.js";

/** One pool a fleet may launch into. */
export interface Candidate {
  index: number;
  template: EmulatedLaunchTemplate;
  version: LaunchTemplateVersion;
  data: TemplateData;
  requestedVersion: string;
  requestedName?: string;
  overrides: XmlObject;
  type?: EmulatedInstanceType;
  subnet: EmulatedSubnet;
  image?: EmulatedImage;
  priority: number;
  maxPrice?: number;
  /** A problem that holds for every unit (request-shaped). */
  problem?: LaunchProblem;
}

/** The launch template specification of a candidate, as the response shows it. */
export function templateSpecXml(c: Candidate): XmlObject {
  return {
    launchTemplateId: c.template.launchTemplateId,
    launchTemplateName: c.requestedName,
    version: c.requestedVersion,
  };
}

/** The subnets an override launches into: the named one, or the default subnet of its zone (or of every zone). */
function overrideSubnets(world: Ec2World, subnetId: string | undefined, zone: string | undefined): EmulatedSubnet[] {
  if (subnetId !== undefined) {
    const s = world.network.subnets.get(subnetId);
    if (!s) throw new AwsApiError("InvalidSubnetID.NotFound", `The subnet ID '${subnetId}' does not exist`);
    if (zone !== undefined && s.zone !== zone) {
      throw new AwsApiError(
        "InvalidParameterCombination",
        `The subnet '${subnetId}' is in Availability Zone ${s.zone}, not ${zone}.`,
      );
    }
    return [s];
  }
  const zones = zone !== undefined ? [zone] : world.config.zones;
  const subnets = zones.map((z) => world.network.defaultSubnetFor(z)).filter((s): s is EmulatedSubnet => !!s);
  if (subnets.length === 0) throw invalidParameterValue("AvailabilityZone", zone ?? "(none)", "no subnet in that zone");
  return subnets;
}

/** What keeps a pool from launching whatever the capacity: a missing or unknown type, image or security group. */
function poolProblem(
  typeName: string | undefined,
  type: EmulatedInstanceType | undefined,
  imageId: string | undefined,
  image: EmulatedImage | undefined,
  missingGroup: string | undefined,
): LaunchProblem | undefined {
  if (typeName === undefined) {
    return {
      code: "MissingParameter",
      message: "The request must contain the parameter InstanceType",
      capacity: false,
    };
  }
  if (!type) {
    return { code: "InvalidParameterValue", message: `Invalid value '${typeName}' for InstanceType.`, capacity: false };
  }
  if (imageId === undefined) {
    return { code: "MissingParameter", message: "The request must contain the parameter ImageId", capacity: false };
  }
  if (!image) {
    return { code: "InvalidAMIID.NotFound", message: `The image id '[${imageId}]' does not exist`, capacity: false };
  }
  if (missingGroup !== undefined) {
    return {
      code: "InvalidGroup.NotFound",
      message: `The security group '${missingGroup}' does not exist`,
      capacity: false,
    };
  }
  return undefined;
}

/** The template a launch template config names, resolved. */
interface ResolvedConfig {
  template: EmulatedLaunchTemplate;
  version: LaunchTemplateVersion;
  data: TemplateData;
  requestedVersion: string;
  requestedName?: string;
}

/** Appends the candidates of one override (or of the template alone when `ov` is undefined). */
function addOverrideCandidates(
  world: Ec2World,
  config: ResolvedConfig,
  ov: QueryParams | undefined,
  out: Candidate[],
): void {
  const { data } = config;
  const typeName = ov?.string("InstanceType") ?? data.instanceType;
  const subnets = overrideSubnets(
    world,
    ov?.string("SubnetId") ?? data.subnetId,
    ov?.string("AvailabilityZone") ?? data.zone,
  );
  const imageId = ov?.string("ImageId") ?? data.imageId;
  const missingGroup = data.securityGroupIds.find((g) => !world.network.securityGroups.has(g));
  for (const subnet of subnets) {
    const type = typeName !== undefined ? world.catalog.get(typeName) : undefined;
    const image = imageId !== undefined ? world.images.images.get(imageId) : undefined;
    const problem = poolProblem(typeName, type, imageId, image, missingGroup);
    const maxPrice = ov?.number("MaxPrice");
    const priority = ov?.number("Priority");
    out.push({
      index: out.length,
      ...config,
      overrides: {
        instanceType: typeName,
        maxPrice: maxPrice !== undefined ? String(maxPrice) : undefined,
        subnetId: subnet.subnetId,
        availabilityZone: subnet.zone,
        priority,
        imageId: ov?.string("ImageId"),
      },
      type,
      subnet,
      image,
      priority: priority ?? Number.POSITIVE_INFINITY,
      maxPrice,
      problem,
    });
  }
}

/** Every candidate pool of the request, in request order. */
export function buildCandidates(world: Ec2World, params: QueryParams): Candidate[] {
  const configs = params.list("LaunchTemplateConfigs");
  if (configs.length === 0) throw missingParameter("LaunchTemplateConfigs");
  const out: Candidate[] = [];
  for (const config of configs) {
    const spec = config.child("LaunchTemplateSpecification");
    if (!spec) throw missingParameter("LaunchTemplateConfigs.N.LaunchTemplateSpecification");
    const requestedVersion = spec.string("Version") ?? "$Default";
    const { template, version } = world.templates.resolve({
      launchTemplateId: spec.string("LaunchTemplateId"),
      launchTemplateName: spec.string("LaunchTemplateName"),
      version: requestedVersion,
    });
    const resolved: ResolvedConfig = {
      template,
      version,
      data: new TemplateData(version.data),
      requestedVersion,
      requestedName: spec.string("LaunchTemplateName"),
    };
    const overrides = config.list("Overrides");
    for (const ov of overrides.length > 0 ? overrides : [undefined]) addOverrideCandidates(world, resolved, ov, out);
  }
  return out;
}
