/**
 * Capacity, overhead and allocatable of an EC2 instance type by Karpenter's AWS formulas
 * (`pkg/providers/instancetype/types.go` in aws/karpenter-provider-aws: kube-reserved, system-reserved, eviction
 * thresholds and VM memory overhead). Pure: no I/O.
 *
 * With the defaults (AL2023, 20Gi root volume, no kubelet overrides) the result equals the values Karpenter
 * advertises in its generated instance-type docs (`karpenterAllocatableAL2023` in the bundled data) for every
 * complete type; `test/catalog/golden-allocatable.test.ts` asserts it.
 */
import type { AmiFamily, BlockDeviceMapping, KubeletConfig, NetworkInterface } from "../../api/model.js";
import { parseResource, type Resources } from "../../core/quantity.js";
import type { CompleteInstanceTypeRecord, InstanceTypeRecord } from "./catalog-record.js";
import { efaOnlyCount, efaOnlyOnDefaultCard } from "./network-interfaces.js";

const MIB = 2 ** 20;
const GIB = 2 ** 30;

/** Karpenter's default `VM_MEMORY_OVERHEAD_PERCENT`. */
export const DEFAULT_VM_MEMORY_OVERHEAD_PERCENT = 0.075;
/** Karpenter's `amifamily.DefaultEBS.VolumeSize`. */
export const DEFAULT_EPHEMERAL_STORAGE_BYTES = 20 * GIB;
/** Pods per node when the AMI family does not use ENI-limited density (Windows). */
export const DEFAULT_NON_ENI_MAX_PODS = 110;

/** Extended resource names Karpenter's AWS provider puts on capacity. */
export const RESOURCE_NVIDIA_GPU = "nvidia.com/gpu";
export const RESOURCE_AMD_GPU = "amd.com/gpu";
export const RESOURCE_HABANA_GAUDI = "habana.ai/gaudi";
export const RESOURCE_AWS_NEURON = "aws.amazon.com/neuron";
export const RESOURCE_AWS_NEURON_CORE = "aws.amazon.com/neuroncore";
export const RESOURCE_POD_ENI = "vpc.amazonaws.com/pod-eni";
export const RESOURCE_EFA = "vpc.amazonaws.com/efa";
export const RESOURCE_PRIVATE_IPV4 = "vpc.amazonaws.com/PrivateIPv4Address";

/**
 * NeuronCores per Neuron device, by accelerator name. DescribeInstanceTypes reports this as
 * `NeuronInfo.NeuronDevices[0].CoreInfo.Count`; the bundled data lacks that field, so the per-generation
 * values are listed here (Inferentia 4, Inferentia2 2, Trainium 2, Trainium2 8).
 */
const NEURON_CORES_PER_DEVICE: Record<string, number> = {
  inferentia: 4,
  inferentia2: 2,
  trainium: 2,
  trainium2: 8,
};

/** Behaviour switches per AMI family (Karpenter's `amifamily.FeatureFlags`). */
export interface AmiFamilyFlags {
  /** Pods default to the ENI-limited count (else 110). */
  supportsEniLimitedPodDensity: boolean;
  /** kube-reserved memory uses the ENI-limited pod count even when maxPods is overridden. */
  usesEniLimitedMemoryOverhead: boolean;
  /** `podsPerCore` caps pods. */
  podsPerCoreEnabled: boolean;
}

/** Feature flags of an AMI family, as Karpenter defines them. */
export function amiFamilyFlags(family: AmiFamily): AmiFamilyFlags {
  switch (family) {
    case "Bottlerocket":
      return { supportsEniLimitedPodDensity: true, usesEniLimitedMemoryOverhead: false, podsPerCoreEnabled: false };
    case "Windows2019":
    case "Windows2022":
    case "Windows2025":
      return { supportsEniLimitedPodDensity: false, usesEniLimitedMemoryOverhead: false, podsPerCoreEnabled: true };
    default:
      return { supportsEniLimitedPodDensity: true, usesEniLimitedMemoryOverhead: true, podsPerCoreEnabled: true };
  }
}

/** True for the Windows AMI families. */
export function isWindowsFamily(family: AmiFamily): boolean {
  return family === "Windows2019" || family === "Windows2022" || family === "Windows2025";
}

/** Inputs besides the raw record. */
export interface AllocatableOptions {
  /** @default {} (no overrides) */
  kubelet?: KubeletConfig;
  /** @default "AL2023" */
  amiFamily?: AmiFamily;
  /**
   * Size of the volume that holds ephemeral storage, in bytes (see {@link resolveEphemeralStorageBytes}).
   * @default 20Gi
   */
  ephemeralStorageBytes?: number;
  /** Karpenter's `RESERVED_ENIS` setting (ENIs kept away from pods). @default 0 */
  reservedENIs?: number;
  /** Karpenter's `VM_MEMORY_OVERHEAD_PERCENT`. @default 0.075 */
  vmMemoryOverheadPercent?: number;
  /**
   * The NodeClass's network interfaces: EFA-only ones on the default card take ENIs from pods, and the node's EFA
   * devices are the EFA-only interfaces. @default unset (the type's EFAs, all ENIs for pods)
   */
  networkInterfaces?: readonly NetworkInterface[];
}

/** Capacity and the parts of overhead, internal units (cpu millicores, bytes). */
export interface ComputedResources {
  capacity: Resources;
  kubeReserved: Resources;
  systemReserved: Resources;
  evictionThreshold: Resources;
  /** kubeReserved + systemReserved + evictionThreshold. */
  overhead: Resources;
  /** capacity − overhead, per capacity key, never below 0. */
  allocatable: Resources;
}

/**
 * ENI-limited max pods: `(ENIs on the default card − reservedENIs) × (IPv4 per ENI − 1) + 2`, 0 when no ENI is
 * usable. Falls back to the record's `maxPods` (vpc-cni's table, same formula) when ENI data is missing.
 */
export function eniLimitedPods(record: InstanceTypeRecord, reservedENIs = 0): number | undefined {
  const enis = record.defaultCardNetworkInterfaces;
  const ips = record.ipv4PerEni;
  if (enis === undefined || ips === undefined) return reservedENIs === 0 ? record.maxPods : undefined;
  const usable = Math.max(enis - reservedENIs, 0);
  if (usable === 0) return 0;
  return usable * (ips - 1) + 2;
}

/** Memory capacity in MiB: raw MiB (−64 on arm64), minus `ceil(× vmMemoryOverheadPercent)`. */
export function memoryCapacityMiB(record: CompleteInstanceTypeRecord, vmOverhead = DEFAULT_VM_MEMORY_OVERHEAD_PERCENT) {
  const mib = record.memoryMiB - (record.arch === "arm64" ? 64 : 0);
  return mib - Math.ceil(mib * vmOverhead);
}

/** Pod capacity: maxPods, else ENI-limited (families that use it), else 110; capped by podsPerCore × vCPU. */
export function podCapacity(
  record: CompleteInstanceTypeRecord,
  family: AmiFamily,
  kubelet: KubeletConfig,
  reservedENIs = 0,
): number {
  const flags = amiFamilyFlags(family);
  let count: number;
  if (kubelet.maxPods !== undefined) count = kubelet.maxPods;
  else if (flags.supportsEniLimitedPodDensity) count = eniLimitedPods(record, reservedENIs) ?? DEFAULT_NON_ENI_MAX_PODS;
  else count = DEFAULT_NON_ENI_MAX_PODS;
  if ((kubelet.podsPerCore ?? 0) > 0 && flags.podsPerCoreEnabled) {
    count = Math.min(count, (kubelet.podsPerCore as number) * record.vcpu);
  }
  return count;
}

/** Default kube-reserved CPU in millicores: 6 % of core 1, 1 % of core 2, 0.5 % of cores 3–4, 0.25 % above. */
export function kubeReservedCpuMillis(vcpu: number): number {
  const cpu = vcpu * 1000;
  const tiers: [number, number, number][] = [
    [0, 1000, 0.06],
    [1000, 2000, 0.01],
    [2000, 4000, 0.005],
    [4000, 2 ** 31, 0.0025],
  ];
  let total = 0;
  for (const [start, end, pct] of tiers) {
    if (cpu < start) continue;
    const range = cpu < end ? cpu - start : end - start;
    total += Math.trunc(range * pct);
  }
  return total;
}

/**
 * Extended resources a type offers (only non-zero counts are listed). EFA: the EFA-only interfaces of the NodeClass
 * when it names network interfaces, else every EFA the type supports (attached at launch when pods request them).
 */
export function extendedResources(
  record: InstanceTypeRecord,
  family: AmiFamily,
  nics?: readonly NetworkInterface[],
): Resources {
  const out: Resources = {};
  const gpus = record.gpuCount ?? 0;
  if (gpus > 0) {
    const byManufacturer: Record<string, string> = {
      nvidia: RESOURCE_NVIDIA_GPU,
      amd: RESOURCE_AMD_GPU,
      habana: RESOURCE_HABANA_GAUDI,
    };
    const key = byManufacturer[record.gpuManufacturer ?? ""];
    if (key) out[key] = gpus;
  }
  const neuronCores = NEURON_CORES_PER_DEVICE[record.acceleratorName ?? ""];
  if (record.acceleratorManufacturer === "aws" && neuronCores !== undefined && (record.acceleratorCount ?? 0) > 0) {
    out[RESOURCE_AWS_NEURON] = record.acceleratorCount as number;
    out[RESOURCE_AWS_NEURON_CORE] = (record.acceleratorCount as number) * neuronCores;
  }
  if ((record.podEniCount ?? 0) > 0) out[RESOURCE_POD_ENI] = record.podEniCount as number;
  const efas = nics && nics.length > 0 ? Math.min(efaOnlyCount(nics), record.efaCount ?? 0) : (record.efaCount ?? 0);
  if (efas > 0) out[RESOURCE_EFA] = efas;
  if (isWindowsFamily(family) && record.ipv4PerEni !== undefined) out[RESOURCE_PRIVATE_IPV4] = record.ipv4PerEni - 1;
  return out;
}

/** Percent (`"10%"`, 100 % meaning disabled = 0) of capacity, or an absolute quantity. */
function evictionSignal(resource: string, capacity: number, value: string): number {
  const v = value.trim();
  if (v.endsWith("%")) {
    let pct = Number(v.slice(0, -1));
    if (!Number.isFinite(pct)) throw new RangeError(`${JSON.stringify(value)} is not a valid percentage`);
    if (pct === 100) pct = 0;
    return Math.ceil((capacity / 100) * pct);
  }
  return parseResource(resource, v);
}

function parseMap(map: Record<string, string> | undefined): Resources {
  const out: Resources = {};
  for (const [k, v] of Object.entries(map ?? {})) out[k] = parseResource(k, v);
  return out;
}

/**
 * Capacity, kube-reserved, system-reserved, eviction threshold and allocatable of one instance type.
 *
 * - capacity: cpu = vCPU; memory per {@link memoryCapacityMiB}; ephemeral-storage = `ephemeralStorageBytes`;
 *   pods per {@link podCapacity}; extended resources per {@link extendedResources}.
 * - kube-reserved: memory `11 × pods + 255` MiB, where pods is the ENI-limited count (reserved ENIs 0) for
 *   AL2/AL2023/Custom and the actual pod capacity for Bottlerocket/Windows; CPU tiered
 *   ({@link kubeReservedCpuMillis}); ephemeral-storage 1Gi; each key of `kubelet.kubeReserved` replaces the value.
 * - system-reserved: `kubelet.systemReserved` verbatim.
 * - eviction threshold: memory 100Mi, ephemeral-storage `ceil(10 %)`; `evictionHard["memory.available"]` and
 *   `["nodefs.available"]` replace them (percent of capacity or quantity). `evictionSoft` does not affect
 *   allocatable (as in current Karpenter).
 */
export function computeResources(record: CompleteInstanceTypeRecord, opts: AllocatableOptions = {}): ComputedResources {
  const family = opts.amiFamily ?? "AL2023";
  const kubelet = opts.kubelet ?? {};
  const flags = amiFamilyFlags(family);
  const storage = opts.ephemeralStorageBytes ?? DEFAULT_EPHEMERAL_STORAGE_BYTES;
  const memory = memoryCapacityMiB(record, opts.vmMemoryOverheadPercent) * MIB;
  const reservedENIs = (opts.reservedENIs ?? 0) + efaOnlyOnDefaultCard(opts.networkInterfaces);
  const pods = podCapacity(record, family, kubelet, reservedENIs);
  const capacity: Resources = {
    cpu: record.vcpu * 1000,
    memory,
    "ephemeral-storage": storage,
    pods,
    ...extendedResources(record, family, opts.networkInterfaces),
  };

  const reservedPods = flags.usesEniLimitedMemoryOverhead ? (eniLimitedPods(record, 0) ?? pods) : pods;
  const kubeReserved: Resources = {
    cpu: kubeReservedCpuMillis(record.vcpu),
    memory: (11 * reservedPods + 255) * MIB,
    "ephemeral-storage": GIB,
    ...parseMap(kubelet.kubeReserved),
  };
  const systemReserved = parseMap(kubelet.systemReserved);
  const evictionThreshold: Resources = { memory: 100 * MIB, "ephemeral-storage": Math.ceil((storage / 100) * 10) };
  const hard = kubelet.evictionHard ?? {};
  if (hard["memory.available"] !== undefined) {
    evictionThreshold.memory = evictionSignal("memory", memory, hard["memory.available"]);
  }
  if (hard["nodefs.available"] !== undefined) {
    evictionThreshold["ephemeral-storage"] = evictionSignal("ephemeral-storage", storage, hard["nodefs.available"]);
  }

  const overhead: Resources = {};
  for (const part of [kubeReserved, systemReserved, evictionThreshold]) {
    for (const [k, v] of Object.entries(part)) overhead[k] = (overhead[k] ?? 0) + v;
  }
  const allocatable: Resources = {};
  for (const [k, v] of Object.entries(capacity)) allocatable[k] = Math.max(0, v - (overhead[k] ?? 0));
  return { capacity, kubeReserved, systemReserved, evictionThreshold, overhead, allocatable };
}

/** Where ephemeral storage lives, as a NodeClass describes it. */
export interface EphemeralStorageSource {
  /** @default "AL2023" */
  amiFamily?: AmiFamily;
  /** @default [] (the family's default mappings) */
  blockDeviceMappings?: BlockDeviceMapping[];
  /** `RAID0` puts ephemeral storage on the instance store. @default unset */
  instanceStorePolicy?: "RAID0";
}

/** Device that holds ephemeral storage, and its default size, per AMI family (Karpenter's AMI family defaults). */
function familyEphemeralDevice(family: AmiFamily): { device: string; bytes: number } | undefined {
  switch (family) {
    case "AL2":
    case "AL2023":
      return { device: "/dev/xvda", bytes: 20 * GIB };
    case "Bottlerocket":
      return { device: "/dev/xvdb", bytes: 20 * GIB };
    case "Windows2019":
    case "Windows2022":
    case "Windows2025":
      return { device: "/dev/sda1", bytes: 50 * GIB };
    default:
      return undefined;
  }
}

/**
 * Ephemeral-storage capacity in bytes, in Karpenter's order: RAID0 instance store (total GB, decimal); a block
 * device marked `rootVolume`; for Custom the last mapping; else the family's ephemeral device (mapping or family
 * default); else 20Gi.
 */
export function resolveEphemeralStorageBytes(record: InstanceTypeRecord, src: EphemeralStorageSource = {}): number {
  if (src.instanceStorePolicy === "RAID0" && record.localNvmeGB !== undefined) return record.localNvmeGB * 1e9;
  const family = src.amiFamily ?? "AL2023";
  const bdms = src.blockDeviceMappings ?? [];
  const size = (b: BlockDeviceMapping | undefined) =>
    b?.ebs?.volumeSize !== undefined ? parseResource("ephemeral-storage", b.ebs.volumeSize) : undefined;
  const defaults = familyEphemeralDevice(family);
  if (bdms.length > 0) {
    const root = size(bdms.find((b) => b.rootVolume));
    if (root !== undefined) return root;
    if (family === "Custom") return size(bdms[bdms.length - 1]) ?? DEFAULT_EPHEMERAL_STORAGE_BYTES;
    const own = size(bdms.find((b) => b.deviceName === defaults?.device));
    if (own !== undefined) return own;
  }
  return defaults?.bytes ?? DEFAULT_EPHEMERAL_STORAGE_BYTES;
}
