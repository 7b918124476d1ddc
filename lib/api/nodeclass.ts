/**
 * `karpenter.k8s.aws/v1alpha1` `AWSNodeTemplate` and `karpenter.k8s.aws/v1` / `v1beta1` `EC2NodeClass`
 * → {@link NodeClass}.
 */
import { readCapacityReservationTerms } from "./capacity-reservations.js";
import { type DocContext, readConfigEnvelope, sourceOf } from "./document.js";
import { type Checker, childPath, isAbsent, readBool, readEnum, readObject, readString } from "./fields.js";
import { readKubelet } from "./kubelet.js";
import type { AmiFamily, NodeClass } from "./model.js";
import { readNetworkInterfaces } from "./network-interfaces.js";
import { nodeClassHash, readBlockDeviceMappings, readMetadataOptions, readTags } from "./nodeclass-fields.js";
import { readPlacementGroupFields } from "./placement-group.js";
import { aliasFamily, readSelectorMap, readSelectorTerms } from "./selectors.js";

/** AMI families Stevedore can launch. */
export const AMI_FAMILIES: readonly AmiFamily[] = [
  "AL2",
  "AL2023",
  "Bottlerocket",
  "Custom",
  "Windows2019",
  "Windows2022",
  "Windows2025",
];
const UNSUPPORTED_FAMILIES = ["Ubuntu"];

function readAmiFamily(c: Checker, v: unknown, path: string): AmiFamily | undefined {
  if (typeof v === "string" && UNSUPPORTED_FAMILIES.includes(v)) {
    c.report(path, `not supported by Stevedore: AMI family ${v} (use one of ${AMI_FAMILIES.join(", ")})`);
    return undefined;
  }
  return readEnum(c, v, path, AMI_FAMILIES);
}

/** Validates an `AWSNodeTemplate` and normalises it (AMI family defaults to AL2, as in Karpenter v0.31). */
export function parseAWSNodeTemplate(c: Checker, doc: Record<string, unknown>, ctx: DocContext): NodeClass | undefined {
  const spec =
    readObject(c, readConfigEnvelope(c, doc), "spec", {
      known: [
        "subnetSelector",
        "securityGroupSelector",
        "amiFamily",
        "amiSelector",
        "instanceProfile",
        "userData",
        "tags",
        "blockDeviceMappings",
        "metadataOptions",
        "detailedMonitoring",
        "context",
      ],
      unsupported: {
        launchTemplateName: "bring-your-own launch templates; describe the instance with node-class fields instead",
        launchTemplate: "bring-your-own launch templates; describe the instance with node-class fields instead",
      },
      required: true,
    }) ?? {};
  const flavor = "v1alpha5";
  const amiFamily = readAmiFamily(c, spec.amiFamily, "spec.amiFamily") ?? "AL2";
  const amiSelectorTerms = readSelectorMap(c, spec.amiSelector, "spec.amiSelector", "ami");
  if (amiFamily === "Custom" && isAbsent(spec.amiSelector)) {
    c.report("spec.amiSelector", "is required when amiFamily is Custom");
  }
  const nc: Omit<NodeClass, "hash"> = {
    name: ctx.name,
    flavor,
    source: sourceOf(ctx),
    amiFamily,
    subnetSelectorTerms: readSelectorMap(c, spec.subnetSelector, "spec.subnetSelector", "subnet", { required: true }),
    securityGroupSelectorTerms: readSelectorMap(
      c,
      spec.securityGroupSelector,
      "spec.securityGroupSelector",
      "securityGroup",
      {
        required: true,
      },
    ),
    amiSelectorTerms,
    tags: readTags(c, spec.tags, "spec.tags", flavor),
    blockDeviceMappings: readBlockDeviceMappings(
      c,
      spec.blockDeviceMappings,
      "spec.blockDeviceMappings",
      amiFamily,
      false,
    ),
    metadataOptions: readMetadataOptions(c, spec.metadataOptions, "spec.metadataOptions", flavor),
    detailedMonitoring: readBool(c, spec.detailedMonitoring, "spec.detailedMonitoring") ?? false,
  };
  const instanceProfile = readString(c, spec.instanceProfile, "spec.instanceProfile", { nonEmpty: true });
  if (instanceProfile !== undefined) nc.instanceProfile = instanceProfile;
  const userData = readString(c, spec.userData, "spec.userData");
  if (userData !== undefined) nc.userData = userData;
  const context = readString(c, spec.context, "spec.context", { nonEmpty: true });
  if (context !== undefined) nc.context = context;
  return { ...nc, hash: nodeClassHash(nc) };
}

/** Reads an `EC2NodeClass`'s spec: its known fields (`kubelet` only in v1) and the unsupported ones. */
function readEC2NodeClassSpec(c: Checker, doc: Record<string, unknown>, beta: boolean): Record<string, unknown> {
  const known = [
    "amiFamily",
    "amiSelectorTerms",
    "subnetSelectorTerms",
    "securityGroupSelectorTerms",
    "role",
    "instanceProfile",
    "userData",
    "tags",
    "blockDeviceMappings",
    "metadataOptions",
    "detailedMonitoring",
    "associatePublicIPAddress",
    "instanceStorePolicy",
    "placementGroup",
    "placementGroupSelector",
    "context",
  ];
  if (!beta) known.push("kubelet", "capacityReservationSelectorTerms", "networkInterfaces");
  return (
    readObject(c, readConfigEnvelope(c, doc), "spec", {
      known,
      unsupported: {
        ...(beta ? { networkInterfaces: "network interfaces need karpenter.k8s.aws/v1" } : {}),
        ipPrefixCount: "prefix delegation on network interfaces",
        ...(beta
          ? { capacityReservationSelectorTerms: "capacity reservations in karpenter.k8s.aws/v1beta1 (use v1)" }
          : {}),
        connectionTracking: "connection tracking settings",
        cpuOptions: "CPU options",
        enclaveOptions: "Nitro Enclaves",
      },
      required: true,
    }) ?? {}
  );
}

/**
 * Reads the AMI selector terms and the AMI family: written in `amiFamily`, or implied by an `alias` term (v1 only),
 * the two agreeing when both are given.
 */
function readEC2Ami(
  c: Checker,
  spec: Record<string, unknown>,
  beta: boolean,
): { amiSelectorTerms: NodeClass["amiSelectorTerms"]; amiFamily: AmiFamily } {
  const amiSelectorTerms = readSelectorTerms(c, spec.amiSelectorTerms, "spec.amiSelectorTerms", "ami", {
    required: !beta,
  });
  const aliasIndex = amiSelectorTerms.findIndex((t) => t.alias !== undefined);
  const aliasPath = `spec.amiSelectorTerms[${Math.max(aliasIndex, 0)}].alias`;
  if (beta && aliasIndex >= 0) c.report(aliasPath, "aliases are not available in karpenter.k8s.aws/v1beta1");
  const fromAlias =
    aliasIndex >= 0 ? aliasFamily(c, amiSelectorTerms[aliasIndex].alias as string, aliasPath) : undefined;
  const written = readAmiFamily(c, spec.amiFamily, "spec.amiFamily");
  // With an alias, amiFamily may be the alias's family or Custom (the alias picks the AMI, userData is used verbatim).
  if (written !== undefined && fromAlias !== undefined && written !== fromAlias && written !== "Custom") {
    c.report(
      "spec.amiFamily",
      `${JSON.stringify(written)} does not match ${aliasPath} (${fromAlias}); with an alias it may only be ${fromAlias} or Custom`,
    );
  }
  if (isAbsent(spec.amiFamily) && aliasIndex < 0) {
    c.report("spec.amiFamily", beta ? "is required" : "is required unless spec.amiSelectorTerms has an alias");
  }
  return { amiSelectorTerms, amiFamily: written ?? fromAlias ?? "AL2023" };
}

/** Reads the node's IAM identity: exactly one of `role` and `instanceProfile`. */
function readEC2Identity(c: Checker, spec: Record<string, unknown>): { role?: string; instanceProfile?: string } {
  const role = readString(c, spec.role, "spec.role", { nonEmpty: true });
  const instanceProfile = readString(c, spec.instanceProfile, "spec.instanceProfile", { nonEmpty: true });
  if (isAbsent(spec.role) === isAbsent(spec.instanceProfile)) {
    c.report(
      "spec",
      isAbsent(spec.role) ? "needs one of role or instanceProfile" : "role and instanceProfile are mutually exclusive",
    );
  }
  return { role, instanceProfile };
}

/**
 * Sets the optional fields that are written: user data, public IP, kubelet and network interfaces (v1 only),
 * instance store policy, fleet context.
 */
function addEC2Optionals(c: Checker, spec: Record<string, unknown>, beta: boolean, nc: Omit<NodeClass, "hash">): void {
  const userData = readString(c, spec.userData, "spec.userData");
  if (userData !== undefined) nc.userData = userData;
  const publicIP = readBool(c, spec.associatePublicIPAddress, "spec.associatePublicIPAddress");
  if (publicIP !== undefined) nc.associatePublicIPAddress = publicIP;
  const kubelet = beta ? undefined : readKubelet(c, spec.kubelet, childPath("spec", "kubelet"));
  if (kubelet) nc.kubelet = kubelet;
  const storePolicy = readEnum(c, spec.instanceStorePolicy, "spec.instanceStorePolicy", ["RAID0"] as const);
  if (storePolicy) nc.instanceStorePolicy = storePolicy;
  const placementGroup = readPlacementGroupFields(c, spec, beta);
  if (placementGroup) nc.placementGroup = placementGroup;
  if (!beta && !isAbsent(spec.capacityReservationSelectorTerms)) {
    const terms = readCapacityReservationTerms(
      c,
      spec.capacityReservationSelectorTerms,
      "spec.capacityReservationSelectorTerms",
    );
    if (terms.length > 0) nc.capacityReservationSelectorTerms = terms;
  }
  const nics = beta ? undefined : readNetworkInterfaces(c, spec.networkInterfaces, "spec.networkInterfaces");
  if (nics && nics.length > 0) nc.networkInterfaces = nics;
  if (publicIP === true && (nics?.length ?? 0) > 1) {
    c.report(
      "spec.associatePublicIPAddress",
      "cannot be true with more than one network interface (EC2 assigns public IPs only to single-interface launches)",
    );
  }
  const context = readString(c, spec.context, "spec.context", { nonEmpty: true });
  if (context !== undefined) nc.context = context;
}

/** Validates an `EC2NodeClass` (v1 or v1beta1) and normalises it. */
export function parseEC2NodeClass(c: Checker, doc: Record<string, unknown>, ctx: DocContext): NodeClass | undefined {
  const beta = ctx.apiVersion === "karpenter.k8s.aws/v1beta1";
  const spec = readEC2NodeClassSpec(c, doc, beta);
  const flavor = "v1";
  const { amiSelectorTerms, amiFamily } = readEC2Ami(c, spec, beta);
  const { role, instanceProfile } = readEC2Identity(c, spec);
  const nc: Omit<NodeClass, "hash"> = {
    name: ctx.name,
    flavor,
    source: sourceOf(ctx),
    amiFamily,
    subnetSelectorTerms: readSelectorTerms(c, spec.subnetSelectorTerms, "spec.subnetSelectorTerms", "subnet", {
      required: true,
    }),
    securityGroupSelectorTerms: readSelectorTerms(
      c,
      spec.securityGroupSelectorTerms,
      "spec.securityGroupSelectorTerms",
      "securityGroup",
      { required: true },
    ),
    amiSelectorTerms,
    tags: readTags(c, spec.tags, "spec.tags", flavor),
    blockDeviceMappings: readBlockDeviceMappings(
      c,
      spec.blockDeviceMappings,
      "spec.blockDeviceMappings",
      amiFamily,
      true,
    ),
    metadataOptions: readMetadataOptions(c, spec.metadataOptions, "spec.metadataOptions", flavor),
    detailedMonitoring: readBool(c, spec.detailedMonitoring, "spec.detailedMonitoring") ?? false,
  };
  if (role !== undefined) nc.role = role;
  if (instanceProfile !== undefined) nc.instanceProfile = instanceProfile;
  addEC2Optionals(c, spec, beta, nc);
  return { ...nc, hash: nodeClassHash(nc) };
}
