/**
 * Renders a catalog record as EC2's `InstanceTypeInfo` (DescribeInstanceTypes), and the filters that action
 * supports. Only fields the bundled data has are filled in; nothing is invented beyond the documented defaults
 * below (threads per core 2 on x86 and 1 on Graviton; the default network card is card 0 and holds the
 * default-card ENIs, the remaining ENIs are spread evenly over the other cards).
 */
import type { EmulatedInstanceType } from "./catalog.js";
import type { FilterFields } from "./filters.js";
import type { XmlObject } from "./xml.js";

/** Families EC2 lists as previous generation. */
const PREVIOUS_GENERATION = /^(t1|m1|m2|m3|c1|c3|cc2|cg1|cr1|hi1|hs1|i2|g2|r3)$/;

const MANUFACTURER: Record<string, string> = {
  intel: "Intel",
  amd: "AMD",
  aws: "AWS",
  nvidia: "NVIDIA",
  habana: "Habana",
  qualcomm: "Qualcomm",
  xilinx: "Xilinx",
};

function manufacturer(name: string | undefined): string | undefined {
  return name === undefined ? undefined : (MANUFACTURER[name] ?? name);
}

/** `a10g` → `A10G`, `inferentia2` → `Inferentia2` (EC2's spelling of device names). */
function deviceName(kebab: string, upper: boolean): string {
  if (upper) return kebab.toUpperCase();
  return kebab.charAt(0).toUpperCase() + kebab.slice(1);
}

function networkPerformance(t: EmulatedInstanceType): string {
  const r = t.record;
  if (r.networkPerformance) return r.networkPerformance;
  if (r.networkBandwidthMbps === undefined) return "Moderate";
  const gbps = r.networkBandwidthMbps / 1000;
  return `${Number.isInteger(gbps) ? gbps : gbps.toFixed(3).replace(/0+$/, "")} Gigabit`;
}

function networkCards(t: EmulatedInstanceType): XmlObject[] {
  const r = t.record;
  const cards = Math.max(1, r.networkCards ?? 1);
  const total = r.maxNetworkInterfaces ?? r.defaultCardNetworkInterfaces ?? 1;
  const first = r.defaultCardNetworkInterfaces ?? total;
  const rest = cards > 1 ? Math.max(0, Math.floor((total - first) / (cards - 1))) : 0;
  const out: XmlObject[] = [];
  for (let i = 0; i < cards; i++) {
    out.push({
      networkCardIndex: i,
      networkPerformance: networkPerformance(t),
      maximumNetworkInterfaces: i === 0 ? first : rest,
    });
  }
  return out;
}

/** The `InstanceTypeInfo` of a type. */
export function instanceTypeInfo(t: EmulatedInstanceType): XmlObject {
  const r = t.record;
  const threads = t.architecture === "arm64" ? 1 : 2;
  const usage = t.spotSupported ? ["on-demand", "spot"] : ["on-demand"];
  const gpu =
    r.gpuName !== undefined
      ? {
          gpus: [
            {
              name: deviceName(r.gpuName, true),
              manufacturer: manufacturer(r.gpuManufacturer),
              count: r.gpuCount ?? 0,
              memoryInfo: r.gpuMemoryMiB !== undefined ? { sizeInMiB: r.gpuMemoryMiB } : undefined,
            },
          ],
          totalGpuMemoryInMiB: r.gpuMemoryMiB !== undefined ? r.gpuMemoryMiB * Math.max(1, r.gpuCount ?? 0) : undefined,
        }
      : undefined;
  const neuron =
    r.acceleratorName !== undefined && r.acceleratorManufacturer === "aws"
      ? { neuronDevices: [{ count: r.acceleratorCount ?? 1, name: deviceName(r.acceleratorName, false) }] }
      : undefined;
  const inference =
    r.acceleratorName !== undefined && r.acceleratorManufacturer !== "aws"
      ? {
          accelerators: [
            {
              count: r.acceleratorCount ?? 1,
              name: deviceName(r.acceleratorName, false),
              manufacturer: manufacturer(r.acceleratorManufacturer),
            },
          ],
        }
      : undefined;
  return {
    instanceType: t.name,
    currentGeneration: !PREVIOUS_GENERATION.test(r.family),
    freeTierEligible: t.name === "t2.micro" || t.name === "t3.micro",
    supportedUsageClasses: usage,
    supportedRootDeviceTypes: ["ebs"],
    supportedVirtualizationTypes: ["hvm"],
    bareMetal: r.bareMetal ?? false,
    hypervisor: r.hypervisor,
    processorInfo: { supportedArchitectures: [t.architecture], manufacturer: manufacturer(r.cpuManufacturer) },
    vCpuInfo: {
      defaultVCpus: t.vcpu,
      defaultCores: Math.max(1, Math.floor(t.vcpu / threads)),
      defaultThreadsPerCore: t.vcpu >= threads ? threads : 1,
    },
    memoryInfo: { sizeInMiB: t.memoryMiB },
    instanceStorageSupported: r.localNvmeGB !== undefined,
    instanceStorageInfo:
      r.localNvmeGB !== undefined
        ? {
            totalSizeInGB: r.localNvmeGB,
            disks: [{ sizeInGB: r.localNvmeGB, count: 1, type: "ssd" }],
            nvmeSupport: "required",
          }
        : undefined,
    ebsInfo: {
      ebsOptimizedSupport: r.ebsBandwidthMbps !== undefined ? "default" : "supported",
      encryptionSupport: "supported",
      ebsOptimizedInfo:
        r.ebsBandwidthMbps !== undefined
          ? { baselineBandwidthInMbps: r.ebsBandwidthMbps, maximumBandwidthInMbps: r.ebsBandwidthMbps }
          : undefined,
      nvmeSupport: r.hypervisor === "xen" ? "unsupported" : "required",
    },
    networkInfo: {
      networkPerformance: networkPerformance(t),
      maximumNetworkInterfaces: r.maxNetworkInterfaces ?? r.defaultCardNetworkInterfaces,
      maximumNetworkCards: Math.max(1, r.networkCards ?? 1),
      defaultNetworkCardIndex: 0,
      networkCards: networkCards(t),
      ipv4AddressesPerInterface: r.ipv4PerEni,
      ipv6AddressesPerInterface: r.ipv4PerEni,
      ipv6Supported: true,
      enaSupport: r.hypervisor === "xen" ? "supported" : "required",
      efaSupported: (r.efaCount ?? 0) > 0,
      efaInfo: (r.efaCount ?? 0) > 0 ? { maximumEfaInterfaces: r.efaCount } : undefined,
    },
    gpuInfo: gpu,
    neuronInfo: neuron,
    inferenceAcceleratorInfo: inference,
    burstablePerformanceSupported: /^t[0-9]/.test(r.family),
    supportedBootModes: t.architecture === "arm64" ? ["uefi"] : ["legacy-bios", "uefi"],
    autoRecoverySupported: !(r.bareMetal ?? false),
  };
}

/** DescribeInstanceTypes filters. */
export const INSTANCE_TYPE_FILTERS: FilterFields<EmulatedInstanceType> = {
  "instance-type": (t) => t.name,
  "current-generation": (t) => !PREVIOUS_GENERATION.test(t.record.family),
  "bare-metal": (t) => t.record.bareMetal ?? false,
  hypervisor: (t) => t.record.hypervisor,
  "supported-usage-class": (t) => (t.spotSupported ? ["on-demand", "spot"] : ["on-demand"]),
  "supported-virtualization-type": () => "hvm",
  "supported-root-device-type": () => "ebs",
  "processor-info.supported-architecture": (t) => t.architecture,
  "processor-info.manufacturer": (t) => manufacturer(t.record.cpuManufacturer),
  "vcpu-info.default-vcpus": (t) => t.vcpu,
  "memory-info.size-in-mib": (t) => t.memoryMiB,
  "instance-storage-supported": (t) => t.record.localNvmeGB !== undefined,
  "network-info.efa-supported": (t) => (t.record.efaCount ?? 0) > 0,
  "network-info.maximum-network-interfaces": (t) => t.record.maxNetworkInterfaces,
  "network-info.ipv4-addresses-per-interface": (t) => t.record.ipv4PerEni,
  "burstable-performance-supported": (t) => /^t[0-9]/.test(t.record.family),
};
