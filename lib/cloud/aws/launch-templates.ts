/**
 * Launch templates, created or reused by a content hash: the name is `stevedore/<cluster>/<hash>` of everything in
 * the template, so equal content shares one template and any change makes a new one (Karpenter's scheme). Lookup
 * is `DescribeLaunchTemplates` first, create on miss, `AlreadyExists` from a concurrent creator is success.
 * {@link LaunchTemplateManager.garbageCollect} deletes this cluster's templates no current NodeClass produces.
 */
import { createHash } from "node:crypto";
import {
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  type EC2Client,
  type LaunchTemplate,
  type LaunchTemplateBlockDeviceMappingRequest,
  type LaunchTemplateInstanceNetworkInterfaceSpecificationRequest,
  type RequestLaunchTemplateData,
} from "@aws-sdk/client-ec2";
import type { AmiFamily, BlockDeviceMapping, MetadataOptions, NetworkInterface, NodeClass } from "../../api/model.js";
import type { PlacementGroupRef } from "../../api/placement-group.js";
import type { Clock } from "../../core/clock.js";
import { parseResource } from "../../core/quantity.js";
import { TAG_EKS_CLUSTER_NAME, TAG_STEVEDORE_NODECLASS, TAG_STEVEDORE_NODECLASS_HASH } from "../../core/well-known.js";
import { type ApiGate, awsErrorCode, ec2Call } from "./retry.js";
import { toEc2Tags } from "./tags.js";

/** Everything a launch template holds. */
export interface LaunchTemplateSpec {
  imageId: string;
  /** Plain-text user data (base64-encoded here). */
  userData: string;
  /** Instance profile name. @default unset (instances get none) */
  instanceProfile?: string;
  securityGroupIds: string[];
  /** The NodeClass's mappings; empty means the family defaults. */
  blockDeviceMappings: BlockDeviceMapping[];
  amiFamily: AmiFamily;
  /** @default IMDSv2 required, hop limit 1, endpoint enabled, IPv6 disabled */
  metadataOptions?: MetadataOptions;
  detailedMonitoring: boolean;
  /** @default unset (the subnet's setting) */
  associatePublicIPAddress?: boolean;
  /**
   * The NodeClass's network interfaces, or EFA interfaces for pods that request EFA.
   * @default unset (one primary interface)
   */
  networkInterfaces?: LaunchNetworkInterface[];
  /** Tags on the template itself and its network interfaces. */
  tags: Record<string, string>;
  /** The placement group (and partition) instances launch into. @default unset */
  placementGroup?: PlacementGroupRef;
  /**
   * The capacity reservation instances launch into (targeted); a capacity block also sets the `capacity-block`
   * market. @default unset (no reservation)
   */
  capacityReservation?: { id: string; type: "default" | "capacity-block" };
}

/** A network interface in a launch template: a NodeClass entry, or `efa` for an EFA launched on demand. */
export interface LaunchNetworkInterface {
  networkCardIndex: number;
  deviceIndex: number;
  interfaceType: NetworkInterface["interfaceType"] | "efa";
}

/** IMDSv2 required, hop limit 1 (EC2NodeClass v1 defaults). */
export const DEFAULT_METADATA_OPTIONS: MetadataOptions = {
  httpEndpoint: "enabled",
  httpProtocolIPv6: "disabled",
  httpPutResponseHopLimit: 1,
  httpTokens: "required",
};

/** Family default block devices (Karpenter): encrypted gp3 root; Bottlerocket adds a 20Gi data volume. */
export function defaultBlockDeviceMappings(family: AmiFamily): BlockDeviceMapping[] {
  const gp3 = (size: string) => ({ volumeSize: size, volumeType: "gp3", encrypted: true, deleteOnTermination: true });
  switch (family) {
    case "AL2":
    case "AL2023":
      return [{ deviceName: "/dev/xvda", rootVolume: true, ebs: gp3("20Gi") }];
    case "Bottlerocket":
      return [
        { deviceName: "/dev/xvda", ebs: gp3("4Gi") },
        { deviceName: "/dev/xvdb", rootVolume: true, ebs: gp3("20Gi") },
      ];
    case "Windows2019":
    case "Windows2022":
    case "Windows2025":
      return [{ deviceName: "/dev/sda1", rootVolume: true, ebs: gp3("50Gi") }];
    default:
      return [];
  }
}

function toGiB(size: string): number {
  return Math.ceil(parseResource("ephemeral-storage", size) / 2 ** 30);
}

function blockDevices(spec: LaunchTemplateSpec): LaunchTemplateBlockDeviceMappingRequest[] {
  const bdms =
    spec.blockDeviceMappings.length > 0 ? spec.blockDeviceMappings : defaultBlockDeviceMappings(spec.amiFamily);
  return bdms.map((b) => ({
    DeviceName: b.deviceName,
    ...(b.ebs
      ? {
          Ebs: {
            ...(b.ebs.volumeSize ? { VolumeSize: toGiB(b.ebs.volumeSize) } : {}),
            VolumeType: (b.ebs.volumeType ?? "gp3") as "gp3",
            Encrypted: b.ebs.encrypted ?? true,
            DeleteOnTermination: b.ebs.deleteOnTermination ?? true,
            ...(b.ebs.iops !== undefined ? { Iops: b.ebs.iops } : {}),
            ...(b.ebs.throughput !== undefined ? { Throughput: b.ebs.throughput } : {}),
            ...(b.ebs.kmsKeyID ? { KmsKeyId: b.ebs.kmsKeyID } : {}),
            ...(b.ebs.snapshotID ? { SnapshotId: b.ebs.snapshotID } : {}),
          },
        }
      : {}),
  }));
}

/** The `LaunchTemplateData` of a spec. */
export function launchTemplateData(spec: LaunchTemplateSpec): RequestLaunchTemplateData {
  const md = spec.metadataOptions ?? DEFAULT_METADATA_OPTIONS;
  const groups = [...spec.securityGroupIds].sort();
  const data: RequestLaunchTemplateData = {
    ImageId: spec.imageId,
    UserData: Buffer.from(spec.userData, "utf8").toString("base64"),
    BlockDeviceMappings: blockDevices(spec),
    MetadataOptions: {
      HttpEndpoint: md.httpEndpoint,
      HttpProtocolIpv6: md.httpProtocolIPv6,
      HttpPutResponseHopLimit: md.httpPutResponseHopLimit,
      HttpTokens: md.httpTokens,
      InstanceMetadataTags: "disabled",
    },
    Monitoring: { Enabled: spec.detailedMonitoring },
    TagSpecifications: [{ ResourceType: "network-interface", Tags: toEc2Tags(spec.tags) }],
  };
  if (spec.instanceProfile) data.IamInstanceProfile = { Name: spec.instanceProfile };
  if (spec.placementGroup) {
    const { name, id, partition } = spec.placementGroup;
    data.Placement = {
      ...(name ? { GroupName: name } : { GroupId: id }),
      ...(partition !== undefined ? { PartitionNumber: partition } : {}),
    };
  }
  if (spec.capacityReservation) {
    data.CapacityReservationSpecification = {
      CapacityReservationTarget: { CapacityReservationId: spec.capacityReservation.id },
    };
    if (spec.capacityReservation.type === "capacity-block")
      data.InstanceMarketOptions = { MarketType: "capacity-block" };
  }
  if (spec.networkInterfaces?.length) {
    data.NetworkInterfaces = networkInterfaces(spec.networkInterfaces, groups, spec.associatePublicIPAddress);
  } else if (spec.associatePublicIPAddress !== undefined) {
    data.NetworkInterfaces = [
      { DeviceIndex: 0, AssociatePublicIpAddress: spec.associatePublicIPAddress, Groups: groups },
    ];
  } else {
    data.SecurityGroupIds = groups;
  }
  return data;
}

/**
 * Launch-template network interfaces: every one carries the security groups (EC2 takes no `SecurityGroupIds` with
 * interfaces); a public IP is only set when there is a single interface (EC2 refuses it with several).
 */
function networkInterfaces(
  nics: LaunchNetworkInterface[],
  groups: string[],
  publicIP: boolean | undefined,
): LaunchTemplateInstanceNetworkInterfaceSpecificationRequest[] {
  const sorted = [...nics].sort((a, b) => a.networkCardIndex - b.networkCardIndex || a.deviceIndex - b.deviceIndex);
  return sorted.map((n) => ({
    NetworkCardIndex: n.networkCardIndex,
    DeviceIndex: n.deviceIndex,
    InterfaceType: n.interfaceType,
    Groups: groups,
    ...(publicIP !== undefined && sorted.length === 1 ? { AssociatePublicIpAddress: publicIP } : {}),
  }));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The name prefix of this cluster's templates. */
export function launchTemplatePrefix(cluster: string): string {
  return `stevedore/${cluster}/`;
}

/** `stevedore/<cluster>/<16 hex of sha256(content)>`. */
export function launchTemplateName(cluster: string, spec: LaunchTemplateSpec): string {
  const hash = createHash("sha256")
    .update(canonical({ data: launchTemplateData(spec), tags: spec.tags }))
    .digest("hex")
    .slice(0, 16);
  return `${launchTemplatePrefix(cluster)}${hash}`;
}

/** How long a template known to exist is not looked up again. */
export const LAUNCH_TEMPLATE_CACHE_TTL_MS = 10 * 60_000;

/** Options for {@link LaunchTemplateManager.garbageCollect}. */
export interface LaunchTemplateGcOptions {
  /** Templates younger than this are kept (a launch may be using them). @default 10 minutes */
  minAgeMs?: number;
  /** Templates older than this are deleted even when current (recreated on demand). @default unset (never) */
  maxAgeMs?: number;
}

/** Creates, reuses and deletes this cluster's launch templates. */
export class LaunchTemplateManager {
  private readonly known = new Map<string, number>();

  constructor(
    private readonly ec2: EC2Client,
    private readonly gate: ApiGate,
    private readonly clock: Clock,
    readonly cluster: string,
  ) {}

  /** Ensures the template exists and returns its name. */
  async ensure(spec: LaunchTemplateSpec): Promise<string> {
    const name = launchTemplateName(this.cluster, spec);
    const seen = this.known.get(name);
    if (seen !== undefined && this.clock.now() - seen < LAUNCH_TEMPLATE_CACHE_TTL_MS) return name;
    const found = await this.gate.call(ec2Call("DescribeLaunchTemplates"), () =>
      this.ec2.send(
        new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "launch-template-name", Values: [name] }] }),
      ),
    );
    if (!(found.LaunchTemplates ?? []).some((t) => t.LaunchTemplateName === name)) {
      try {
        await this.gate.call(ec2Call("CreateLaunchTemplate"), () =>
          this.ec2.send(
            new CreateLaunchTemplateCommand({
              LaunchTemplateName: name,
              LaunchTemplateData: launchTemplateData(spec),
              TagSpecifications: [{ ResourceType: "launch-template", Tags: toEc2Tags(spec.tags) }],
            }),
          ),
        );
      } catch (err) {
        if (awsErrorCode(err) !== "InvalidLaunchTemplateName.AlreadyExistsException") throw err;
      }
    }
    this.known.set(name, this.clock.now());
    return name;
  }

  /** Forgets a template (EC2 said it does not exist); the next `ensure` looks it up again. */
  forget(name: string): void {
    this.known.delete(name);
  }

  /** This cluster's templates (by the `eks:eks-cluster-name` tag and the name prefix). */
  async list(): Promise<LaunchTemplate[]> {
    const out: LaunchTemplate[] = [];
    let token: string | undefined;
    do {
      const res = await this.gate.call(ec2Call("DescribeLaunchTemplates"), () =>
        this.ec2.send(
          new DescribeLaunchTemplatesCommand({
            Filters: [{ Name: `tag:${TAG_EKS_CLUSTER_NAME}`, Values: [this.cluster] }],
            NextToken: token,
          }),
        ),
      );
      for (const t of res.LaunchTemplates ?? []) {
        if (t.LaunchTemplateName?.startsWith(launchTemplatePrefix(this.cluster))) out.push(t);
      }
      token = res.NextToken;
    } while (token);
    return out;
  }

  /**
   * Deletes this cluster's templates that no current NodeClass produces: the class named by the template's
   * `stevedore.dev/nodeclass` tag is gone or its hash changed (or, with `maxAgeMs`, the template is old). Templates
   * younger than `minAgeMs` are kept. Returns the deleted names.
   */
  async garbageCollect(nodeClasses: NodeClass[], opts: LaunchTemplateGcOptions = {}): Promise<string[]> {
    const minAge = opts.minAgeMs ?? 10 * 60_000;
    const now = this.clock.now();
    const hashes = new Map(nodeClasses.map((c) => [c.name, c.hash]));
    const deleted: string[] = [];
    for (const t of await this.list()) {
      const name = t.LaunchTemplateName ?? "";
      const age = t.CreateTime ? now - t.CreateTime.getTime() : Number.POSITIVE_INFINITY;
      if (age < minAge) continue;
      const tags = new Map((t.Tags ?? []).map((x) => [x.Key ?? "", x.Value ?? ""]));
      const cls = tags.get(TAG_STEVEDORE_NODECLASS);
      const stale =
        !cls ||
        hashes.get(cls) === undefined ||
        hashes.get(cls) !== tags.get(TAG_STEVEDORE_NODECLASS_HASH) ||
        (opts.maxAgeMs !== undefined && age > opts.maxAgeMs);
      if (!stale) continue;
      try {
        await this.gate.call(ec2Call("DeleteLaunchTemplate"), () =>
          this.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: name })),
        );
      } catch (err) {
        if (!awsErrorCode(err)?.startsWith("InvalidLaunchTemplateName.NotFound")) throw err;
      }
      this.known.delete(name);
      deleted.push(name);
    }
    return deleted;
  }
}
