/**
 * Fields shared by node classes (`AWSNodeTemplate` v1alpha1, `EC2NodeClass` v1beta1/v1): tags, block device
 * mappings with per-family defaults, instance metadata options, and the hash used for drift.
 */
import { parseQuantityBase } from "../core/quantity.js";
import {
  type Checker,
  childPath,
  indexPath,
  isAbsent,
  keyPath,
  readBool,
  readEnum,
  readInt,
  readList,
  readObject,
  readQuantity,
  readString,
  readStringMap,
} from "./fields.js";
import { stableHash } from "./hash.js";
import { restrictedTagReason } from "./labels.js";
import type { AmiFamily, ApiFlavor, BlockDeviceMapping, MetadataOptions, NodeClass } from "./model.js";

/** EBS volume types. */
export const VOLUME_TYPES = ["standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"] as const;

/** Karpenter's default block devices per AMI family (Custom: the AMI's own). */
export function defaultBlockDeviceMappings(family: AmiFamily): BlockDeviceMapping[] {
  const ebs = (size: string) => ({ volumeSize: size, volumeType: "gp3", encrypted: true, deleteOnTermination: true });
  switch (family) {
    case "AL2":
    case "AL2023":
      return [{ deviceName: "/dev/xvda", rootVolume: true, ebs: ebs("20Gi") }];
    case "Bottlerocket":
      return [
        { deviceName: "/dev/xvda", ebs: ebs("4Gi") },
        { deviceName: "/dev/xvdb", rootVolume: true, ebs: ebs("20Gi") },
      ];
    case "Windows2019":
    case "Windows2022":
    case "Windows2025":
      return [{ deviceName: "/dev/sda1", rootVolume: true, ebs: ebs("50Gi") }];
    case "Custom":
      return [];
  }
}

/** Karpenter's default metadata options: v1alpha1 hop limit 2, v1 hop limit 1; IMDSv2 required in both. */
export function defaultMetadataOptions(flavor: ApiFlavor): MetadataOptions {
  return {
    httpEndpoint: "enabled",
    httpProtocolIPv6: "disabled",
    httpPutResponseHopLimit: flavor === "v1alpha5" ? 2 : 1,
    httpTokens: "required",
  };
}

const GI = 2 ** 30;

/** Reads `blockDeviceMappings`; absent → the family's defaults. User mappings get gp3/encrypted/deleteOnTermination defaults. */
export function readBlockDeviceMappings(
  c: Checker,
  v: unknown,
  path: string,
  family: AmiFamily,
  allowRootVolume: boolean,
): BlockDeviceMapping[] {
  const list = readList(c, v, path, { max: 50 });
  if (!list) return defaultBlockDeviceMappings(family);
  const out: BlockDeviceMapping[] = [];
  const devices = new Set<string>();
  let roots = 0;
  list.forEach((item, i) => {
    const p = indexPath(path, i);
    const o = readObject(c, item, p, {
      known: allowRootVolume ? ["deviceName", "ebs", "rootVolume"] : ["deviceName", "ebs"],
      required: true,
    });
    if (!o) return;
    const deviceName = readString(c, o.deviceName, childPath(p, "deviceName"), { required: true, nonEmpty: true });
    if (deviceName !== undefined) {
      if (devices.has(deviceName))
        c.report(childPath(p, "deviceName"), `duplicate device ${JSON.stringify(deviceName)}`);
      devices.add(deviceName);
    }
    const rootVolume = readBool(c, o.rootVolume, childPath(p, "rootVolume"));
    if (rootVolume) roots++;
    if (rootVolume && roots === 2)
      c.report(childPath(p, "rootVolume"), "only one block device mapping can be the root volume");
    const ep = childPath(p, "ebs");
    const ebs = readObject(c, o.ebs, ep, {
      known: [
        "deleteOnTermination",
        "encrypted",
        "iops",
        "kmsKeyID",
        "snapshotID",
        "throughput",
        "volumeSize",
        "volumeType",
      ],
      unsupported: { volumeInitializationRate: "EBS volume initialization rate" },
    });
    const mapping: BlockDeviceMapping = { deviceName: deviceName ?? "" };
    if (rootVolume !== undefined) mapping.rootVolume = rootVolume;
    if (ebs) {
      const volumeSize = readQuantity(c, ebs.volumeSize, childPath(ep, "volumeSize"));
      if (volumeSize !== undefined) {
        const bytes = parseQuantityBase(volumeSize);
        if (bytes < GI || bytes > 64 * 2 ** 40)
          c.report(childPath(ep, "volumeSize"), `${volumeSize} is not between 1Gi and 64Ti`);
      }
      const snapshotID = readString(c, ebs.snapshotID, childPath(ep, "snapshotID"), { nonEmpty: true });
      if (volumeSize === undefined && snapshotID === undefined && isAbsent(ebs.volumeSize)) {
        c.report(ep, "needs volumeSize or snapshotID");
      }
      const volumeType = readEnum(c, ebs.volumeType, childPath(ep, "volumeType"), VOLUME_TYPES) ?? "gp3";
      const iops = readInt(c, ebs.iops, childPath(ep, "iops"), { min: 100, max: 256000 });
      if (iops !== undefined && !["io1", "io2", "gp3"].includes(volumeType)) {
        c.report(childPath(ep, "iops"), `can only be set for io1, io2 and gp3 volumes (not ${volumeType})`);
      }
      const throughput = readInt(c, ebs.throughput, childPath(ep, "throughput"), { min: 125, max: 2000 });
      if (throughput !== undefined && volumeType !== "gp3") {
        c.report(childPath(ep, "throughput"), `can only be set for gp3 volumes (not ${volumeType})`);
      }
      const encrypted = readBool(c, ebs.encrypted, childPath(ep, "encrypted"));
      const kmsKeyID = readString(c, ebs.kmsKeyID, childPath(ep, "kmsKeyID"), { nonEmpty: true });
      if (kmsKeyID !== undefined && encrypted === false) c.report(childPath(ep, "kmsKeyID"), "needs encrypted: true");
      mapping.ebs = {
        volumeType,
        encrypted: encrypted ?? (snapshotID === undefined ? true : undefined),
        deleteOnTermination: readBool(c, ebs.deleteOnTermination, childPath(ep, "deleteOnTermination")) ?? true,
      };
      if (mapping.ebs.encrypted === undefined) delete mapping.ebs.encrypted;
      if (volumeSize !== undefined) mapping.ebs.volumeSize = volumeSize;
      if (iops !== undefined) mapping.ebs.iops = iops;
      if (throughput !== undefined) mapping.ebs.throughput = throughput;
      if (kmsKeyID !== undefined) mapping.ebs.kmsKeyID = kmsKeyID;
      if (snapshotID !== undefined) mapping.ebs.snapshotID = snapshotID;
    } else if (isAbsent(o.ebs)) {
      c.report(ep, "is required");
    }
    out.push(mapping);
  });
  return out;
}

/** Reads `metadataOptions`, filling Karpenter's defaults for the flavour. */
export function readMetadataOptions(c: Checker, v: unknown, path: string, flavor: ApiFlavor): MetadataOptions {
  const out = defaultMetadataOptions(flavor);
  const o = readObject(c, v, path, {
    known: ["httpEndpoint", "httpProtocolIPv6", "httpPutResponseHopLimit", "httpTokens"],
  });
  if (!o) return out;
  const at = (f: string) => childPath(path, f);
  out.httpEndpoint =
    readEnum(c, o.httpEndpoint, at("httpEndpoint"), ["enabled", "disabled"] as const) ?? out.httpEndpoint;
  out.httpProtocolIPv6 =
    readEnum(c, o.httpProtocolIPv6, at("httpProtocolIPv6"), ["enabled", "disabled"] as const) ?? out.httpProtocolIPv6;
  out.httpPutResponseHopLimit =
    readInt(c, o.httpPutResponseHopLimit, at("httpPutResponseHopLimit"), { min: 1, max: 64 }) ??
    out.httpPutResponseHopLimit;
  out.httpTokens = readEnum(c, o.httpTokens, at("httpTokens"), ["required", "optional"] as const) ?? out.httpTokens;
  return out;
}

/** Reads EC2 tags: keys 1..128 characters, values ≤ 256, no keys Stevedore sets itself. */
export function readTags(c: Checker, v: unknown, path: string, flavor: ApiFlavor): Record<string, string> {
  const tags = readStringMap(c, v, path) ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    const p = keyPath(path, key);
    const problem =
      key.length === 0 || key.length > 128
        ? "tag keys must be 1 to 128 characters"
        : key.toLowerCase().startsWith("aws:")
          ? `tag ${JSON.stringify(key)} is restricted (the aws: prefix is reserved by AWS)`
          : value.length > 256
            ? "tag values must be at most 256 characters"
            : restrictedTagReason(key, flavor);
    if (problem) c.report(p, problem);
    else out[key] = value;
  }
  return out;
}

/**
 * The hash of everything that shapes a launched instance. `capacityReservationSelectorTerms` is left out: selecting
 * more or fewer reservations changes where new nodes launch, not the nodes that run (as in Karpenter, where the
 * field does not drift nodes).
 */
export function nodeClassHash(nc: Omit<NodeClass, "hash">): string {
  return stableHash({
    amiFamily: nc.amiFamily,
    subnetSelectorTerms: nc.subnetSelectorTerms,
    securityGroupSelectorTerms: nc.securityGroupSelectorTerms,
    amiSelectorTerms: nc.amiSelectorTerms,
    role: nc.role,
    instanceProfile: nc.instanceProfile,
    userData: nc.userData,
    tags: nc.tags,
    blockDeviceMappings: nc.blockDeviceMappings,
    metadataOptions: nc.metadataOptions,
    detailedMonitoring: nc.detailedMonitoring,
    associatePublicIPAddress: nc.associatePublicIPAddress,
    kubelet: nc.kubelet,
    instanceStorePolicy: nc.instanceStorePolicy,
    placementGroup: nc.placementGroup,
    networkInterfaces: nc.networkInterfaces,
    context: nc.context,
  });
}
