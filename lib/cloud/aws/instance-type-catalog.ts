/**
 * The instance types a NodePool + NodeClass can launch, as the packer sees them: discovered (or built-in) records,
 * allocatable by Karpenter's formulas for the pool's kubelet settings and the class's AMI family and disks, and
 * offerings = the class's subnet zones where EC2 offers the type × spot/on-demand, priced, with offerings in the
 * unavailable-offerings cache marked `available: false`.
 */
import type { AmiFamily, BlockDeviceMapping, KubeletConfig, NodeClass, NodePool } from "../../api/model.js";
import type { Clock } from "../../controllers/clock.js";
import { resolveEphemeralStorageBytes } from "../../scheduling/allocatable.js";
import { buildInstanceType } from "../../scheduling/catalog-build.js";
import { isCompleteRecord } from "../../scheduling/catalog-record.js";
import type { CapacityType, InstanceType } from "../../scheduling/types.js";
import type { InstanceTypeDiscovery } from "./instance-types.js";
import type { PricingProvider } from "./pricing.js";
import type { UnavailableOfferings } from "./unavailable-offerings.js";

/** What shapes the computed types besides offerings. */
export interface InstanceTypeShape {
  kubelet: KubeletConfig;
  amiFamily: AmiFamily;
  /** Zones the class has subnets in. */
  zones: string[];
  blockDeviceMappings: BlockDeviceMapping[];
  instanceStorePolicy?: "RAID0";
}

/**
 * The kubelet settings that apply to a pool's nodes: v1alpha5 pools carry them (`Provisioner.kubeletConfiguration`,
 * winning over the class), v1 classes carry them (`EC2NodeClass.spec.kubelet`, winning over the pool).
 */
export function effectiveKubelet(pool: NodePool, nodeClass: NodeClass): KubeletConfig {
  return pool.flavor === "v1alpha5"
    ? { ...(nodeClass.kubelet ?? {}), ...pool.kubelet }
    : { ...pool.kubelet, ...(nodeClass.kubelet ?? {}) };
}

/** Builds priced instance types for a shape. */
export class AwsInstanceTypeCatalog {
  constructor(
    private readonly deps: {
      region: string;
      discovery: InstanceTypeDiscovery;
      pricing: PricingProvider;
      unavailable: UnavailableOfferings;
      clock: Clock;
    },
  ) {}

  /** Instance types with offerings for the shape (types with no offering at all are left out). */
  async get(shape: InstanceTypeShape): Promise<InstanceType[]> {
    const { discovery, pricing, unavailable, clock, region } = this.deps;
    await pricing.refreshIfStale();
    const [types, zonal] = await Promise.all([discovery.instanceTypes(), discovery.zonalOfferings()]);
    const now = clock.now();
    const out: InstanceType[] = [];
    for (const record of types.records) {
      if (!isCompleteRecord(record)) continue;
      const offeredIn = zonal?.get(record.name);
      if (zonal && !offeredIn) continue;
      const zones = offeredIn ? shape.zones.filter((z) => offeredIn.has(z)) : shape.zones;
      if (zones.length === 0) continue;
      const capacityTypes: CapacityType[] = types.noSpot.has(record.name) ? ["on-demand"] : ["spot", "on-demand"];
      const it = buildInstanceType(record, {
        region,
        zones,
        capacityTypes,
        kubelet: shape.kubelet,
        amiFamily: shape.amiFamily,
        ephemeralStorageBytes: resolveEphemeralStorageBytes(record, {
          amiFamily: shape.amiFamily,
          blockDeviceMappings: shape.blockDeviceMappings,
          instanceStorePolicy: shape.instanceStorePolicy,
        }),
        price: (name, zone, ct) =>
          ct === "on-demand" ? pricing.onDemand(name) : ct === "spot" ? pricing.spot(name, zone) : undefined,
        unavailable: (name, zone, ct) => unavailable.isUnavailable(name, zone, ct, now),
      });
      if (it && it.offerings.length > 0) out.push(it);
    }
    return out;
  }
}
