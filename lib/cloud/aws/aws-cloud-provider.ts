/**
 * {@link CloudProvider} over EC2, SSM and the Price List API. Composes the pieces of `lib/cloud/aws`: subnet,
 * security-group and AMI resolution, launch templates, CreateFleet, instance lookups, instance-type discovery,
 * pricing, and the unavailable-offerings cache. All SDK clients are injected (moto, the twin's emulator and tests
 * pass clients pointed at local endpoints); time comes from the injected {@link Clock}.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { PricingClient } from "@aws-sdk/client-pricing";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { NodeClass, NodePool } from "../../api/model.js";
import { type Clock, systemClock } from "../../core/clock.js";
import { type Logger, silentLogger } from "../../core/logger.js";
import { TAG_STEVEDORE_NODECLASS_HASH } from "../../core/well-known.js";
import { addReservedOfferings, poolAllowsReserved } from "../../scheduling/catalog/reserved-offerings.js";
import type { InstanceType } from "../../scheduling/types.js";
import {
  type ClaimTagRequest,
  type CloudInstance,
  type CloudProvider,
  InsufficientCapacityError,
  type LaunchBatchRequest,
  type LaunchBatchResult,
  LaunchError,
  type LaunchRequest,
  type UnavailableOffering,
  UnfulfillableLaunchError,
} from "../provider.js";
import { type Ami, AmiResolver, amiForInstanceType, effectiveAmiFamily, InvalidAmiSelectionError } from "./amis.js";
import { assignBatch } from "./batch-assignment.js";
import { CapacityReservationProvider } from "./capacity-reservations.js";
import { classifyThrownError } from "./fleet.js";
import { type InstanceProfileApi, InstanceProfileManager } from "./instance-profiles.js";
import { AwsInstanceTypeCatalog, effectiveKubelet } from "./instance-type-catalog.js";
import { InstanceTypeDiscovery } from "./instance-types.js";
import { InstanceRepository } from "./instances.js";
import { type AwsInterruptionMessage, parseInterruptionMessage } from "./interruption-messages.js";
import { type LaunchTemplateGcOptions, LaunchTemplateManager } from "./launch-templates.js";
import { type ClusterInfo, Launcher, type ResolvedClass } from "./launcher.js";
import { InvalidMimeUserDataError } from "./mime.js";
import { PricingProvider } from "./pricing.js";
import { ApiGate, type RetryOptions } from "./retry.js";
import { SecurityGroupResolver } from "./security-groups.js";
import { SubnetResolver } from "./subnets.js";
import { claimTags } from "./tags.js";
import { InMemoryUnavailableOfferings, type UnavailableOfferings } from "./unavailable-offerings.js";
import { InvalidBottlerocketUserDataError, UnsupportedUserDataError } from "./user-data.js";

export type { ClusterInfo } from "./launcher.js";

/** Cluster facts besides its name. */
export type ClusterFacts = Omit<ClusterInfo, "name">;

/** Options of {@link AwsCloudProvider}. */
export interface AwsCloudProviderOptions {
  ec2: EC2Client;
  ssm: SSMClient;
  pricing: PricingClient;
  region: string;
  /** EKS cluster name (tags, launch-template names, instance lookups). */
  clusterName: string;
  /** Endpoint, CA, service CIDR and version, or a loader (e.g. `eks:DescribeCluster`) called once and cached. */
  cluster: ClusterFacts | (() => Promise<ClusterFacts>);
  /** @default systemClock */
  clock?: Clock;
  /** @default an in-memory cache with a 3-minute TTL */
  unavailableOfferings?: UnavailableOfferings;
  /** @default silent */
  logger?: Logger;
  /** Rate limiting and retry policy, or a shared gate. @default new ApiGate(clock) */
  gate?: ApiGate | RetryOptions;
  /**
   * Instance profile of AWSNodeTemplates that name none (the stack's node instance profile). EC2NodeClasses name a
   * role (a managed profile, see `iam`) or an instance profile. @default unset
   */
  defaultInstanceProfile?: string;
  /**
   * IAM for the managed instance profiles of EC2NodeClass roles (`sdkInstanceProfileApi`).
   * @default unset (launching a class with a role fails with an unfulfillable-launch error)
   */
  iam?: InstanceProfileApi;
  /** Spot price ratio before the first spot price refresh. @default 0.35 */
  spotPriceRatio?: number;
}

/** The AWS cloud provider. */
export class AwsCloudProvider implements CloudProvider {
  readonly clock: Clock;
  readonly gate: ApiGate;
  readonly unavailable: UnavailableOfferings;
  readonly subnets: SubnetResolver;
  readonly securityGroups: SecurityGroupResolver;
  readonly amis: AmiResolver;
  readonly launchTemplates: LaunchTemplateManager;
  readonly instanceProfiles: InstanceProfileManager;
  readonly instances: InstanceRepository;
  readonly discovery: InstanceTypeDiscovery;
  readonly pricing: PricingProvider;
  readonly reservations: CapacityReservationProvider;
  private readonly catalog: AwsInstanceTypeCatalog;
  private readonly launcher: Launcher;
  private readonly logger: Logger;
  private clusterInfo: Promise<ClusterInfo> | undefined;

  constructor(private readonly opts: AwsCloudProviderOptions) {
    this.clock = opts.clock ?? systemClock;
    this.gate = opts.gate instanceof ApiGate ? opts.gate : new ApiGate(this.clock, opts.gate);
    this.logger = opts.logger ?? silentLogger;
    this.unavailable = opts.unavailableOfferings ?? new InMemoryUnavailableOfferings();
    this.subnets = new SubnetResolver(opts.ec2, this.gate, this.clock);
    this.securityGroups = new SecurityGroupResolver(opts.ec2, this.gate, this.clock);
    this.amis = new AmiResolver(opts.ec2, opts.ssm, this.gate, this.clock);
    this.launchTemplates = new LaunchTemplateManager(opts.ec2, this.gate, this.clock, opts.clusterName);
    this.instanceProfiles = new InstanceProfileManager(opts.iam, this.gate, this.clock, opts.clusterName, opts.region);
    this.instances = new InstanceRepository(opts.ec2, this.gate, opts.clusterName);
    this.reservations = new CapacityReservationProvider(opts.ec2, this.gate, this.clock);
    this.discovery = new InstanceTypeDiscovery(opts.ec2, this.gate, this.clock, { logger: this.logger });
    this.pricing = new PricingProvider({
      ec2: opts.ec2,
      pricing: opts.pricing,
      gate: this.gate,
      clock: this.clock,
      region: opts.region,
      logger: this.logger,
      spotPriceRatio: opts.spotPriceRatio,
    });
    this.catalog = new AwsInstanceTypeCatalog({
      region: opts.region,
      discovery: this.discovery,
      pricing: this.pricing,
      unavailable: this.unavailable,
      clock: this.clock,
    });
    this.launcher = new Launcher({
      ec2: opts.ec2,
      gate: this.gate,
      clock: this.clock,
      subnets: this.subnets,
      launchTemplates: this.launchTemplates,
      unavailable: this.unavailable,
      logger: this.logger,
      instanceProfiles: this.instanceProfiles,
      defaultInstanceProfile: opts.defaultInstanceProfile,
      reservations: this.reservations,
    });
  }

  /** Cluster facts (loaded once). */
  cluster(): Promise<ClusterInfo> {
    if (!this.clusterInfo) {
      const c = this.opts.cluster;
      this.clusterInfo = (typeof c === "function" ? c() : Promise.resolve(c)).then((facts) => ({
        ...facts,
        name: this.opts.clusterName,
      }));
      this.clusterInfo.catch(() => {
        this.clusterInfo = undefined;
      });
    }
    return this.clusterInfo;
  }

  /** Resolves what a launch needs for a class (cached resolvers). */
  async resolveClass(nodeClass: NodeClass): Promise<ResolvedClass> {
    const cluster = await this.cluster();
    const [subnets, securityGroups, amis] = await Promise.all([
      this.subnets.resolve(nodeClass.subnetSelectorTerms),
      this.securityGroups.resolve(nodeClass.securityGroupSelectorTerms),
      this.amis.resolve(nodeClass, cluster.kubernetesVersion),
    ]);
    return { cluster, subnets, securityGroups, amis };
  }

  async create(req: LaunchRequest): Promise<CloudInstance> {
    const existing = await this.findByClaim(req.claimId);
    if (existing) {
      this.logger.info("adopted instance of an earlier attempt", { claimId: req.claimId, id: existing.instanceId });
      return existing;
    }
    return this.launchWith(`claim ${req.claimId}`, req.nodeClass, (resolved) => this.launcher.launch(req, resolved));
  }

  /** Resolves the class (a bad AMI selection is unfulfillable) and runs one launch, classifying its failure. */
  private async launchWith<T>(ctx: string, nodeClass: NodeClass, launch: (r: ResolvedClass) => Promise<T>): Promise<T> {
    await this.refreshUnavailable();
    let resolved: ResolvedClass;
    try {
      resolved = await this.resolveClass(nodeClass);
    } catch (err) {
      if (err instanceof InvalidAmiSelectionError) throw new UnfulfillableLaunchError(`${ctx}: ${err.message}`, err);
      throw classifyThrownError(err, `${ctx}: resolving NodeClass "${nodeClass.name}"`);
    }
    try {
      return await launch(resolved);
    } catch (err) {
      throw this.launchFailure(err, ctx, nodeClass);
    }
  }

  async createBatch(req: LaunchBatchRequest): Promise<LaunchBatchResult> {
    const [only, ...rest] = req.claimIds;
    if (only !== undefined && rest.length === 0) {
      // A batch of one is an ordinary launch: ClientToken and tag are the claim id.
      const instance = await this.create({ ...req, claimId: only });
      return { instances: new Map([[only, instance]]), unfilled: [] };
    }
    let instances = await this.instances.findByBatch(req.batchId);
    let shortfall: LaunchError | undefined;
    if (instances.length > 0) {
      this.logger.info("adopted the instances of an earlier attempt", {
        batchId: req.batchId,
        found: instances.length,
      });
    } else {
      const launched = await this.launchBatchInstances(req);
      instances = launched.instances;
      shortfall = launched.shortfall;
    }
    // No per-claim CreateTags here: the assignment is deterministic from the batch's instances and the claims'
    // records, so a retry agrees with it; the claim tag follows later (tagClaims).
    const { assigned, unfilled, surplus } = assignBatch(req.claimIds, instances, req.recorded);
    if (surplus.length > 0) {
      this.logger.warn("terminating instances of a launch batch no claim owns", {
        batchId: req.batchId,
        instanceIds: surplus.map((i) => i.instanceId),
      });
      await this.instances.terminateMany(surplus.map((i) => i.instanceId));
    }
    const unfilledError =
      unfilled.length === 0
        ? undefined
        : (shortfall ??
          new InsufficientCapacityError(
            `launch batch ${req.batchId}: ${instances.length} instances for ${req.claimIds.length} claims`,
            [],
          ));
    return { instances: assigned, unfilled, unfilledError };
  }

  private async launchBatchInstances(
    req: LaunchBatchRequest,
  ): Promise<{ instances: CloudInstance[]; shortfall?: LaunchError }> {
    return this.launchWith(`launch batch ${req.batchId}`, req.nodeClass, (resolved) =>
      this.launcher.launchBatch(req, resolved),
    );
  }

  /** Classifies a launch failure (user-data problems are unfulfillable). */
  private launchFailure(err: unknown, ctx: string, nodeClass: NodeClass): LaunchError {
    if (err instanceof LaunchError) return err;
    if (
      err instanceof UnsupportedUserDataError ||
      err instanceof InvalidBottlerocketUserDataError ||
      err instanceof InvalidMimeUserDataError
    ) {
      return new UnfulfillableLaunchError(`${ctx}: NodeClass "${nodeClass.name}": ${(err as Error).message}`, err);
    }
    return classifyThrownError(err, `${ctx}: launch`);
  }

  async tagClaims(requests: ClaimTagRequest[]): Promise<void> {
    if (requests.length === 0) return;
    await this.cluster();
    for (const r of requests) await this.instances.tag([r.instanceId], claimTags({ name: r.pool }, r.claimId));
  }

  async delete(instanceId: string): Promise<void> {
    await this.cluster();
    await this.instances.terminate(instanceId);
  }

  async deleteMany(instanceIds: string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    await this.cluster();
    await this.instances.terminateMany(instanceIds);
  }

  async get(instanceId: string): Promise<CloudInstance | undefined> {
    await this.cluster();
    return this.instances.get(instanceId);
  }

  async getMany(instanceIds: string[]): Promise<Map<string, CloudInstance>> {
    if (instanceIds.length === 0) return new Map();
    await this.cluster();
    return this.instances.getMany(instanceIds);
  }

  async findByClaim(claimId: string): Promise<CloudInstance | undefined> {
    await this.cluster();
    return this.instances.findByClaim(claimId);
  }

  async findByBatch(batchId: string): Promise<CloudInstance[]> {
    await this.cluster();
    return this.instances.findByBatch(batchId);
  }

  async list(): Promise<CloudInstance[]> {
    await this.cluster();
    return this.instances.list();
  }

  async getInstanceTypes(pool: NodePool, nodeClass: NodeClass): Promise<InstanceType[]> {
    await this.refreshUnavailable();
    const cluster = await this.cluster();
    const subnets = await this.subnets.resolve(nodeClass.subnetSelectorTerms);
    const zones = [...new Set(subnets.map((s) => s.zone))].sort();
    const types = await this.catalog.get({
      kubelet: effectiveKubelet(pool, nodeClass),
      amiFamily: effectiveAmiFamily(nodeClass),
      zones,
      blockDeviceMappings: nodeClass.blockDeviceMappings,
      instanceStorePolicy: nodeClass.instanceStorePolicy,
      networkInterfaces: nodeClass.networkInterfaces,
    });
    const withReserved = await this.withReservedOfferings(types, pool, nodeClass);
    let amis: Ami[];
    try {
      amis = await this.amis.resolve(nodeClass, cluster.kubernetesVersion);
    } catch (err) {
      if (err instanceof InvalidAmiSelectionError) throw err;
      this.logger.warn("AMI resolution failed; instance types not filtered by AMI", { error: String(err) });
      return withReserved;
    }
    return withReserved.filter((t) => amiForInstanceType(amis, t) !== undefined);
  }

  /**
   * Adds the class's capacity reservations as `reserved` offerings when the pool allows reserved capacity. A
   * reservation that just refused a launch is unavailable for the unavailable-offerings TTL.
   */
  private async withReservedOfferings(
    types: InstanceType[],
    pool: NodePool,
    nodeClass: NodeClass,
  ): Promise<InstanceType[]> {
    const terms = nodeClass.capacityReservationSelectorTerms ?? [];
    if (terms.length === 0 || !poolAllowsReserved(pool)) return types;
    const now = this.clock.now();
    const reservations = await this.reservations.list(terms);
    return addReservedOfferings(types, reservations, {
      unavailable: (r) => this.unavailable.isUnavailable(r.instanceType, r.zone, "reserved", now),
    });
  }

  async isDrifted(instance: CloudInstance, nodeClass: NodeClass): Promise<string | undefined> {
    const launchedHash = instance.tags[TAG_STEVEDORE_NODECLASS_HASH];
    if (launchedHash && launchedHash !== nodeClass.hash) return "NodeClassDrifted";
    const resolved = await this.resolveClass(nodeClass);
    if (instance.imageId && resolved.amis.length > 0 && !resolved.amis.some((a) => a.id === instance.imageId)) {
      return "AMIDrifted";
    }
    if (instance.subnetId && !resolved.subnets.some((s) => s.id === instance.subnetId)) return "SubnetDrifted";
    if (instance.securityGroupIds) {
      const want = resolved.securityGroups.map((g) => g.id).sort();
      const have = [...instance.securityGroupIds].sort();
      if (want.length !== have.length || want.some((id, i) => id !== have[i])) return "SecurityGroupDrifted";
    }
    return undefined;
  }

  async markOfferingUnavailable(offering: UnavailableOffering, reason: string): Promise<void> {
    await this.unavailable.mark(offering, reason, this.clock.now());
  }

  /** Parses an EventBridge event delivered by the interruption queue (see `interruption-messages.ts`). */
  parseInterruptionMessage(body: string): AwsInterruptionMessage {
    return parseInterruptionMessage(body);
  }

  /**
   * Deletes launch templates no current NodeClass produces (see {@link LaunchTemplateManager.garbageCollect}) and
   * managed instance profiles no class uses and no live instance runs with
   * (see {@link InstanceProfileManager.garbageCollect}).
   */
  async garbageCollect(nodeClasses: NodeClass[], opts?: LaunchTemplateGcOptions): Promise<string[]> {
    await this.cluster();
    const templates = await this.launchTemplates.garbageCollect(nodeClasses, opts);
    try {
      const live = await this.instances.list();
      const inUse = new Set(live.flatMap((i) => (i.instanceProfile ? [i.instanceProfile] : [])));
      return [...templates, ...(await this.instanceProfiles.garbageCollect(nodeClasses, inUse, opts?.minAgeMs))];
    } catch (err) {
      this.logger.warn("could not garbage-collect instance profiles", { error: String(err) });
      return templates;
    }
  }

  private async refreshUnavailable(): Promise<void> {
    if (!this.unavailable.refresh) return;
    try {
      await this.unavailable.refresh(this.clock.now());
    } catch (err) {
      this.logger.warn("could not load unavailable offerings; using the local copy", { error: String(err) });
    }
  }
}
