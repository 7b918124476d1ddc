/**
 * The state of the emulated AWS account in one region, shared by every API handler: catalog, network, images,
 * launch templates, capacity, spot market, instances, SSM parameters and events, all on an injectable clock.
 * Holds the launch checks and bookkeeping that CreateFleet and RunInstances share, and cost accounting.
 */

import { type CapacityLimit, CapacityModel, type PurchaseOption, type VcpuQuotas } from "./capacity.js";
import { CapacityReservationStore } from "./capacity-reservations.js";
import { type EmulatedInstanceType, EmulatorCatalog, type OfferingExclusion } from "./catalog.js";
import { AwsApiError } from "./errors.js";
import { EventBus } from "./events.js";
import { InstanceProfileStore } from "./iam.js";
import { type EmulatedImage, ImageCatalog } from "./images.js";
import { type EmulatedInstance, InstanceStore, type LifecycleTimings } from "./instances.js";
import { LaunchTemplateStore } from "./launch-templates.js";
import { type EmulatedSubnet, NetworkModel } from "./network.js";
import { SeededRandom } from "./random.js";
import { SpotPriceModel, type SpotPriceOptions } from "./spot-prices.js";
import { ParameterStore } from "./ssm.js";
import type { XmlObject } from "./xml.js";

/** A time source (`Clock` from lib/controllers satisfies it). */
export interface EmulatorClock {
  now(): number;
}

/** Fully resolved world settings. */
export interface WorldConfig {
  region: string;
  accountId: string;
  clusterName: string;
  zones: string[];
  clock: EmulatorClock;
  seed: number;
  timings: LifecycleTimings;
  spotPrices: SpotPriceOptions;
  capacity: CapacityLimit[];
  vcpuQuotas: VcpuQuotas;
  kubernetesVersions: string[];
  instanceTypes?: string[];
  offeringExclusions: OfferingExclusion[];
  /** IAM roles that exist. @default every role name exists */
  iamRoles?: string[];
}

/** A launch problem, shaped as a Fleet error item or a RunInstances error. */
export interface LaunchProblem {
  code: string;
  message: string;
  /** True for capacity problems (another pool may work), false for request problems. */
  capacity: boolean;
}

/** Everything one instance launch needs (checked by {@link Ec2World.launchProblem} first). */
export interface LaunchSpec {
  type: EmulatedInstanceType;
  subnet: EmulatedSubnet;
  image: EmulatedImage;
  lifecycle: PurchaseOption;
  reservationId: string;
  clientToken?: string;
  fleetId?: string;
  launchTemplate?: EmulatedInstance["launchTemplate"];
  userData?: string;
  securityGroupIds: string[];
  tags: Map<string, string>;
  volumeTags: Map<string, string>;
  keyName?: string;
  iamInstanceProfileArn?: string;
  httpTokens?: string;
  /** The targeted capacity reservation. @default unset */
  capacityReservationId?: string;
}

/** Tag rules EC2 enforces on every resource. */
export function checkTags(tags: Iterable<[string, string]>, existing = 0): void {
  let count = existing;
  for (const [key, value] of tags) {
    count += 1;
    if (key.toLowerCase().startsWith("aws:")) {
      throw new AwsApiError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
    }
    if (key.length === 0 || key.length > 128) {
      throw new AwsApiError("InvalidParameterValue", `Tag key '${key}' must be between 1 and 128 characters`);
    }
    if (value.length > 256) {
      throw new AwsApiError("InvalidParameterValue", `Tag value for key '${key}' exceeds 256 characters`);
    }
  }
  if (count > 50) throw new AwsApiError("TagLimitExceeded", "The maximum number of tags per resource is 50.");
}

/** The emulated account. */
export class Ec2World {
  readonly random: SeededRandom;
  readonly catalog: EmulatorCatalog;
  readonly network: NetworkModel;
  readonly images: ImageCatalog;
  readonly templates: LaunchTemplateStore;
  readonly capacity: CapacityModel;
  readonly spot: SpotPriceModel;
  readonly events: EventBus;
  readonly instances: InstanceStore;
  readonly parameters: ParameterStore;
  readonly reservations: CapacityReservationStore;
  /** IAM instance profiles. */
  readonly iam: InstanceProfileStore;
  /** Fleets by id (instant fleets only). */
  readonly fleets = new Map<
    string,
    { fleetId: string; tags: Map<string, string>; createTimeMs: number; context?: string }
  >();
  /** Idempotent responses by `<action>|<ClientToken>`. */
  readonly idempotency = new Map<string, { fingerprint: string; response: XmlObject }>();
  private purgedCost = 0;

  constructor(readonly config: WorldConfig) {
    const now = config.clock.now();
    this.random = new SeededRandom(config.seed);
    this.catalog = new EmulatorCatalog(config.region, config.zones, config.instanceTypes, config.offeringExclusions);
    this.network = new NetworkModel(config.region, config.zones, config.clusterName, this.random);
    this.images = new ImageCatalog(config.accountId, this.random);
    this.templates = new LaunchTemplateStore(this.random, `arn:aws:iam::${config.accountId}:role/stevedore`);
    this.capacity = new CapacityModel(config.capacity, config.vcpuQuotas);
    this.spot = new SpotPriceModel(this.catalog, config.seed, now, config.spotPrices);
    this.events = new EventBus(config.region, config.accountId, this.random);
    this.parameters = new ParameterStore(config.region, config.accountId, () => config.clock.now());
    const roles = config.iamRoles ? new Set(config.iamRoles) : undefined;
    this.iam = new InstanceProfileStore(config.accountId, () => config.clock.now(), roles);
    this.instances = new InstanceStore(config.timings, {
      stateChanged: (i, t) => this.events.stateChange(i.instanceId, i.state, t),
      released: (i) => {
        this.capacity.release(i.instanceType, i.zone, i.lifecycle, i.vcpus);
        const subnet = this.network.subnets.get(i.subnetId);
        if (subnet) this.network.releaseIp(subnet, i.privateIpAddress);
      },
      purged: (i) => {
        this.purgedCost += this.instanceCost(i, Number.POSITIVE_INFINITY);
      },
    });
    this.reservations = new CapacityReservationStore({
      accountId: config.accountId,
      now: () => config.clock.now(),
      instances: () => this.instances.all(),
      hex: (n) => this.random.hex(n),
    });
    for (const p of this.images.seed(config.kubernetesVersions, config.clusterName, now)) {
      this.parameters.set(p.name, p.value, "String", "aws:ec2:image");
    }
  }

  /** The emulator clock's time. */
  now(): number {
    return this.config.clock.now();
  }

  /** Applies every instance transition due by now. */
  advance(nowMs = this.now()): void {
    this.instances.advance(nowMs);
    const { warnings, reclaim } = this.reservations.advance(nowMs);
    for (const r of warnings) this.events.capacityBlockExpiring(r.id, r.endMs ?? nowMs, nowMs);
    for (const id of reclaim) this.instances.terminate(id, nowMs);
  }

  /** The current price per hour of an offering (spot: the pool's current spot price). */
  price(type: EmulatedInstanceType, zone: string, lifecycle: PurchaseOption, atMs = this.now()): number {
    if (lifecycle === "on-demand") return type.onDemandPrice;
    return this.spot.price(type.name, zone, atMs) ?? Number.POSITIVE_INFINITY;
  }

  /** Why this offering cannot launch one instance now, or undefined when it can. */
  launchProblem(
    type: EmulatedInstanceType,
    subnet: EmulatedSubnet,
    image: EmulatedImage,
    lifecycle: PurchaseOption,
  ): LaunchProblem | undefined {
    const zone = subnet.zone;
    if (!this.catalog.isOffered(type.name, zone)) {
      const others = this.catalog.zonesOffering(type.name).join(", ");
      return {
        code: "Unsupported",
        message: `Your requested instance type (${type.name}) is not supported in your requested Availability Zone (${zone}). Please retry your request by not specifying an Availability Zone or choosing ${others}.`,
        capacity: true,
      };
    }
    if (lifecycle === "spot" && !type.spotSupported) {
      return {
        code: "Unsupported",
        message:
          "The requested configuration is currently not supported. Please check the documentation for supported configurations.",
        capacity: true,
      };
    }
    if (image.architecture !== type.architecture) {
      return {
        code: "InvalidParameterValue",
        message: `The architecture '${type.architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.`,
        capacity: false,
      };
    }
    if (this.capacity.remaining(type.name, zone, lifecycle, this.now()) <= 0) {
      return lifecycle === "spot"
        ? {
            code: "InsufficientInstanceCapacity",
            message: "There is no Spot capacity available that matches your request.",
            capacity: true,
          }
        : {
            code: "InsufficientInstanceCapacity",
            message: `We currently do not have sufficient ${type.name} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. You can currently get ${type.name} capacity by not specifying an Availability Zone in your request or choosing ${this.config.zones.filter((z) => z !== zone).join(", ")}.`,
            capacity: true,
          };
    }
    const quota = this.capacity.quotaExceeded(lifecycle, type.vcpu);
    if (quota !== undefined) {
      return lifecycle === "spot"
        ? {
            code: "MaxSpotInstanceCountExceeded",
            message: `Max spot instance count exceeded (vCPU limit ${quota}).`,
            capacity: true,
          }
        : {
            code: "VcpuLimitExceeded",
            message: `You have requested more vCPU capacity than your current vCPU limit of ${quota} allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`,
            capacity: true,
          };
    }
    if (this.network.availableIps(subnet) <= 0) {
      return {
        code: "InsufficientFreeAddressesInSubnet",
        message: `There are not enough free addresses in subnet '${subnet.subnetId}' to satisfy the requested number of instances.`,
        capacity: true,
      };
    }
    return undefined;
  }

  /** Creates one pending instance (call {@link launchProblem} first). */
  launch(spec: LaunchSpec): EmulatedInstance {
    const now = this.now();
    const ip = this.network.allocateIp(spec.subnet);
    if (ip === undefined)
      throw new AwsApiError("InsufficientFreeAddressesInSubnet", `Subnet ${spec.subnet.subnetId} is full`);
    this.capacity.acquire(spec.type.name, spec.subnet.zone, spec.lifecycle, spec.type.vcpu);
    const instanceId = `i-${this.random.hex(17)}`;
    const tags = new Map(spec.tags);
    if (spec.fleetId) tags.set("aws:ec2:fleet-id", spec.fleetId);
    if (spec.launchTemplate) {
      tags.set("aws:ec2launchtemplate:id", spec.launchTemplate.launchTemplateId);
      tags.set("aws:ec2launchtemplate:version", String(spec.launchTemplate.version));
    }
    const instance: EmulatedInstance = {
      instanceId,
      reservationId: spec.reservationId,
      instanceType: spec.type.name,
      architecture: spec.type.architecture,
      vcpus: spec.type.vcpu,
      zone: spec.subnet.zone,
      zoneId: spec.subnet.zoneId,
      subnetId: spec.subnet.subnetId,
      vpcId: spec.subnet.vpcId,
      imageId: spec.image.imageId,
      lifecycle: spec.lifecycle,
      state: "pending",
      stateTransitionReason: "",
      launchTimeMs: now,
      runningAtMs: now + this.config.timings.bootDelayMs,
      tags,
      volumeTags: spec.volumeTags,
      clientToken: spec.clientToken,
      fleetId: spec.fleetId,
      launchTemplate: spec.launchTemplate,
      userData: spec.userData,
      securityGroupIds: spec.securityGroupIds,
      privateIpAddress: ip,
      privateDnsName: this.network.privateDnsName(ip),
      keyName: spec.keyName,
      iamInstanceProfileArn: spec.iamInstanceProfileArn,
      spotInstanceRequestId: spec.lifecycle === "spot" ? `sir-${this.random.hex(8)}` : undefined,
      capacityReservationId: spec.capacityReservationId,
      capacityBlock:
        spec.capacityReservationId !== undefined &&
        this.reservations.reservations.get(spec.capacityReservationId)?.reservationType === "capacity-block",
      httpTokens: spec.httpTokens,
      rootDeviceName: spec.image.rootDeviceName,
    };
    this.instances.add(instance);
    return instance;
  }

  /** What an instance has cost from running until it shut down (or `untilMs`). */
  instanceCost(i: EmulatedInstance, untilMs: number): number {
    const end = Math.min(untilMs, i.shuttingDownAtMs ?? Number.POSITIVE_INFINITY, this.now());
    const start = i.runningAtMs;
    if (end <= start) return 0;
    if (i.lifecycle === "spot") return this.spot.cost(i.instanceType, i.zone, start, end);
    return ((this.catalog.get(i.instanceType)?.onDemandPrice ?? 0) * (end - start)) / 3_600_000;
  }

  /** Sum of current prices of pending and running instances. */
  hourlyCost(): number {
    let total = 0;
    for (const i of this.instances.all()) {
      if (i.state !== "pending" && i.state !== "running") continue;
      const type = this.catalog.get(i.instanceType);
      if (type) total += this.price(type, i.zone, i.lifecycle);
    }
    return total;
  }

  /** Everything spent so far, including instances no longer visible. */
  totalCost(): number {
    let total = this.purgedCost;
    for (const i of this.instances.all()) total += this.instanceCost(i, Number.POSITIVE_INFINITY);
    return total;
  }

  /** The tag map of any taggable resource id, or undefined when unknown. */
  tagsOf(resourceId: string): Map<string, string> | undefined {
    return (
      this.instances.get(resourceId)?.tags ??
      this.templates.get(resourceId)?.tags ??
      this.network.subnets.get(resourceId)?.tags ??
      this.network.securityGroups.get(resourceId)?.tags ??
      this.images.images.get(resourceId)?.tags ??
      this.fleets.get(resourceId)?.tags
    );
  }
}
