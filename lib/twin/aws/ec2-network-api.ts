/**
 * DescribeSubnets, DescribeSecurityGroups and DescribeImages.
 */
import { AwsApiError } from "./errors.js";
import { checkFilterNames, type FilterFields, matchesFilters } from "./filters.js";
import type { EmulatedImage } from "./images.js";
import type { EmulatedSecurityGroup, EmulatedSubnet } from "./network.js";
import { paginate } from "./pagination.js";
import { checkMaxResults, type QueryParams } from "./query-params.js";
import type { Ec2World } from "./world.js";
import { tagSet, type XmlObject } from "./xml.js";

function subnetFilters(world: Ec2World): FilterFields<EmulatedSubnet> {
  return {
    "subnet-id": (s) => s.subnetId,
    "vpc-id": (s) => s.vpcId,
    "availability-zone": (s) => s.zone,
    "availability-zone-id": (s) => s.zoneId,
    "cidr-block": (s) => s.cidrBlock,
    cidr: (s) => s.cidrBlock,
    state: () => "available",
    "default-for-az": (s) => s.defaultForAz,
    "map-public-ip-on-launch": (s) => s.mapPublicIpOnLaunch,
    "available-ip-address-count": (s) => world.network.availableIps(s),
    "owner-id": () => world.config.accountId,
  };
}

/** Handles DescribeSubnets. */
export function describeSubnets(world: Ec2World, params: QueryParams): XmlObject {
  const ids = params.strings("SubnetId");
  const maxResults = params.int("MaxResults");
  checkMaxResults(maxResults, 5, 1000);
  const filters = params.filters();
  const fields = subnetFilters(world);
  checkFilterNames(filters, fields, true);
  for (const id of ids) {
    if (!world.network.subnets.has(id))
      throw new AwsApiError("InvalidSubnetID.NotFound", `The subnet ID '${id}' does not exist`);
  }
  const base =
    ids.length > 0
      ? ids.map((id) => world.network.subnets.get(id) as EmulatedSubnet)
      : [...world.network.subnets.values()];
  const matching = base.filter((s) => matchesFilters(s, filters, fields, (x) => x.tags));
  const page = paginate(matching, "DescribeSubnets", maxResults ?? Number.MAX_SAFE_INTEGER, params.string("NextToken"));
  const { region, accountId } = world.config;
  return {
    subnetSet: page.items.map((s) => ({
      subnetId: s.subnetId,
      subnetArn: `arn:aws:ec2:${region}:${accountId}:subnet/${s.subnetId}`,
      state: "available",
      vpcId: s.vpcId,
      cidrBlock: s.cidrBlock,
      availableIpAddressCount: world.network.availableIps(s),
      availabilityZone: s.zone,
      availabilityZoneId: s.zoneId,
      defaultForAz: s.defaultForAz,
      mapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
      ownerId: accountId,
      assignIpv6AddressOnCreation: false,
      ipv6CidrBlockAssociationSet: [],
      tagSet: s.tags.size > 0 ? tagSet(s.tags) : undefined,
      privateDnsNameOptionsOnLaunch: {
        hostnameType: "ip-name",
        enableResourceNameDnsARecord: false,
        enableResourceNameDnsAAAARecord: false,
      },
    })),
    nextToken: page.nextToken,
  };
}

const GROUP_FILTERS: FilterFields<EmulatedSecurityGroup> = {
  "group-id": (g) => g.groupId,
  "group-name": (g) => g.groupName,
  "vpc-id": (g) => g.vpcId,
  description: (g) => g.description,
};

/** Handles DescribeSecurityGroups. */
export function describeSecurityGroups(world: Ec2World, params: QueryParams): XmlObject {
  const ids = params.strings("GroupId");
  const names = params.strings("GroupName");
  const maxResults = params.int("MaxResults");
  checkMaxResults(maxResults, 5, 1000);
  const filters = params.filters();
  checkFilterNames(filters, GROUP_FILTERS, true);
  const all = [...world.network.securityGroups.values()];
  for (const id of ids) {
    if (!world.network.securityGroups.has(id))
      throw new AwsApiError("InvalidGroup.NotFound", `The security group '${id}' does not exist`);
  }
  for (const n of names) {
    if (!all.some((g) => g.groupName === n)) {
      throw new AwsApiError(
        "InvalidGroup.NotFound",
        `The security group '${n}' does not exist in default VPC '${world.network.vpcId}'`,
      );
    }
  }
  const matching = all.filter(
    (g) =>
      (ids.length === 0 || ids.includes(g.groupId)) &&
      (names.length === 0 || names.includes(g.groupName)) &&
      matchesFilters(g, filters, GROUP_FILTERS, (x) => x.tags),
  );
  const page = paginate(
    matching,
    "DescribeSecurityGroups",
    maxResults ?? Number.MAX_SAFE_INTEGER,
    params.string("NextToken"),
  );
  const { region, accountId } = world.config;
  return {
    securityGroupInfo: page.items.map((g) => ({
      ownerId: accountId,
      groupId: g.groupId,
      groupName: g.groupName,
      groupDescription: g.description,
      vpcId: g.vpcId,
      securityGroupArn: `arn:aws:ec2:${region}:${accountId}:security-group/${g.groupId}`,
      ipPermissions: [],
      ipPermissionsEgress: [
        { ipProtocol: "-1", groups: [], ipRanges: [{ cidrIp: "0.0.0.0/0" }], ipv6Ranges: [], prefixListIds: [] },
      ],
      tagSet: g.tags.size > 0 ? tagSet(g.tags) : undefined,
    })),
    nextToken: page.nextToken,
  };
}

const IMAGE_FILTERS: FilterFields<EmulatedImage> = {
  "image-id": (i) => i.imageId,
  name: (i) => i.name,
  description: (i) => i.description,
  architecture: (i) => i.architecture,
  "owner-id": (i) => i.ownerId,
  "owner-alias": (i) => i.ownerAlias,
  state: () => "available",
  "is-public": (i) => i.public,
  "virtualization-type": () => "hvm",
  "root-device-type": () => "ebs",
  "image-type": () => "machine",
  "creation-date": (i) => i.creationDate,
};

/** Handles DescribeImages (default: public images and the account's own). */
export function describeImages(world: Ec2World, params: QueryParams): XmlObject {
  const ids = params.strings("ImageId");
  const owners = params.strings("Owner");
  const maxResults = params.int("MaxResults");
  checkMaxResults(maxResults, 5, 1000);
  const filters = params.filters();
  checkFilterNames(filters, IMAGE_FILTERS, true);
  const account = world.config.accountId;
  const missing = ids.filter((id) => !world.images.images.has(id));
  if (missing.length > 0) {
    throw new AwsApiError("InvalidAMIID.NotFound", `The image id '[${missing.join(", ")}]' does not exist`);
  }
  const ownerMatch = (i: EmulatedImage) =>
    owners.length === 0
      ? i.public || i.ownerId === account
      : owners.some((o) =>
          o === "self" ? i.ownerId === account : o === i.ownerId || (i.ownerAlias !== undefined && o === i.ownerAlias),
        );
  const base =
    ids.length > 0 ? ids.map((id) => world.images.images.get(id) as EmulatedImage) : [...world.images.images.values()];
  const matching = base.filter((i) => ownerMatch(i) && matchesFilters(i, filters, IMAGE_FILTERS, (x) => x.tags));
  const page = paginate(matching, "DescribeImages", maxResults ?? Number.MAX_SAFE_INTEGER, params.string("NextToken"));
  return {
    imagesSet: page.items.map((i) => ({
      imageId: i.imageId,
      imageLocation: `${i.ownerAlias ?? i.ownerId}/${i.name}`,
      imageState: "available",
      imageOwnerId: i.ownerId,
      creationDate: i.creationDate,
      isPublic: i.public,
      architecture: i.architecture,
      imageType: "machine",
      imageOwnerAlias: i.ownerAlias,
      name: i.name,
      description: i.description,
      rootDeviceType: "ebs",
      rootDeviceName: i.rootDeviceName,
      blockDeviceMapping: [
        {
          deviceName: i.rootDeviceName,
          ebs: {
            snapshotId: `snap-${i.imageId.slice(4)}`,
            volumeSize: 20,
            deleteOnTermination: true,
            volumeType: "gp3",
            encrypted: false,
          },
        },
      ],
      virtualizationType: "hvm",
      hypervisor: "xen",
      enaSupport: true,
      platformDetails: "Linux/UNIX",
      usageOperation: "RunInstances",
      bootMode: i.architecture === "arm64" ? "uefi" : "uefi-preferred",
      tagSet: i.tags.size > 0 ? tagSet(i.tags) : undefined,
    })),
    nextToken: page.nextToken,
  };
}
