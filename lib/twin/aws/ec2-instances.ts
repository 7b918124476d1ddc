/**
 * RunInstances, DescribeInstances (filters, MaxResults/NextToken, reservations), TerminateInstances,
 * DescribeInstanceAttribute, CreateTags and DeleteTags.
 */
import type { PurchaseOption } from "./capacity.js";
import type { EmulatedInstanceType } from "./catalog.js";
import { iamArn } from "./ec2-fleet.js";
import { instanceXml, reservationsXml, reservationXml, stateXml } from "./ec2-render.js";
import { AwsApiError, invalidParameterValue, missingParameter } from "./errors.js";
import { checkFilterNames, type FilterFields, matchesFilters } from "./filters.js";
import { idempotentRequest } from "./idempotency.js";
import type { EmulatedImage } from "./images.js";
import { type EmulatedInstance, STATE_CODE } from "./instances.js";
import { type EmulatedLaunchTemplate, type LaunchTemplateVersion, TemplateData } from "./launch-templates.js";
import type { EmulatedSubnet } from "./network.js";
import { paginate } from "./pagination.js";
import { checkMaxResults, type QueryParams } from "./query-params.js";
import { checkTags, type Ec2World, type LaunchSpec } from "./world.js";
import type { XmlObject } from "./xml.js";

const INSTANCE_FILTERS: FilterFields<EmulatedInstance> = {
  "instance-id": (i) => i.instanceId,
  "instance-state-name": (i) => i.state,
  "instance-state-code": (i) => STATE_CODE[i.state],
  "instance-type": (i) => i.instanceType,
  "availability-zone": (i) => i.zone,
  "client-token": (i) => i.clientToken,
  "instance-lifecycle": (i) => (i.lifecycle === "spot" ? "spot" : undefined),
  "subnet-id": (i) => i.subnetId,
  "vpc-id": (i) => i.vpcId,
  "image-id": (i) => i.imageId,
  "private-ip-address": (i) => i.privateIpAddress,
  "private-dns-name": (i) => i.privateDnsName,
  "reservation-id": (i) => i.reservationId,
  architecture: (i) => i.architecture,
  "key-name": (i) => i.keyName,
  "spot-instance-request-id": (i) => i.spotInstanceRequestId,
  "instance.group-id": (i) => i.securityGroupIds,
};

const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

function notFound(ids: string[]): AwsApiError {
  return ids.length === 1
    ? new AwsApiError("InvalidInstanceID.NotFound", `The instance ID '${ids[0]}' does not exist`)
    : new AwsApiError("InvalidInstanceID.NotFound", `The instance IDs '${ids.join(", ")}' do not exist`);
}

/** Looks up instance ids as EC2 does (malformed first, then missing). */
export function requireInstances(world: Ec2World, ids: string[]): EmulatedInstance[] {
  const malformed = ids.find((id) => !INSTANCE_ID.test(id));
  if (malformed !== undefined) throw new AwsApiError("InvalidInstanceID.Malformed", `Invalid id: "${malformed}"`);
  const missing = ids.filter((id) => !world.instances.get(id));
  if (missing.length > 0) throw notFound(missing);
  return ids.map((id) => world.instances.get(id) as EmulatedInstance);
}

/** What a RunInstances call resolved: its template, image, type, subnet, groups, purchase option and tags. */
interface RunRequest {
  resolved?: { template: EmulatedLaunchTemplate; version: LaunchTemplateVersion };
  data: TemplateData;
  image: EmulatedImage;
  type: EmulatedInstanceType;
  subnet: EmulatedSubnet;
  securityGroupIds: string[];
  lifecycle: PurchaseOption;
  /** The tags of a resource type: the template's, then the request's. */
  tagsFor(resourceType: string): Map<string, string>;
}

/** MinCount and MaxCount, checked. */
function readCounts(params: QueryParams): { min: number; max: number } {
  const min = params.int("MinCount");
  const max = params.int("MaxCount");
  if (min === undefined) throw missingParameter("MinCount");
  if (max === undefined) throw missingParameter("MaxCount");
  if (min < 1 || max < min)
    throw invalidParameterValue("MinCount", String(min), "MinCount must be at least 1 and not above MaxCount");
  return { min, max };
}

/** The subnet named (by the request or the template), else the default subnet of the placement zone. */
function runSubnet(world: Ec2World, params: QueryParams, data: TemplateData): EmulatedSubnet {
  const subnetId = params.string("SubnetId") ?? data.subnetId;
  if (subnetId !== undefined) {
    const subnet = world.network.subnets.get(subnetId);
    if (!subnet) throw new AwsApiError("InvalidSubnetID.NotFound", `The subnet ID '${subnetId}' does not exist`);
    return subnet;
  }
  const zone = params.child("Placement")?.string("AvailabilityZone") ?? data.zone ?? world.config.zones[0];
  const subnet = zone !== undefined ? world.network.defaultSubnetFor(zone) : undefined;
  if (!subnet) throw invalidParameterValue("AvailabilityZone", zone ?? "(none)", "no subnet in that zone");
  return subnet;
}

/** The security groups of the request (else the template's), each of which must exist. */
function runSecurityGroups(world: Ec2World, params: QueryParams, data: TemplateData): string[] {
  const groups = params.strings("SecurityGroupId");
  const securityGroupIds = groups.length > 0 ? groups : data.securityGroupIds;
  for (const g of securityGroupIds) {
    if (!world.network.securityGroups.has(g))
      throw new AwsApiError("InvalidGroup.NotFound", `The security group '${g}' does not exist`);
  }
  return securityGroupIds;
}

/** Resolves and checks everything a RunInstances call names, in the order EC2 reports problems. */
function readRunRequest(world: Ec2World, params: QueryParams): RunRequest {
  const ltSpec = params.child("LaunchTemplate");
  const resolved = ltSpec
    ? world.templates.resolve({
        launchTemplateId: ltSpec.string("LaunchTemplateId"),
        launchTemplateName: ltSpec.string("LaunchTemplateName"),
        version: ltSpec.string("Version"),
      })
    : undefined;
  const data = new TemplateData(resolved?.version.data ?? {});
  const imageId = params.string("ImageId") ?? data.imageId;
  if (imageId === undefined) throw missingParameter("ImageId");
  const image = world.images.images.get(imageId);
  if (!image) throw new AwsApiError("InvalidAMIID.NotFound", `The image id '[${imageId}]' does not exist`);
  const typeName = params.string("InstanceType") ?? data.instanceType;
  if (typeName === undefined) throw missingParameter("InstanceType");
  const type = world.catalog.get(typeName);
  if (!type) throw invalidParameterValue("InstanceType", typeName);
  const subnet = runSubnet(world, params, data);
  const securityGroupIds = runSecurityGroups(world, params, data);
  const market = params.child("InstanceMarketOptions")?.string("MarketType") ?? data.marketType;
  const lifecycle: PurchaseOption = market === "spot" ? "spot" : "on-demand";
  const tagSpecs = params.tagSpecifications();
  for (const s of tagSpecs) checkTags(s.tags.map((t) => [t.key, t.value]));
  const tagsFor = (rt: string) =>
    new Map(
      [...data.tagsFor(rt), ...tagSpecs.filter((s) => s.resourceType === rt).flatMap((s) => s.tags)].map((t) => [
        t.key,
        t.value,
      ]),
    );
  return { resolved, data, image, type, subnet, securityGroupIds, lifecycle, tagsFor };
}

/** How many instances fit (capacity and free addresses); fails when the pool cannot launch at least `min`. */
function runRoom(world: Ec2World, run: RunRequest, min: number): number {
  const { type, subnet, image, lifecycle } = run;
  const problem = world.launchProblem(type, subnet, image, lifecycle);
  if (problem) throw new AwsApiError(problem.code, problem.message);
  const room = Math.min(
    world.capacity.remaining(type.name, subnet.zone, lifecycle, world.now()),
    world.network.availableIps(subnet),
  );
  if (room < min) {
    throw new AwsApiError(
      "InsufficientInstanceCapacity",
      `There is not enough capacity to launch ${min} ${type.name} instances in ${subnet.zone}.`,
    );
  }
  return room;
}

/** The launch of one instance of the call; request fields win over the template's. */
function runLaunchSpec(world: Ec2World, params: QueryParams, run: RunRequest, reservationId: string): LaunchSpec {
  const { resolved, data } = run;
  return {
    type: run.type,
    subnet: run.subnet,
    image: run.image,
    lifecycle: run.lifecycle,
    reservationId,
    clientToken: params.string("ClientToken"),
    launchTemplate: resolved && {
      launchTemplateId: resolved.template.launchTemplateId,
      launchTemplateName: resolved.template.launchTemplateName,
      version: resolved.version.versionNumber,
    },
    userData: params.string("UserData") ?? data.userData,
    securityGroupIds: run.securityGroupIds,
    tags: run.tagsFor("instance"),
    volumeTags: run.tagsFor("volume"),
    keyName: params.string("KeyName") ?? data.keyName,
    iamInstanceProfileArn:
      params.child("IamInstanceProfile")?.string("Arn") ??
      iamArn(world, params.child("IamInstanceProfile")?.string("Name")) ??
      data.iamInstanceProfile?.arn ??
      iamArn(world, data.iamInstanceProfile?.name),
    httpTokens: params.child("MetadataOptions")?.string("HttpTokens") ?? data.httpTokens,
  };
}

/** Handles RunInstances. */
export function runInstances(world: Ec2World, params: QueryParams): XmlObject {
  const idempotency = idempotentRequest(world, "RunInstances", params);
  if (idempotency.replay) return idempotency.replay;
  const { min, max } = readCounts(params);
  const run = readRunRequest(world, params);
  const room = runRoom(world, run, min);
  const reservationId = `r-${world.random.hex(17)}`;
  const launched: EmulatedInstance[] = [];
  for (let n = 0; n < Math.min(max, room); n++) {
    if (n >= min && world.launchProblem(run.type, run.subnet, run.image, run.lifecycle)) break;
    launched.push(world.launch(runLaunchSpec(world, params, run, reservationId)));
  }
  return idempotency.record(reservationXml(reservationId, launched, world));
}

/** Handles DescribeInstances. */
export function describeInstances(world: Ec2World, params: QueryParams): XmlObject {
  const ids = params.strings("InstanceId");
  const maxResults = params.int("MaxResults");
  if (ids.length > 0 && maxResults !== undefined) {
    throw new AwsApiError(
      "InvalidParameterCombination",
      "The parameter instancesSet cannot be used with the parameter maxResults",
    );
  }
  checkMaxResults(maxResults, 5, 1000);
  const filters = params.filters();
  checkFilterNames(filters, INSTANCE_FILTERS, true);
  const base = ids.length > 0 ? requireInstances(world, ids) : world.instances.all();
  const matching = base.filter((i) => matchesFilters(i, filters, INSTANCE_FILTERS, (x) => x.tags));
  const page = paginate(
    matching,
    "DescribeInstances",
    maxResults ?? Number.MAX_SAFE_INTEGER,
    params.string("NextToken"),
  );
  return { reservationSet: reservationsXml(page.items, world), nextToken: page.nextToken };
}

/** Handles TerminateInstances. */
export function terminateInstances(world: Ec2World, params: QueryParams): XmlObject {
  const ids = params.strings("InstanceId");
  if (ids.length === 0) throw missingParameter("InstanceId");
  requireInstances(world, ids);
  const now = world.now();
  return {
    instancesSet: ids.map((id) => {
      const previous = world.instances.terminate(id, now) as EmulatedInstance["state"];
      const current = (world.instances.get(id) as EmulatedInstance).state;
      return { instanceId: id, currentState: stateXml(current), previousState: stateXml(previous) };
    }),
  };
}

/** Handles DescribeInstanceAttribute (userData, instanceType, rootDeviceName, disableApiTermination, groupSet). */
export function describeInstanceAttribute(world: Ec2World, params: QueryParams): XmlObject {
  const id = params.requiredString("InstanceId");
  const attribute = params.requiredString("Attribute");
  const [i] = requireInstances(world, [id]) as [EmulatedInstance];
  switch (attribute) {
    case "userData":
      return { instanceId: id, userData: i.userData !== undefined ? { value: i.userData } : {} };
    case "instanceType":
      return { instanceId: id, instanceType: { value: i.instanceType } };
    case "rootDeviceName":
      return { instanceId: id, rootDeviceName: { value: i.rootDeviceName } };
    case "disableApiTermination":
      return { instanceId: id, disableApiTermination: { value: false } };
    case "groupSet":
      return { instanceId: id, groupSet: (instanceXml(i, world).groupSet ?? []) as XmlObject[] };
    default:
      throw invalidParameterValue(
        "Attribute",
        attribute,
        "the emulator supports userData, instanceType, rootDeviceName, disableApiTermination, groupSet",
      );
  }
}

function requireTaggable(world: Ec2World, id: string): Map<string, string> {
  const tags = world.tagsOf(id);
  if (tags) return tags;
  if (id.startsWith("i-")) throw notFound([id]);
  if (id.startsWith("lt-")) {
    throw new AwsApiError(
      "InvalidLaunchTemplateId.NotFound",
      `The specified launch template, with template ID ${id}, does not exist.`,
    );
  }
  if (id.startsWith("ami-")) throw new AwsApiError("InvalidAMIID.NotFound", `The image id '[${id}]' does not exist`);
  throw new AwsApiError("InvalidID", `The ID '${id}' is not valid`);
}

/** Handles CreateTags. */
export function createTags(world: Ec2World, params: QueryParams): XmlObject {
  const resources = params.strings("ResourceId");
  if (resources.length === 0) throw missingParameter("ResourceId");
  const tags = params.list("Tag").map((t) => [t.requiredString("Key"), t.string("Value") ?? ""] as [string, string]);
  checkTags(tags);
  const targets = resources.map((id) => requireTaggable(world, id));
  for (const target of targets) {
    const added = tags.filter(([k]) => !target.has(k)).length;
    checkTags([], [...target.keys()].filter((k) => !k.startsWith("aws:")).length + added);
    for (const [k, v] of tags) target.set(k, v);
  }
  return { return: true };
}

/** Handles DeleteTags (a tag with a value is removed only when the value matches; no tags = all user tags). */
export function deleteTags(world: Ec2World, params: QueryParams): XmlObject {
  const resources = params.strings("ResourceId");
  if (resources.length === 0) throw missingParameter("ResourceId");
  const tags = params.list("Tag").map((t) => ({ key: t.requiredString("Key"), value: t.string("Value") }));
  for (const id of resources) {
    const target = requireTaggable(world, id);
    if (tags.length === 0) {
      for (const k of [...target.keys()]) if (!k.startsWith("aws:")) target.delete(k);
      continue;
    }
    for (const t of tags) {
      if (t.key.startsWith("aws:"))
        throw new AwsApiError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
      if (t.value === undefined || target.get(t.key) === t.value) target.delete(t.key);
    }
  }
  return { return: true };
}
