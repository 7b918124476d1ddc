/**
 * The raw EC2 instance-type record as stored in `data/instance-types.json` (see `data/SOURCES.md` for where each
 * field comes from). Pure data shape: no I/O.
 */

/** Karpenter's advertised AL2023 allocatable (golden values from its generated docs). */
export interface AdvertisedAllocatable {
  cpu: string;
  memory: string;
  "ephemeral-storage"?: string;
  pods: number;
}

/**
 * One EC2 instance type. Partial records (no `vcpu`/`memoryMiB`/`arch`) exist in the data for types Karpenter's
 * docs do not list; use {@link isCompleteRecord} to filter.
 */
export interface InstanceTypeRecord {
  name: string;
  /** Text before the first `.` of the name. */
  family: string;
  /** Text after the first `.` of the name. */
  size: string;
  generation?: number;
  category?: string;
  /** `amd64` | `arm64`. */
  arch?: string;
  /** DefaultVCpus. */
  vcpu?: number;
  /** MemoryInfo.SizeInMiB (raw, before VM overhead). */
  memoryMiB?: number;
  gpuCount?: number;
  gpuName?: string;
  /** `nvidia` | `amd` | `habana` (lower-kebab-case). */
  gpuManufacturer?: string;
  gpuMemoryMiB?: number;
  acceleratorName?: string;
  acceleratorManufacturer?: string;
  acceleratorCount?: number;
  /** `intel` | `amd` | `aws`. */
  cpuManufacturer?: string;
  /** `nitro` | `xen`; absent for bare metal. */
  hypervisor?: string;
  bareMetal?: boolean;
  /** ENI-limited max pods from vpc-cni's eni-max-pods.txt. */
  maxPods?: number;
  maxNetworkInterfaces?: number;
  /** ENIs on the default network card (what max pods uses). */
  defaultCardNetworkInterfaces?: number;
  ipv4PerEni?: number;
  networkCards?: number;
  /** Network interfaces per network card, by card index, when discovered (DescribeInstanceTypes NetworkCards). */
  networkCardInterfaces?: number[];
  /** Branch ENIs for security groups for pods; absent when not trunking-compatible. */
  podEniCount?: number;
  efaCount?: number;
  networkBandwidthMbps?: number;
  networkPerformance?: string;
  ebsBandwidthMbps?: number;
  /** Total instance-store GB. */
  localNvmeGB?: number;
  karpenterAllocatableAL2023?: AdvertisedAllocatable;
}

/** A record with everything allocatable and labels need. */
export type CompleteInstanceTypeRecord = InstanceTypeRecord & { vcpu: number; memoryMiB: number; arch: string };

/** True when the record has vCPU, memory and architecture (the 1,363 "complete" types of the bundled data). */
export function isCompleteRecord(r: InstanceTypeRecord): r is CompleteInstanceTypeRecord {
  return typeof r.vcpu === "number" && typeof r.memoryMiB === "number" && typeof r.arch === "string";
}
