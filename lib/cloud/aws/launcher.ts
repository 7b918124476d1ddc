/**
 * Launching one node claim, or a batch of identical claims with one CreateFleet: pick offerings, ensure launch templates, CreateFleet, classify, feed the ICE cache.
 *
 * Capacity types are tried reserved first, then spot, then on-demand, as far as they are allowed (an attempt that
 * fails with insufficient capacity, or a reservation out of room, falls through to the next in the same call). Per attempt: at most 60 instance types ordered
 * by their cheapest available offering; one override per type × allowed zone that has a NodeClass subnet, skipping
 * offerings in the ICE cache; one launch template per (AMI, max-pods, network interfaces) group. The NodeClass's
 * `networkInterfaces` go into every template; without them, a node whose pods request EFA gets one EFA interface per
 * EFA its type supports (Karpenter's dynamic EFA path).
 */
import { createHash } from "node:crypto";
import { CreateFleetCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { NodeClass } from "../../api/model.js";
import type { Clock } from "../../core/clock.js";
import type { Taint } from "../../core/kube-objects.js";
import type { Logger } from "../../core/logger.js";
import { UNREGISTERED_TAINT } from "../../core/well-known.js";
import {
  type CloudInstance,
  InsufficientCapacityError,
  type LaunchBatchRequest,
  type LaunchError,
  type LaunchRequest,
  UnfulfillableLaunchError,
} from "../provider.js";
import { type Ami, effectiveAmiFamily } from "./amis.js";
import { bootstrapLabels } from "./bootstrap-labels.js";
import {
  buildCreateFleetInput,
  classifyFleetErrors,
  classifyThrownError,
  type FleetCapacityType,
  type FleetLaunchTemplate,
  fleetErrors,
  LAUNCH_TEMPLATE_NOT_FOUND_CODES,
  launchedInstances,
  MAX_INSTANCE_TYPES,
  unavailableOfferingsOf,
} from "./fleet.js";
import { type Candidate, type FleetOrder, toCloudInstance } from "./fleet-order.js";
import type { InstanceProfileManager } from "./instance-profiles.js";
import { effectiveKubelet } from "./instance-type-catalog.js";
import { groupOverrides, launchGroups } from "./launch-groups.js";
import { requireInstanceProfile } from "./launch-identity.js";
import type { LaunchTemplateManager } from "./launch-templates.js";
import {
  exhaustedReservations,
  type ReservationCounter,
  reservedCandidates,
  reservedTarget,
} from "./reserved-launch.js";
import { type ApiGate, awsErrorCode, ec2Call } from "./retry.js";
import type { SecurityGroup } from "./security-groups.js";
import type { Subnet, SubnetResolver } from "./subnets.js";
import { batchInstanceTags, instanceTags, launchTemplateTags } from "./tags.js";
import type { UnavailableOfferings } from "./unavailable-offerings.js";
import { type BootstrapOptions, renderUserData } from "./user-data.js";

/** Cluster facts that go into user data and AMI lookups. */
export interface ClusterInfo {
  name: string;
  /** API server endpoint (`https://…`). */
  endpoint: string;
  /** Base64 PEM CA bundle. */
  caBundle: string;
  /** Service CIDR (required for AL2023). @default unset */
  serviceCidr?: string;
  /** `1.31` (AMI SSM parameters). */
  kubernetesVersion: string;
  /** kube-dns ClusterIP(s) when not set in the kubelet config. @default unset (the AMI's default) */
  clusterDNS?: string[];
}

/** What a launch needs resolved for the NodeClass. */
export interface ResolvedClass {
  cluster: ClusterInfo;
  subnets: Subnet[];
  securityGroups: SecurityGroup[];
  amis: Ami[];
}

/** Dependencies of {@link Launcher}. */
export interface LauncherDeps {
  ec2: EC2Client;
  gate: ApiGate;
  clock: Clock;
  subnets: SubnetResolver;
  launchTemplates: LaunchTemplateManager;
  unavailable: UnavailableOfferings;
  logger: Logger;
  /** The managed instance profiles of NodeClass roles. */
  instanceProfiles: InstanceProfileManager;
  /**
   * Instance profile of an AWSNodeTemplate that names none (Karpenter v0.x's `aws.defaultInstanceProfile`); an
   * EC2NodeClass always names a role or an instance profile. @default unset
   */
  defaultInstanceProfile?: string;
  /** Remaining instances per capacity reservation. @default unset (the offerings' counts) */
  reservations?: ReservationCounter;
}

/** The ClientToken for an attempt: the claim id (first capacity type) or claim id + capacity type (fallback). */
export function clientTokenFor(claimId: string, capacityType: FleetCapacityType, primary: boolean): string {
  const token = primary ? claimId : `${claimId}-${capacityType}`;
  return token.length <= 64 ? token : createHash("sha256").update(token).digest("hex").slice(0, 64);
}

/** Runs the create path of the AWS cloud provider. */
export class Launcher {
  constructor(private readonly deps: LauncherDeps) {}

  /** The capacity types to try, spot first; throws when the class resolved to nothing launchable. */
  private capacityOrder(
    req: Omit<LaunchRequest, "claimId">,
    resolved: ResolvedClass,
    ctx: string,
  ): FleetCapacityType[] {
    if (resolved.subnets.length === 0) {
      throw new UnfulfillableLaunchError(`${ctx}: no subnet matches the NodeClass subnetSelectorTerms`);
    }
    if (resolved.securityGroups.length === 0) {
      throw new UnfulfillableLaunchError(`${ctx}: no security group matches the NodeClass securityGroupSelectorTerms`);
    }
    if (resolved.amis.length === 0) throw new UnfulfillableLaunchError(`${ctx}: no AMI resolved for the NodeClass`);
    requireInstanceProfile(req.nodeClass, this.deps.defaultInstanceProfile, ctx);
    const order = (["reserved", "spot", "on-demand"] as FleetCapacityType[]).filter((ct) =>
      req.capacityTypes.includes(ct),
    );
    if (order.length === 0) {
      throw new UnfulfillableLaunchError(`${ctx}: capacity types ${req.capacityTypes.join(",")} cannot be launched`);
    }
    return order;
  }

  /** Launches one instance for the request (the caller has checked `findByClaim`). */
  async launch(req: LaunchRequest, resolved: ResolvedClass): Promise<CloudInstance> {
    const ctx = `claim ${req.claimId} (pool ${req.pool.name}, class ${req.nodeClass.name})`;
    const order = this.capacityOrder(req, resolved, ctx);
    const tags = instanceTags(resolved.cluster.name, req.pool, req.nodeClass, req.claimId);
    const iceOfferings: InsufficientCapacityError["offerings"] = [];
    const reasons: string[] = [];
    for (let i = 0; i < order.length; i++) {
      const ct = order[i];
      try {
        const token = clientTokenFor(req.claimId, ct, i === 0);
        const { instances } = await this.attempt({ req, resolved, ct, token, tags, count: 1, ctx });
        return instances[0];
      } catch (err) {
        if (!(err instanceof InsufficientCapacityError)) throw err;
        iceOfferings.push(...err.offerings);
        reasons.push(err.message);
      }
    }
    throw new InsufficientCapacityError(reasons.join(" | "), iceOfferings);
  }

  /**
   * Launches one instance per claim of a batch: one CreateFleet for all of them per capacity type (spot first; the
   * claims spot could not fill go to on-demand), ClientToken derived from the batch id, the batch tag on every
   * instance. Returns the instances (unassigned: the caller assigns and tags them) and, when fewer launched than
   * claims, the classified reason; throws when nothing launched.
   */
  async launchBatch(
    req: LaunchBatchRequest,
    resolved: ResolvedClass,
  ): Promise<{ instances: CloudInstance[]; shortfall?: LaunchError }> {
    const ctx = `launch batch ${req.batchId} of ${req.claimIds.length} (pool ${req.pool.name}, class ${req.nodeClass.name})`;
    const order = this.capacityOrder(req, resolved, ctx);
    const tags = batchInstanceTags(resolved.cluster.name, req.pool, req.nodeClass, req.batchId);
    const instances: CloudInstance[] = [];
    const iceOfferings: InsufficientCapacityError["offerings"] = [];
    const reasons: string[] = [];
    let shortfall: LaunchError | undefined;
    for (let i = 0; i < order.length && instances.length < req.claimIds.length; i++) {
      const ct = order[i];
      const count = req.claimIds.length - instances.length;
      try {
        const token = clientTokenFor(req.batchId, ct, i === 0);
        const got = await this.attempt({ req, resolved, ct, token, tags, count, ctx });
        instances.push(...got.instances);
        shortfall = got.shortfall;
        if (got.shortfall instanceof InsufficientCapacityError) iceOfferings.push(...got.shortfall.offerings);
      } catch (err) {
        if (instances.length > 0) {
          // Some claims have instances already: report the rest as unfilled rather than lose what launched.
          shortfall = classifyThrownError(err, `${ctx}: CreateFleet ${ct}`);
          break;
        }
        if (!(err instanceof InsufficientCapacityError)) throw err;
        iceOfferings.push(...err.offerings);
        reasons.push(err.message);
      }
    }
    if (instances.length === 0) throw new InsufficientCapacityError(reasons.join(" | "), iceOfferings);
    return { instances, shortfall: instances.length < req.claimIds.length ? shortfall : undefined };
  }

  private candidates(
    req: Omit<LaunchRequest, "claimId">,
    ct: FleetCapacityType,
    zonal: Map<string, Subnet>,
  ): Candidate[] {
    const now = this.deps.clock.now();
    if (ct === "reserved") {
      return reservedCandidates(req, zonal, this.deps.reservations, (type, zone) =>
        this.deps.unavailable.isUnavailable(type, zone, "reserved", now),
      ).slice(0, MAX_INSTANCE_TYPES);
    }
    const allowedZones = new Set(req.zones);
    const out: Candidate[] = [];
    for (const type of req.instanceTypes) {
      const zones = new Map<string, number>();
      for (const o of type.offerings) {
        if (o.capacityType !== ct || !o.available || !allowedZones.has(o.zone) || !zonal.has(o.zone)) continue;
        if (this.deps.unavailable.isUnavailable(type.name, o.zone, ct, now)) continue;
        const cur = zones.get(o.zone);
        if (cur === undefined || o.price < cur) zones.set(o.zone, o.price);
      }
      if (zones.size > 0) out.push({ type, zones, cheapest: Math.min(...zones.values()) });
    }
    out.sort((a, b) => a.cheapest - b.cheapest || a.type.name.localeCompare(b.type.name));
    return out.slice(0, MAX_INSTANCE_TYPES);
  }

  private async launchTemplates(
    req: Omit<LaunchRequest, "claimId">,
    resolved: ResolvedClass,
    ct: FleetCapacityType,
    candidates: Candidate[],
    zonal: Map<string, Subnet>,
  ): Promise<FleetLaunchTemplate[]> {
    const { nodeClass, pool } = req;
    const kubelet = effectiveKubelet(pool, nodeClass);
    const family = effectiveAmiFamily(nodeClass);
    const taints = registerWithTaints(req);
    const instanceProfile = await this.instanceProfileOf(nodeClass);
    const out: FleetLaunchTemplate[] = [];
    for (const g of launchGroups(candidates, resolved.amis, kubelet, nodeClass, req.efa === true)) {
      const bootstrap: BootstrapOptions = {
        clusterName: resolved.cluster.name,
        apiServerEndpoint: resolved.cluster.endpoint,
        caBundle: resolved.cluster.caBundle,
        serviceCidr: resolved.cluster.serviceCidr,
        labels: bootstrapLabels(req, ct, g.reservation),
        taints,
        kubelet: { ...kubelet, clusterDNS: kubelet.clusterDNS ?? resolved.cluster.clusterDNS },
        maxPods: g.maxPods,
        customUserData: nodeClass.userData,
        instanceStorePolicy: nodeClass.instanceStorePolicy,
      };
      const name = await this.deps.launchTemplates.ensure({
        imageId: g.ami.id,
        userData: renderUserData(family, bootstrap),
        instanceProfile,
        securityGroupIds: resolved.securityGroups.map((s) => s.id),
        blockDeviceMappings: nodeClass.blockDeviceMappings,
        amiFamily: family,
        metadataOptions: nodeClass.metadataOptions,
        detailedMonitoring: nodeClass.detailedMonitoring,
        associatePublicIPAddress: nodeClass.associatePublicIPAddress,
        placementGroup: nodeClass.placementGroup,
        networkInterfaces: g.nics,
        tags: launchTemplateTags(resolved.cluster.name, pool, nodeClass),
        ...(g.reservation ? { capacityReservation: g.reservation } : {}),
      });
      out.push({ name, overrides: groupOverrides(g.types, zonal) });
    }
    return out;
  }

  /** The class's instance profile: named, managed for its role, or (AWSNodeTemplate) the deployment's default. */
  private instanceProfileOf(nodeClass: NodeClass): Promise<string | undefined> | string | undefined {
    if (nodeClass.instanceProfile) return nodeClass.instanceProfile;
    if (nodeClass.role) return this.deps.instanceProfiles.ensure({ ...nodeClass, role: nodeClass.role });
    return this.deps.defaultInstanceProfile;
  }

  /** Sends one CreateFleet (retrying once for a vanished template or a token reused with other parameters). */
  private async sendFleet(order: FleetOrder, candidates: Candidate[], zonal: Map<string, Subnet>) {
    const { req, resolved, ct, ctx } = order;
    let templates = await this.launchTemplates(req, resolved, ct, candidates, zonal);
    if (templates.length === 0) {
      throw new UnfulfillableLaunchError(`${ctx}: no resolved AMI fits any of the ${candidates.length} instance types`);
    }
    let token = order.token;
    for (let tries = 0; ; tries++) {
      const input = buildCreateFleetInput({
        clientToken: token,
        capacityType: ct,
        launchTemplates: templates,
        tags: order.tags,
        targetCapacity: order.count,
        reservationType: candidates[0]?.reservation?.type,
        context: req.nodeClass.context,
      });
      try {
        return await this.deps.gate.call(ec2Call("CreateFleet"), () =>
          this.deps.ec2.send(new CreateFleetCommand(input)),
        );
      } catch (err) {
        const code = awsErrorCode(err) ?? "";
        if (tries === 0 && LAUNCH_TEMPLATE_NOT_FOUND_CODES.has(code)) {
          for (const t of templates) this.deps.launchTemplates.forget(t.name);
          templates = await this.launchTemplates(req, resolved, ct, candidates, zonal);
          continue;
        }
        if (tries === 0 && code === "IdempotentParameterMismatch") {
          // An earlier attempt with this token had other parameters and left no instance (the caller checked).
          const digest = createHash("sha256").update(JSON.stringify(input)).digest("hex").slice(0, 12);
          token = clientTokenFor(`${token.slice(0, 51)}-${digest}`, ct, true);
          continue;
        }
        throw classifyThrownError(err, `${ctx}: CreateFleet ${ct}`);
      }
    }
  }

  /**
   * One CreateFleet for `order.count` instances of one capacity type. Returns what launched (at least one) and the
   * classified fleet errors when fewer launched; throws the classified error when nothing did.
   */
  private async attempt(fleetOrder: FleetOrder): Promise<{ instances: CloudInstance[]; shortfall?: LaunchError }> {
    let order = fleetOrder;
    const { req, resolved, ct, ctx } = order;
    const zonal = this.deps.subnets.zonalSubnets(resolved.subnets, req.zones);
    const candidates = this.candidates(req, ct, zonal);
    if (candidates.length === 0) {
      throw new InsufficientCapacityError(
        `${ctx}: no available ${ct} offering in zones ${req.zones.join(",") || "(none)"} with a NodeClass subnet`,
        [],
      );
    }
    if (ct === "reserved") order = { ...order, count: reservedTarget(order.count, candidates, this.deps.reservations) };
    const out = await this.sendFleet(order, candidates, zonal);
    const zoneOf = (id: string) => resolved.subnets.find((s) => s.id === id)?.zone;
    const errors = fleetErrors(out.Errors, ct, zoneOf);
    await this.recordErrors(errors, resolved.subnets);
    if (ct === "reserved") {
      for (const id of exhaustedReservations(errors, candidates)) this.deps.reservations?.markExhausted(id);
    }
    const launched = launchedInstances(out).slice(0, order.count);
    if (launched.length === 0) throw classifyFleetErrors(errors, `${ctx}: CreateFleet ${ct}`);
    const instances = launched.map((l) => toCloudInstance(l, order, candidates, zoneOf, this.deps.clock.now()));
    for (const i of instances)
      if (i.capacityReservationId) this.deps.reservations?.markLaunched(i.capacityReservationId);
    this.deps.logger.info("launched instances", {
      ctx,
      instanceIds: instances.slice(0, 20).map((i) => i.instanceId),
      launched: instances.length,
      requested: order.count,
      capacityType: ct,
      options: candidates.length,
    });
    const shortfall =
      instances.length < order.count
        ? classifyFleetErrors(errors, `${ctx}: CreateFleet ${ct} launched ${instances.length} of ${order.count}`)
        : undefined;
    return { instances, shortfall };
  }

  /**
   * Feeds the ICE cache from fleet errors. A subnet out of addresses ranks last for a while; its offerings become
   * unavailable only when no other subnet of the NodeClass is left in that zone (Karpenter PR #9054).
   */
  private async recordErrors(errors: ReturnType<typeof fleetErrors>, subnets: Subnet[]): Promise<void> {
    const now = this.deps.clock.now();
    for (const e of errors) {
      if (e.code === "InsufficientFreeAddressesInSubnet" && e.subnetId) this.deps.subnets.markExhausted(e.subnetId);
    }
    const zonesLeft = new Set(this.deps.subnets.zonalSubnets(subnets).keys());
    const marked = errors.filter((e) => e.code !== "InsufficientFreeAddressesInSubnet" || !zonesLeft.has(e.zone ?? ""));
    for (const o of unavailableOfferingsOf(marked)) {
      const code = errors.find((e) => e.instanceType === o.instanceType && e.zone === o.zone)?.code ?? "ICE";
      try {
        await this.deps.unavailable.mark(o, code, now);
      } catch (err) {
        this.deps.logger.warn("could not record an unavailable offering", { offering: o, error: String(err) });
      }
    }
    if (errors.length > 0) {
      this.deps.logger.info("CreateFleet reported errors", {
        errors: errors.slice(0, 20).map((e) => ({ code: e.code, type: e.instanceType, zone: e.zone })),
      });
    }
  }
}

/**
 * The taints the kubelet registers the node with: the pool's taints and startup taints, and
 * `karpenter.sh/unregistered:NoExecute`, which keeps pods off the node until Stevedore has registered it (synced its
 * labels, annotations and taints) and removed it, as Karpenter does.
 */
export function registerWithTaints(req: Pick<LaunchRequest, "taints" | "startupTaints">): Taint[] {
  const taints: Taint[] = [...req.taints, ...req.startupTaints];
  if (!taints.some((t) => t.key === UNREGISTERED_TAINT.key)) taints.push({ ...UNREGISTERED_TAINT });
  return taints;
}
