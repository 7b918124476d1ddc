/**
 * Turns raw instance-type records into the packer's {@link InstanceType}s: allocatable by Karpenter's formulas,
 * well-known labels, and offerings = zones × capacity types with prices. Pure: prices and availability come in
 * as functions.
 */
import type { AmiFamily, KubeletConfig, NetworkInterface } from "../../api/model.js";
import type { CapacityType, InstanceType, Offering } from "../types.js";
import { computeResources, isWindowsFamily } from "./allocatable.js";
import { type CompleteInstanceTypeRecord, type InstanceTypeRecord, isCompleteRecord } from "./catalog-record.js";
import { instanceTypeLabels } from "./instance-type-labels.js";
import { networkInterfacesMismatch } from "./network-interfaces.js";

/** Price of an offering, or `undefined` when there is none (then the offering is left out). */
export type OfferingPriceFn = (instanceType: string, zone: string, capacityType: CapacityType) => number | undefined;

/** True when an offering is known to be unavailable (e.g. in the insufficient-capacity cache). */
export type OfferingUnavailableFn = (instanceType: string, zone: string, capacityType: CapacityType) => boolean;

/** How to build instance types from records. */
export interface BuildInstanceTypesOptions {
  region: string;
  zones: string[];
  price: OfferingPriceFn;
  /** @default ["spot", "on-demand"] */
  capacityTypes?: CapacityType[];
  /** @default nothing is unavailable */
  unavailable?: OfferingUnavailableFn;
  /** @default {} */
  kubelet?: KubeletConfig;
  /** @default "AL2023" */
  amiFamily?: AmiFamily;
  /** @default 20Gi */
  ephemeralStorageBytes?: number;
  /** Per-type ephemeral storage (e.g. RAID0 instance stores); wins over `ephemeralStorageBytes`. @default unset */
  ephemeralStorageFor?: (record: CompleteInstanceTypeRecord) => number;
  /** Karpenter's RESERVED_ENIS. @default 0 */
  reservedENIs?: number;
  /** The NodeClass's network interfaces (types that cannot attach them are skipped). @default unset */
  networkInterfaces?: readonly NetworkInterface[];
}

/**
 * Builds one {@link InstanceType} per complete record (partial records are skipped; on Windows families arm64
 * types are skipped, as Karpenter gives them no OS). Offerings are zone-major (`zones[0]` spot, on-demand, …);
 * an offering without a price is omitted, so a type with no price at all has `offerings: []`.
 */
export function buildInstanceTypes(records: readonly InstanceTypeRecord[], opts: BuildInstanceTypesOptions) {
  const out: InstanceType[] = [];
  for (const r of records) {
    if (!isCompleteRecord(r)) continue;
    const t = buildInstanceType(r, opts);
    if (t) out.push(t);
  }
  return out;
}

/**
 * Builds one {@link InstanceType}; `undefined` when the AMI family cannot run it (arm64 on Windows) or it cannot
 * attach the NodeClass's network interfaces.
 */
export function buildInstanceType(
  record: CompleteInstanceTypeRecord,
  opts: BuildInstanceTypesOptions,
): InstanceType | undefined {
  const family = opts.amiFamily ?? "AL2023";
  if (isWindowsFamily(family) && record.arch !== "amd64") return undefined;
  if (networkInterfacesMismatch(record, opts.networkInterfaces) !== undefined) return undefined;
  const res = computeResources(record, {
    kubelet: opts.kubelet,
    amiFamily: family,
    ephemeralStorageBytes: opts.ephemeralStorageFor?.(record) ?? opts.ephemeralStorageBytes,
    reservedENIs: opts.reservedENIs,
    networkInterfaces: opts.networkInterfaces,
  });
  const labels = instanceTypeLabels(record, { region: opts.region, amiFamily: family });
  const offerings: Offering[] = [];
  const capacityTypes = opts.capacityTypes ?? ["spot", "on-demand"];
  for (const zone of opts.zones) {
    for (const capacityType of capacityTypes) {
      const price = opts.price(record.name, zone, capacityType);
      if (price === undefined || !Number.isFinite(price)) continue;
      const available = !(opts.unavailable?.(record.name, zone, capacityType) ?? false);
      offerings.push({ zone, capacityType, price, available });
    }
  }
  return {
    name: record.name,
    arch: record.arch,
    os: labels["kubernetes.io/os"],
    labels,
    capacity: res.capacity,
    overhead: res.overhead,
    allocatable: res.allocatable,
    offerings,
  };
}
