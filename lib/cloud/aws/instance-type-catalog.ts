/**
 * The instance types a NodePool + NodeClass can launch, as the packer sees them: discovered (or built-in) records,
 * allocatable by Karpenter's formulas for the pool's kubelet settings and the class's AMI family and disks, and
 * offerings = the class's subnet zones where EC2 offers the type × spot/on-demand, priced, with offerings in the
 * unavailable-offerings cache marked `available: false`.
 */
import type {
  AmiFamily,
  BlockDeviceMapping,
  KubeletConfig,
  NetworkInterface,
  NodeClass,
  NodePool,
} from "../../api/model.js";
import type { Clock } from "../../core/clock.js";
import { resolveEphemeralStorageBytes } from "../../scheduling/catalog/allocatable.js";
import { buildInstanceType } from "../../scheduling/catalog/catalog-build.js";
import { isCompleteRecord } from "../../scheduling/catalog/catalog-record.js";
import type { CapacityType, InstanceType, Offering } from "../../scheduling/types.js";
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
  /** The NodeClass's network interfaces. @default unset */
  networkInterfaces?: NetworkInterface[];
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

/** A computed type without offerings, and the zones it may be offered in. */
interface BaseType {
  type: InstanceType;
  zones: string[];
  capacityTypes: CapacityType[];
}

/** How long computed capacity/overhead/labels are reused for one shape (Karpenter caches them 5 minutes). */
export const COMPUTED_TYPES_TTL_MS = 5 * 60_000;

/** Builds priced instance types for a shape. */
export class AwsInstanceTypeCatalog {
  private readonly computed = new Map<string, { at: number; source: unknown; types: BaseType[] }>();

  constructor(
    private readonly deps: {
      region: string;
      discovery: InstanceTypeDiscovery;
      pricing: PricingProvider;
      unavailable: UnavailableOfferings;
      clock: Clock;
    },
  ) {}

  /**
   * Instance types with offerings for the shape (types with no offering at all are left out). Capacity, overhead
   * and labels are cached per shape; prices and availability are re-read on every call.
   */
  async get(shape: InstanceTypeShape): Promise<InstanceType[]> {
    const { pricing, unavailable, clock } = this.deps;
    await pricing.refreshIfStale();
    const now = clock.now();
    const out: InstanceType[] = [];
    for (const base of await this.baseTypes(shape)) {
      const offerings: Offering[] = [];
      for (const zone of base.zones) {
        for (const ct of base.capacityTypes) {
          const price = ct === "on-demand" ? pricing.onDemand(base.type.name) : pricing.spot(base.type.name, zone);
          if (price === undefined || !Number.isFinite(price)) continue;
          offerings.push({
            zone,
            capacityType: ct,
            price,
            available: !unavailable.isUnavailable(base.type.name, zone, ct, now),
          });
        }
      }
      if (offerings.length > 0) out.push({ ...base.type, offerings });
    }
    return out;
  }

  private async baseTypes(shape: InstanceTypeShape): Promise<BaseType[]> {
    const { discovery, clock, region } = this.deps;
    const [types, zonal] = await Promise.all([discovery.instanceTypes(), discovery.zonalOfferings()]);
    const key = JSON.stringify([
      shape.kubelet,
      shape.amiFamily,
      shape.zones,
      shape.blockDeviceMappings,
      shape.instanceStorePolicy ?? "",
      shape.networkInterfaces ?? [],
    ]);
    const hit = this.computed.get(key);
    if (hit && hit.source === types && clock.now() - hit.at < COMPUTED_TYPES_TTL_MS) return hit.types;
    const out: BaseType[] = [];
    for (const record of types.records) {
      if (!isCompleteRecord(record)) continue;
      const offeredIn = zonal?.get(record.name);
      if (zonal && !offeredIn) continue;
      const zones = offeredIn ? shape.zones.filter((z) => offeredIn.has(z)) : shape.zones;
      if (zones.length === 0) continue;
      const capacityTypes: CapacityType[] = types.noSpot.has(record.name) ? ["on-demand"] : ["spot", "on-demand"];
      const type = buildInstanceType(record, {
        region,
        zones: [],
        kubelet: shape.kubelet,
        amiFamily: shape.amiFamily,
        networkInterfaces: shape.networkInterfaces,
        ephemeralStorageBytes: resolveEphemeralStorageBytes(record, {
          amiFamily: shape.amiFamily,
          blockDeviceMappings: shape.blockDeviceMappings,
          instanceStorePolicy: shape.instanceStorePolicy,
        }),
        price: () => undefined,
      });
      if (type) out.push({ type, zones, capacityTypes });
    }
    this.computed.set(key, { at: clock.now(), source: types, types: out });
    return out;
  }
}
