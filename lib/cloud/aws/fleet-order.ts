/**
 * One CreateFleet as the launcher sends it (capacity type, token, tags, count) and the instance-type candidates it
 * offers, and how an instance EC2 reports back becomes a {@link CloudInstance}.
 */
import { TAG_STEVEDORE_CLAIM, TAG_STEVEDORE_LAUNCH_BATCH } from "../../core/well-known.js";
import type { InstanceType as PackerInstanceType } from "../../scheduling/types.js";
import type { CloudInstance, LaunchRequest } from "../provider.js";
import { amiForInstanceType } from "./amis.js";
import type { FleetCapacityType, launchedInstances } from "./fleet.js";
import { providerIdOf } from "./instances.js";
import type { ResolvedClass } from "./launcher.js";

/** An instance type offered to one CreateFleet, with its available zones and prices. */
export interface Candidate {
  type: PackerInstanceType;
  /** zone → price of the available offering for this capacity type. */
  zones: Map<string, number>;
  cheapest: number;
  /** Reserved candidates: the capacity reservation its launch template targets. @default unset */
  reservation?: { id: string; type: "default" | "capacity-block" };
}

/** One CreateFleet to send: what, for which capacity type, with which token and tags, how many. */
export interface FleetOrder {
  req: Omit<LaunchRequest, "claimId">;
  resolved: ResolvedClass;
  ct: FleetCapacityType;
  token: string;
  tags: Record<string, string>;
  count: number;
  /** Names the launch in messages. */
  ctx: string;
}

/** The instance EC2 launched for an order, as the cloud seam describes it. */
export function toCloudInstance(
  launched: ReturnType<typeof launchedInstances>[number],
  order: FleetOrder,
  candidates: Candidate[],
  zoneOf: (subnetId: string) => string | undefined,
  now: number,
): CloudInstance {
  const { ct, resolved } = order;
  const o = launched.instance.LaunchTemplateAndOverrides?.Overrides;
  const type = launched.instance.InstanceType ?? o?.InstanceType ?? candidates[0].type.name;
  const zone = o?.AvailabilityZone ?? (o?.SubnetId ? zoneOf(o.SubnetId) : undefined) ?? "";
  const candidate = candidates.find((c) => c.type.name === type && (ct !== "reserved" || c.zones.has(zone)));
  const price = candidate?.zones.get(zone);
  const instance: CloudInstance = {
    instanceId: launched.instanceId,
    providerID: providerIdOf(zone, launched.instanceId),
    instanceType: type,
    zone,
    capacityType:
      ct === "reserved" ? "reserved" : launched.instance.Lifecycle === "spot" || ct === "spot" ? "spot" : "on-demand",
    state: "pending",
    launchTime: new Date(now),
    tags: { ...order.tags },
    securityGroupIds: resolved.securityGroups.map((s) => s.id).sort(),
  };
  const claimId = order.tags[TAG_STEVEDORE_CLAIM];
  if (claimId) instance.claimId = claimId;
  const batchId = order.tags[TAG_STEVEDORE_LAUNCH_BATCH];
  if (batchId) instance.batchId = batchId;
  if (price !== undefined) instance.pricePerHour = price;
  if (ct === "reserved" && candidate?.reservation) {
    instance.capacityReservationId = candidate.reservation.id;
    instance.capacityReservationType = candidate.reservation.type;
  }
  if (o?.SubnetId) instance.subnetId = o.SubnetId;
  const image = candidate ? amiForInstanceType(resolved.amis, candidate.type) : undefined;
  if (image) instance.imageId = image.id;
  return instance;
}
