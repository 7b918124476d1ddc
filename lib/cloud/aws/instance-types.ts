/**
 * Instance-type discovery: `DescribeInstanceTypes` (hvm, x86_64/arm64, 100 per page) and
 * `DescribeInstanceTypeOfferings` (per availability zone), refreshed every 12 hours. Discovered facts are laid over
 * the bundled record of the same name (which adds what the API lacks: branch-ENI counts, network bandwidth). When a
 * call fails, the last good result stands, or the built-in catalog before any success (logged).
 */
import {
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  type EC2Client,
  type InstanceTypeInfo,
} from "@aws-sdk/client-ec2";
import type { Clock } from "../../core/clock.js";
import { type Logger, silentLogger } from "../../core/logger.js";
import type { InstanceTypeRecord } from "../../scheduling/catalog/catalog-record.js";
import { parseInstanceTypeName } from "../../scheduling/catalog/instance-type-labels.js";
import { builtinInstanceTypeRecords } from "./builtin-catalog.js";
import type { ApiGate } from "./retry.js";
import { ec2Call } from "./retry.js";
import { TtlCache } from "./ttl-cache.js";

/** How long discovered types and offerings are reused (Karpenter's instance-type controller period). */
export const INSTANCE_TYPE_TTL_MS = 12 * 60 * 60_000;

/** How long the built-in fallback is used before discovery is tried again. */
export const DISCOVERY_RETRY_MS = 5 * 60_000;

/** Discovered instance types. */
export interface DiscoveredTypes {
  records: InstanceTypeRecord[];
  /** Types that cannot be bought as spot (`SupportedUsageClasses` lacks `spot`). */
  noSpot: Set<string>;
  /** Whether the records came from EC2 (false = built-in fallback). */
  live: boolean;
}

function kebab(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function cpuManufacturer(m: string | undefined): string | undefined {
  if (!m) return undefined;
  const v = m.toLowerCase();
  if (v.includes("intel")) return "intel";
  if (v.includes("amd")) return "amd";
  if (v.includes("amazon") || v.includes("aws")) return "aws";
  return kebab(m);
}

/** An {@link InstanceTypeRecord} from DescribeInstanceTypes output, over the bundled record when there is one. */
export function recordFromInstanceTypeInfo(info: InstanceTypeInfo, base?: InstanceTypeRecord): InstanceTypeRecord {
  const name = info.InstanceType ?? base?.name ?? "";
  const dot = name.indexOf(".");
  const parsed = parseInstanceTypeName(name);
  const archs = info.ProcessorInfo?.SupportedArchitectures ?? [];
  const arch = archs.includes("x86_64") ? "amd64" : archs.includes("arm64") ? "arm64" : base?.arch;
  const rec: InstanceTypeRecord = {
    ...base,
    name,
    family: dot < 0 ? name : name.slice(0, dot),
    size: dot < 0 ? "" : name.slice(dot + 1),
  };
  if (base?.category === undefined && parsed.category) rec.category = parsed.category;
  if (base?.generation === undefined && parsed.generation) rec.generation = Number(parsed.generation);
  if (arch) rec.arch = arch;
  if (info.VCpuInfo?.DefaultVCpus !== undefined) rec.vcpu = info.VCpuInfo.DefaultVCpus;
  if (info.MemoryInfo?.SizeInMiB !== undefined) rec.memoryMiB = info.MemoryInfo.SizeInMiB;
  const manufacturer = cpuManufacturer(info.ProcessorInfo?.Manufacturer);
  if (manufacturer) rec.cpuManufacturer = manufacturer;
  if (info.Hypervisor) rec.hypervisor = info.Hypervisor;
  if (info.BareMetal !== undefined) rec.bareMetal = info.BareMetal;
  const gpus = info.GpuInfo?.Gpus ?? [];
  if (gpus.length > 0) {
    rec.gpuCount = gpus.reduce((n, g) => n + (g.Count ?? 0), 0);
    if (gpus.length === 1) {
      if (gpus[0].Name) rec.gpuName = kebab(gpus[0].Name);
      if (gpus[0].Manufacturer) rec.gpuManufacturer = kebab(gpus[0].Manufacturer);
      if (gpus[0].MemoryInfo?.SizeInMiB !== undefined) rec.gpuMemoryMiB = gpus[0].MemoryInfo.SizeInMiB;
    }
  }
  const neuron = info.NeuronInfo?.NeuronDevices ?? [];
  const inference = info.InferenceAcceleratorInfo?.Accelerators ?? [];
  const acc = neuron[0] ?? inference[0];
  if (acc) {
    if (acc.Name) rec.acceleratorName = kebab(acc.Name);
    const maker = (acc as { Manufacturer?: string }).Manufacturer;
    rec.acceleratorManufacturer = maker ? kebab(maker) : "aws";
    rec.acceleratorCount = [...neuron, ...inference].reduce((n, a) => n + (a.Count ?? 0), 0);
  }
  const net = info.NetworkInfo;
  if (net) {
    if (net.MaximumNetworkInterfaces !== undefined) rec.maxNetworkInterfaces = net.MaximumNetworkInterfaces;
    if (net.Ipv4AddressesPerInterface !== undefined) rec.ipv4PerEni = net.Ipv4AddressesPerInterface;
    if (net.MaximumNetworkCards !== undefined) rec.networkCards = net.MaximumNetworkCards;
    const card = net.NetworkCards?.find((c) => c.NetworkCardIndex === (net.DefaultNetworkCardIndex ?? 0));
    const enis = card?.MaximumNetworkInterfaces ?? net.MaximumNetworkInterfaces;
    if (enis !== undefined) rec.defaultCardNetworkInterfaces = enis;
    if (net.EfaInfo?.MaximumEfaInterfaces !== undefined) rec.efaCount = net.EfaInfo.MaximumEfaInterfaces;
    const perCard: number[] = [];
    for (const c of net.NetworkCards ?? []) {
      if (c.NetworkCardIndex !== undefined && c.MaximumNetworkInterfaces !== undefined) {
        perCard[c.NetworkCardIndex] = c.MaximumNetworkInterfaces;
      }
    }
    if (perCard.length > 1) rec.networkCardInterfaces = Array.from(perCard, (n) => n ?? 0);
  }
  const ebs = info.EbsInfo;
  if (ebs?.EbsOptimizedSupport === "default" && ebs.EbsOptimizedInfo?.MaximumBandwidthInMbps !== undefined) {
    rec.ebsBandwidthMbps = ebs.EbsOptimizedInfo.MaximumBandwidthInMbps;
  }
  if (info.InstanceStorageInfo?.NvmeSupport && info.InstanceStorageInfo.NvmeSupport !== "unsupported") {
    if (info.InstanceStorageInfo.TotalSizeInGB !== undefined) rec.localNvmeGB = info.InstanceStorageInfo.TotalSizeInGB;
  }
  return rec;
}

function builtinDiscovered(): DiscoveredTypes {
  return { records: [...builtinInstanceTypeRecords()], noSpot: new Set(), live: false };
}

/** Discovers instance types and their zones, with caching and the built-in fallback. */
export class InstanceTypeDiscovery {
  private readonly types: TtlCache<DiscoveredTypes>;
  private readonly zones: TtlCache<Map<string, Set<string>> | null>;
  private readonly logger: Logger;
  private fallbackUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ec2: EC2Client,
    private readonly gate: ApiGate,
    private readonly clock: Clock,
    opts: { logger?: Logger; ttlMs?: number } = {},
  ) {
    this.types = new TtlCache(clock, opts.ttlMs ?? INSTANCE_TYPE_TTL_MS);
    this.zones = new TtlCache(clock, opts.ttlMs ?? INSTANCE_TYPE_TTL_MS);
    this.logger = opts.logger ?? silentLogger;
  }

  /** Instance types: live when DescribeInstanceTypes answered (now or last time), else the built-in records. */
  async instanceTypes(): Promise<DiscoveredTypes> {
    if (this.clock.now() < this.fallbackUntil) return builtinDiscovered();
    try {
      return await this.types.getOrLoad("all", () => this.describeTypes(), {
        keepLastGood: true,
        onStale: (err) => this.logger.warn("instance type refresh failed; keeping last good", { error: String(err) }),
      });
    } catch (err) {
      this.logger.warn("instance type discovery failed; using the built-in catalog", { error: String(err) });
      this.fallbackUntil = this.clock.now() + DISCOVERY_RETRY_MS;
      return builtinDiscovered();
    }
  }

  /** Instance type → zones it is offered in; `undefined` when unknown (then every zone is assumed). */
  async zonalOfferings(): Promise<Map<string, Set<string>> | undefined> {
    try {
      const v = await this.zones.getOrLoad("all", () => this.describeOfferings(), {
        keepLastGood: true,
        onStale: (err) =>
          this.logger.warn("instance type offerings refresh failed; keeping last good", { error: String(err) }),
      });
      return v ?? undefined;
    } catch (err) {
      this.logger.warn("instance type offerings discovery failed; assuming every zone", { error: String(err) });
      return undefined;
    }
  }

  private async describeTypes(): Promise<DiscoveredTypes> {
    const builtin = new Map(builtinInstanceTypeRecords().map((r) => [r.name, r]));
    const records: InstanceTypeRecord[] = [];
    const noSpot = new Set<string>();
    let token: string | undefined;
    do {
      const res = await this.gate.call(ec2Call("DescribeInstanceTypes"), () =>
        this.ec2.send(
          new DescribeInstanceTypesCommand({
            Filters: [
              { Name: "supported-virtualization-type", Values: ["hvm"] },
              { Name: "processor-info.supported-architecture", Values: ["x86_64", "arm64"] },
            ],
            MaxResults: 100,
            NextToken: token,
          }),
        ),
      );
      for (const info of res.InstanceTypes ?? []) {
        if (!info.InstanceType) continue;
        records.push(recordFromInstanceTypeInfo(info, builtin.get(info.InstanceType)));
        if (info.SupportedUsageClasses && !info.SupportedUsageClasses.includes("spot")) noSpot.add(info.InstanceType);
      }
      token = res.NextToken || undefined;
    } while (token);
    if (records.length === 0) throw new Error("DescribeInstanceTypes returned no instance types");
    records.sort((a, b) => a.name.localeCompare(b.name));
    return { records, noSpot, live: true };
  }

  private async describeOfferings(): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    let token: string | undefined;
    do {
      const res = await this.gate.call(ec2Call("DescribeInstanceTypeOfferings"), () =>
        this.ec2.send(
          new DescribeInstanceTypeOfferingsCommand({
            LocationType: "availability-zone",
            MaxResults: 1000,
            NextToken: token,
          }),
        ),
      );
      for (const o of res.InstanceTypeOfferings ?? []) {
        if (!o.InstanceType || !o.Location) continue;
        let zones = out.get(o.InstanceType);
        if (!zones) out.set(o.InstanceType, (zones = new Set()));
        zones.add(o.Location);
      }
      token = res.NextToken || undefined;
    } while (token);
    return out;
  }
}
