/**
 * Karpenter's well-known labels for an EC2 instance type (`computeRequirements` in
 * pkg/providers/instancetype of aws/karpenter-provider-aws), as far as the bundled data supports them. Offering-dependent labels
 * (`topology.kubernetes.io/zone`, `karpenter.sh/capacity-type`) are not included: they come from the offering.
 * Pure: no I/O.
 */
import type { AmiFamily } from "../../api/model.js";
import { isWindowsFamily } from "./allocatable.js";
import type { InstanceTypeRecord } from "./catalog-record.js";

/** Label keys (upstream and `karpenter.k8s.aws/*`). */
export const LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type";
export const LABEL_ARCH = "kubernetes.io/arch";
export const LABEL_OS = "kubernetes.io/os";
export const LABEL_REGION = "topology.kubernetes.io/region";
export const LABEL_ZONE = "topology.kubernetes.io/zone";
export const LABEL_CAPACITY_TYPE = "karpenter.sh/capacity-type";
export const LABEL_WINDOWS_BUILD = "node.kubernetes.io/windows-build";
const AWS = "karpenter.k8s.aws/";
export const LABEL_INSTANCE_CATEGORY = `${AWS}instance-category`;
export const LABEL_INSTANCE_FAMILY = `${AWS}instance-family`;
export const LABEL_INSTANCE_GENERATION = `${AWS}instance-generation`;
export const LABEL_INSTANCE_SIZE = `${AWS}instance-size`;
export const LABEL_INSTANCE_CPU = `${AWS}instance-cpu`;
export const LABEL_INSTANCE_CPU_MANUFACTURER = `${AWS}instance-cpu-manufacturer`;
export const LABEL_INSTANCE_MEMORY = `${AWS}instance-memory`;
export const LABEL_INSTANCE_HYPERVISOR = `${AWS}instance-hypervisor`;
export const LABEL_INSTANCE_NETWORK_BANDWIDTH = `${AWS}instance-network-bandwidth`;
export const LABEL_INSTANCE_EBS_BANDWIDTH = `${AWS}instance-ebs-bandwidth`;
export const LABEL_INSTANCE_LOCAL_NVME = `${AWS}instance-local-nvme`;
export const LABEL_INSTANCE_CAPABILITY_FLEX = `${AWS}instance-capability-flex`;
export const LABEL_INSTANCE_GPU_NAME = `${AWS}instance-gpu-name`;
export const LABEL_INSTANCE_GPU_MANUFACTURER = `${AWS}instance-gpu-manufacturer`;
export const LABEL_INSTANCE_GPU_COUNT = `${AWS}instance-gpu-count`;
export const LABEL_INSTANCE_GPU_MEMORY = `${AWS}instance-gpu-memory`;
export const LABEL_INSTANCE_ACCELERATOR_NAME = `${AWS}instance-accelerator-name`;
export const LABEL_INSTANCE_ACCELERATOR_MANUFACTURER = `${AWS}instance-accelerator-manufacturer`;
export const LABEL_INSTANCE_ACCELERATOR_COUNT = `${AWS}instance-accelerator-count`;

/** Karpenter's name scheme: category, optional `-NNtb`, generation. */
const INSTANCE_TYPE_SCHEME = /(^[a-z]+)(-[0-9]+tb)?([0-9]+).*\./;

/** Category and generation from the instance type name (Karpenter's regex), when it matches. */
export function parseInstanceTypeName(name: string): { category?: string; generation?: string } {
  const m = INSTANCE_TYPE_SCHEME.exec(name);
  return m ? { category: m[1], generation: m[3] } : {};
}

/** Options for {@link instanceTypeLabels}. */
export interface LabelOptions {
  /** Region label value. */
  region: string;
  /** Decides `kubernetes.io/os` (Windows families → `windows`). @default "AL2023" */
  amiFamily?: AmiFamily;
  /** Value of `node.kubernetes.io/windows-build` for Windows families. @default the family's build */
  windowsBuild?: string;
}

/** The Windows Server build of each Windows AMI family (`node.kubernetes.io/windows-build`). */
export const WINDOWS_BUILDS: Readonly<Partial<Record<AmiFamily, string>>> = {
  Windows2019: "10.0.17763",
  Windows2022: "10.0.20348",
  Windows2025: "10.0.26100",
};

/**
 * The offering-independent well-known labels of a type. Label values follow Karpenter: numbers as decimal
 * strings, memory and GPU memory in MiB, bandwidths in Mbps, local NVMe in GB, hypervisor empty for bare metal.
 */
export function instanceTypeLabels(record: InstanceTypeRecord, opts: LabelOptions): Record<string, string> {
  const family = opts.amiFamily ?? "AL2023";
  const labels: Record<string, string> = {
    [LABEL_INSTANCE_TYPE]: record.name,
    [LABEL_REGION]: opts.region,
  };
  if (record.arch) labels[LABEL_ARCH] = record.arch;
  labels[LABEL_OS] = isWindowsFamily(family) ? "windows" : "linux";
  const build = opts.windowsBuild ?? WINDOWS_BUILDS[family];
  if (isWindowsFamily(family) && build) labels[LABEL_WINDOWS_BUILD] = build;

  const parsed = parseInstanceTypeName(record.name);
  const category = record.category ?? parsed.category;
  const generation = record.generation !== undefined ? String(record.generation) : parsed.generation;
  if (category !== undefined) labels[LABEL_INSTANCE_CATEGORY] = category;
  if (generation !== undefined) labels[LABEL_INSTANCE_GENERATION] = generation;
  const parts = record.name.split(".");
  if (parts.length === 2) {
    labels[LABEL_INSTANCE_FAMILY] = parts[0];
    labels[LABEL_INSTANCE_SIZE] = parts[1];
  }
  labels[LABEL_INSTANCE_CAPABILITY_FLEX] = String(parts[0].includes("-flex"));
  if (record.vcpu !== undefined) labels[LABEL_INSTANCE_CPU] = String(record.vcpu);
  if (record.cpuManufacturer) labels[LABEL_INSTANCE_CPU_MANUFACTURER] = record.cpuManufacturer;
  if (record.memoryMiB !== undefined) labels[LABEL_INSTANCE_MEMORY] = String(record.memoryMiB);
  if (record.hypervisor !== undefined) labels[LABEL_INSTANCE_HYPERVISOR] = record.hypervisor;
  else if (record.bareMetal) labels[LABEL_INSTANCE_HYPERVISOR] = "";
  if (record.networkBandwidthMbps !== undefined) {
    labels[LABEL_INSTANCE_NETWORK_BANDWIDTH] = String(record.networkBandwidthMbps);
  }
  if (record.ebsBandwidthMbps !== undefined) labels[LABEL_INSTANCE_EBS_BANDWIDTH] = String(record.ebsBandwidthMbps);
  if (record.localNvmeGB !== undefined) labels[LABEL_INSTANCE_LOCAL_NVME] = String(record.localNvmeGB);
  // GPU labels exist only for a single GPU kind (the data has gpuName only then). Fractional GPUs (g6f, gr6f)
  // carry name/manufacturer/memory but no whole-GPU count.
  if (record.gpuName !== undefined) {
    labels[LABEL_INSTANCE_GPU_NAME] = record.gpuName;
    if (record.gpuManufacturer) labels[LABEL_INSTANCE_GPU_MANUFACTURER] = record.gpuManufacturer;
    if ((record.gpuCount ?? 0) > 0) labels[LABEL_INSTANCE_GPU_COUNT] = String(record.gpuCount);
    if (record.gpuMemoryMiB !== undefined) labels[LABEL_INSTANCE_GPU_MEMORY] = String(record.gpuMemoryMiB);
  }
  if (record.acceleratorName !== undefined) {
    labels[LABEL_INSTANCE_ACCELERATOR_NAME] = record.acceleratorName;
    if (record.acceleratorManufacturer)
      labels[LABEL_INSTANCE_ACCELERATOR_MANUFACTURER] = record.acceleratorManufacturer;
    if (record.acceleratorCount !== undefined) {
      labels[LABEL_INSTANCE_ACCELERATOR_COUNT] = String(record.acceleratorCount);
    }
  }
  return labels;
}
