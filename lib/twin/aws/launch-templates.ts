/**
 * Launch templates: versions hold the `LaunchTemplateData` exactly as the request sent it (decoded query tree), so
 * every field round-trips; {@link renderTemplateData} renders it back in the response shape
 * (`ResponseLaunchTemplateData`), and {@link TemplateData} gives launches typed access to the fields they use.
 */
import { AwsApiError } from "./errors.js";
import { type QueryNode, QueryParams } from "./query-params.js";
import type { SeededRandom } from "./random.js";
import { XmlList, type XmlObject, type XmlValue } from "./xml.js";

/** One version of a template. */
export interface LaunchTemplateVersion {
  versionNumber: number;
  data: QueryNode;
  createTimeMs: number;
  description?: string;
}

/** A launch template. */
export interface EmulatedLaunchTemplate {
  launchTemplateId: string;
  launchTemplateName: string;
  createTimeMs: number;
  createdBy: string;
  defaultVersion: number;
  versions: LaunchTemplateVersion[];
  tags: Map<string, string>;
}

/** How a request names a template and version. */
export interface TemplateReference {
  launchTemplateId?: string;
  launchTemplateName?: string;
  /** A number, `$Latest` or `$Default`. @default "$Default" */
  version?: string;
}

/** EC2's limit on launch templates per region. */
export const MAX_LAUNCH_TEMPLATES = 5000;

/** EC2's limit on decoded user data. */
export const MAX_USER_DATA_BYTES = 16_384;

const NAME_PATTERN = /^[a-zA-Z0-9().\-/_]{3,128}$/;

/** Response element names of lists in launch template data (request key → response key). */
const LIST_ELEMENT: Record<string, string> = {
  BlockDeviceMapping: "blockDeviceMappingSet",
  NetworkInterface: "networkInterfaceSet",
  TagSpecification: "tagSpecificationSet",
  Tag: "tagSet",
  SecurityGroupId: "securityGroupIdSet",
  SecurityGroup: "securityGroupSet",
  ElasticGpuSpecification: "elasticGpuSpecificationSet",
  ElasticInferenceAccelerator: "elasticInferenceAcceleratorSet",
  LicenseSpecification: "licenseSet",
  MetricCategoryId: "metricCategoryIdSet",
  Ipv6Addresses: "ipv6AddressesSet",
  PrivateIpAddresses: "privateIpAddressesSet",
  Ipv4Prefix: "ipv4PrefixSet",
  Ipv6Prefix: "ipv6PrefixSet",
};

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function renderValue(key: string, value: QueryNode[string], parent: string): [string, XmlValue] {
  if (typeof value === "string") return [lowerFirst(key), value];
  if (Array.isArray(value)) {
    const items = value.map((item) => (typeof item === "string" ? item : renderNode(item as QueryNode, key)));
    // Network interfaces list their security groups as <groupSet><groupId>…</groupId></groupSet>.
    if (parent === "NetworkInterface" && key === "SecurityGroupId") return ["groupSet", new XmlList(items, "groupId")];
    return [LIST_ELEMENT[key] ?? `${lowerFirst(key)}Set`, items];
  }
  return [lowerFirst(key), renderNode(value as QueryNode, key)];
}

function renderNode(node: QueryNode, parent: string): XmlObject {
  const out: XmlObject = {};
  for (const [k, v] of Object.entries(node)) {
    const [name, rendered] = renderValue(k, v, parent);
    out[name] = rendered;
  }
  return out;
}

/** Renders stored request-shaped template data as `ResponseLaunchTemplateData`. */
export function renderTemplateData(data: QueryNode): XmlObject {
  return renderNode(data, "LaunchTemplateData");
}

/** Typed reads of the template fields a launch uses. */
export class TemplateData {
  private readonly p: QueryParams;

  constructor(readonly node: QueryNode) {
    this.p = new QueryParams(node, "LaunchTemplateData");
  }

  get imageId(): string | undefined {
    return this.p.string("ImageId");
  }
  get instanceType(): string | undefined {
    return this.p.string("InstanceType");
  }
  get userData(): string | undefined {
    return this.p.string("UserData");
  }
  get keyName(): string | undefined {
    return this.p.string("KeyName");
  }
  get zone(): string | undefined {
    return this.p.child("Placement")?.string("AvailabilityZone");
  }
  /** Security groups from `SecurityGroupId` or the first network interface's groups. */
  get securityGroupIds(): string[] {
    const direct = this.p.strings("SecurityGroupId");
    if (direct.length > 0) return direct;
    return this.p.list("NetworkInterface")[0]?.strings("SecurityGroupId") ?? [];
  }
  /** Subnet named by the first network interface. */
  get subnetId(): string | undefined {
    return this.p.list("NetworkInterface")[0]?.string("SubnetId");
  }
  get iamInstanceProfile(): { arn?: string; name?: string } | undefined {
    const c = this.p.child("IamInstanceProfile");
    return c ? { arn: c.string("Arn"), name: c.string("Name") } : undefined;
  }
  /** The capacity reservation the template targets. */
  get capacityReservationId(): string | undefined {
    return this.p
      .child("CapacityReservationSpecification")
      ?.child("CapacityReservationTarget")
      ?.string("CapacityReservationId");
  }
  get marketType(): string | undefined {
    return this.p.child("InstanceMarketOptions")?.string("MarketType");
  }
  get httpTokens(): string | undefined {
    return this.p.child("MetadataOptions")?.string("HttpTokens");
  }
  /** Tags the template applies to a resource type at launch. */
  tagsFor(resourceType: string): Array<{ key: string; value: string }> {
    return this.p
      .tagSpecifications()
      .filter((s) => s.resourceType === resourceType)
      .flatMap((s) => s.tags);
  }
  /** Block device mappings (device name, volume size GiB, type, encrypted). */
  get blockDevices(): Array<{ deviceName?: string; volumeSize?: number; volumeType?: string; encrypted?: boolean }> {
    return this.p.list("BlockDeviceMapping").map((b) => ({
      deviceName: b.string("DeviceName"),
      volumeSize: b.child("Ebs")?.int("VolumeSize"),
      volumeType: b.child("Ebs")?.string("VolumeType"),
      encrypted: b.child("Ebs")?.bool("Encrypted"),
    }));
  }
}

/** Validates base64 user data and its decoded size. */
export function checkUserData(userData: string | undefined): void {
  if (userData === undefined) return;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(userData) || userData.length % 4 !== 0) {
    throw new AwsApiError("InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.");
  }
  if (Buffer.from(userData, "base64").length > MAX_USER_DATA_BYTES) {
    throw new AwsApiError("InvalidParameterValue", `User data is limited to ${MAX_USER_DATA_BYTES} bytes`);
  }
}

/** The launch templates of the emulated region. */
export class LaunchTemplateStore {
  private readonly byId = new Map<string, EmulatedLaunchTemplate>();

  constructor(
    private readonly random: SeededRandom,
    private readonly createdBy: string,
  ) {}

  /** Every template, by creation. */
  all(): EmulatedLaunchTemplate[] {
    return [...this.byId.values()];
  }

  /** Creates a template with version 1. */
  create(
    name: string,
    data: QueryNode,
    tags: Map<string, string>,
    nowMs: number,
    description?: string,
  ): EmulatedLaunchTemplate {
    if (!NAME_PATTERN.test(name)) {
      throw new AwsApiError(
        "InvalidLaunchTemplateName.MalformedException",
        "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.",
      );
    }
    if (this.findByName(name)) {
      throw new AwsApiError("InvalidLaunchTemplateName.AlreadyExistsException", `Launch template name already in use.`);
    }
    if (this.byId.size >= MAX_LAUNCH_TEMPLATES) {
      throw new AwsApiError(
        "MaxTemplateLimitExceeded",
        `You've reached the maximum number of launch templates allowed (${MAX_LAUNCH_TEMPLATES}).`,
      );
    }
    checkUserData(new TemplateData(data).userData);
    const template: EmulatedLaunchTemplate = {
      launchTemplateId: `lt-${this.random.hex(17)}`,
      launchTemplateName: name,
      createTimeMs: nowMs,
      createdBy: this.createdBy,
      defaultVersion: 1,
      versions: [{ versionNumber: 1, data, createTimeMs: nowMs, description }],
      tags,
    };
    this.byId.set(template.launchTemplateId, template);
    return template;
  }

  /** The template with this id, or undefined. */
  get(id: string): EmulatedLaunchTemplate | undefined {
    return this.byId.get(id);
  }

  /** The template with this name, or undefined. */
  findByName(name: string): EmulatedLaunchTemplate | undefined {
    for (const t of this.byId.values()) if (t.launchTemplateName === name) return t;
    return undefined;
  }

  /** The template a reference names; throws EC2's not-found errors. */
  find(ref: TemplateReference): EmulatedLaunchTemplate {
    if (ref.launchTemplateId !== undefined) {
      if (!/^lt-[0-9a-f]{17}$/.test(ref.launchTemplateId)) {
        throw new AwsApiError(
          "InvalidLaunchTemplateId.Malformed",
          `The specified ID for the launch template (${ref.launchTemplateId}) is not valid. Launch template IDs must be in the form lt-xxxxxxxxxxxxxxxxx.`,
        );
      }
      const t = this.byId.get(ref.launchTemplateId);
      if (!t) {
        throw new AwsApiError(
          "InvalidLaunchTemplateId.NotFound",
          `The specified launch template, with template ID ${ref.launchTemplateId}, does not exist.`,
        );
      }
      return t;
    }
    if (ref.launchTemplateName !== undefined) {
      const t = this.findByName(ref.launchTemplateName);
      if (!t) {
        throw new AwsApiError(
          "InvalidLaunchTemplateName.NotFoundException",
          `The specified launch template, with template name ${ref.launchTemplateName}, does not exist.`,
        );
      }
      return t;
    }
    throw new AwsApiError(
      "MissingParameter",
      "The request must contain the parameter LaunchTemplateId or LaunchTemplateName",
    );
  }

  /** The template and version a reference names. */
  resolve(ref: TemplateReference): { template: EmulatedLaunchTemplate; version: LaunchTemplateVersion } {
    const template = this.find(ref);
    const version = this.version(template, ref.version ?? "$Default");
    return { template, version };
  }

  /** A version by number, `$Latest` or `$Default`. */
  version(template: EmulatedLaunchTemplate, spec: string): LaunchTemplateVersion {
    const number =
      spec === "$Latest"
        ? (template.versions.at(-1) as LaunchTemplateVersion).versionNumber
        : spec === "$Default"
          ? template.defaultVersion
          : Number(spec);
    const found = template.versions.find((v) => v.versionNumber === number);
    if (!found) {
      throw new AwsApiError(
        "InvalidLaunchTemplateId.VersionNotFound",
        `Could not find launch template version ${spec} for launch template ID ${template.launchTemplateId}.`,
      );
    }
    return found;
  }

  /** Deletes a template (instances launched from it are unaffected). */
  delete(ref: TemplateReference): EmulatedLaunchTemplate {
    const t = this.find(ref);
    this.byId.delete(t.launchTemplateId);
    return t;
  }

  /** The response `LaunchTemplate` shape. */
  static render(t: EmulatedLaunchTemplate): XmlObject {
    return {
      launchTemplateId: t.launchTemplateId,
      launchTemplateName: t.launchTemplateName,
      createTime: new Date(t.createTimeMs),
      createdBy: t.createdBy,
      defaultVersionNumber: t.defaultVersion,
      latestVersionNumber: (t.versions.at(-1) as LaunchTemplateVersion).versionNumber,
      tagSet: t.tags.size > 0 ? [...t.tags].map(([key, value]) => ({ key, value })) : undefined,
    };
  }
}
