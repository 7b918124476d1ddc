/**
 * The AWS emulator: EC2, SSM, Pricing, EKS, STS and CloudFormation (DescribeStacks) for one region on one local
 * HTTP endpoint, spoken to by the real AWS SDK clients through their `endpoint` setting, with a controllable world (capacity, spot prices, faults,
 * interruptions) and an in-process inspection API. Time comes from an injectable clock, so the twin can run it
 * on virtual time.
 */
import { defaultZones } from "../../cloud/aws/builtin-catalog.js";
import { systemClock } from "../../core/clock.js";
import type { CapacityLimit, PurchaseOption, VcpuQuotas } from "./capacity.js";
import type { EmulatedStack, StackOutput } from "./cloudformation.js";
import { DefaultEventBus } from "./default-event-bus.js";
import { defaultEksCluster, type EksClusterConfig } from "./eks.js";
import {
  type AwsEmulatorOptions,
  DEFAULT_KUBERNETES_VERSIONS,
  type InstanceQuery,
  type InstanceSnapshot,
  type LaunchTemplateSnapshot,
} from "./emulator-options.js";
import type { AwsEvent, AwsEventListener } from "./events.js";
import { FaultInjector, type OutageOptions, type ThrottleOptions } from "./faults.js";
import type { EmulatedImage, ImageSpec } from "./images.js";
import { InstanceSnapshots } from "./instance-snapshots.js";
import type { EmulatedInstance } from "./instances.js";
import type { EmulatedSecurityGroup, EmulatedSubnet, SecurityGroupSpec, SubnetSpec } from "./network.js";
import { PricingService } from "./pricing.js";
import { SeededRandom } from "./random.js";
import { Ec2RateLimiter } from "./rate-limits.js";
import { AwsHttpServer } from "./server.js";
import { Ec2World } from "./world.js";

/** The emulated AWS account and its HTTP endpoint. */
export class AwsEmulator {
  /** The world model (for advanced control; prefer the methods below). */
  readonly world: Ec2World;
  /** The account's default EventBridge bus: the decision events the controllers put, counted by detail-type. */
  readonly defaultEventBus: DefaultEventBus;
  private readonly faults: FaultInjector;
  private readonly rateLimits: Ec2RateLimiter;
  private readonly server: AwsHttpServer;
  private readonly counts = new Map<string, number>();
  private readonly stacks = new Map<string, EmulatedStack>();
  private eks: EksClusterConfig;
  private readonly createdAtMs: number;
  private readonly noticeMs: number;

  constructor(options: AwsEmulatorOptions = {}) {
    const region = options.region ?? "us-east-1";
    const clusterName = options.clusterName ?? "twin";
    const seed = options.seed ?? 1;
    const clock = options.clock ?? systemClock;
    this.world = new Ec2World({
      region,
      accountId: options.accountId ?? "123456789012",
      clusterName,
      zones: options.zones ?? defaultZones(region),
      clock,
      seed,
      timings: {
        bootDelayMs: options.bootDelayMs ?? 10_000,
        shutdownDelayMs: options.shutdownDelayMs ?? 20_000,
        terminatedRetentionMs: options.terminatedRetentionMs ?? 3_600_000,
      },
      spotPrices: options.spotPrices ?? {},
      capacity: options.capacity ?? [],
      vcpuQuotas: options.vcpuQuotas ?? {},
      kubernetesVersions: options.kubernetesVersions ?? DEFAULT_KUBERNETES_VERSIONS,
      instanceTypes: options.instanceTypes,
      offeringExclusions: options.offeringExclusions ?? [],
      iamRoles: options.iamRoles,
    });
    for (const r of options.capacityReservations ?? []) this.world.reservations.add(r);
    this.noticeMs = options.spotInterruptionNoticeMs ?? 120_000;
    this.createdAtMs = clock.now();
    this.eks = { ...defaultEksCluster(clusterName), ...options.eksCluster };
    this.faults = new FaultInjector(new SeededRandom(seed ^ 0x7ea5e), options.throttle);
    this.rateLimits = new Ec2RateLimiter(options.ec2RateLimits ?? true);
    this.defaultEventBus = new DefaultEventBus(() => clock.now());
    this.server = new AwsHttpServer({
      world: this.world,
      defaultEventBus: this.defaultEventBus,
      faults: this.faults,
      pricing: new PricingService(this.world),
      eksCluster: () => this.eks,
      stacks: this.stacks,
      eksContext: () => ({
        region,
        accountId: this.world.config.accountId,
        createdAtMs: this.createdAtMs,
        vpcId: this.world.network.vpcId,
        subnetIds: [...this.world.network.subnets.keys()],
        clusterSecurityGroupId: this.world.network.clusterSecurityGroupId,
      }),
      counts: this.counts,
      rateLimits: this.rateLimits,
      requestIds: new SeededRandom(seed ^ 0x5eed),
    });
  }

  /** Starts the HTTP endpoint (127.0.0.1, port 0 = any free port); resolves to its URL. */
  start(port = 0, host = "127.0.0.1"): Promise<string> {
    return this.server.listen(port, host);
  }

  /** Stops the HTTP endpoint. */
  close(): Promise<void> {
    return this.server.close();
  }

  /** The URL every SDK client uses as `endpoint` (all services share it). */
  get endpoint(): string {
    return this.server.endpoint;
  }

  /** Applies instance transitions due by `nowMs` (default: the clock's time) and emits their events. */
  tick(nowMs: number = this.world.now()): void {
    this.world.advance(nowMs);
  }

  /**
   * When the next instance transition is due (boot finished, shutdown finished, interruption or retirement
   * termination, purge of a terminated instance), so a discrete-event driver can wake up for it.
   */
  nextTransitionAt(): number | undefined {
    return this.world.instances.nextTransitionAt();
  }

  /** Snapshots handed out again while their instance is unchanged (the cluster loop reads them every tick). */
  private readonly snapshots = new InstanceSnapshots((i, pricePerHour) => this.freshSnapshot(i, pricePerHour));

  private snapshot(i: EmulatedInstance): InstanceSnapshot {
    const type = this.world.catalog.get(i.instanceType);
    return this.snapshots.of(i, type ? this.world.price(type, i.zone, i.lifecycle) : 0);
  }

  private freshSnapshot(i: EmulatedInstance, pricePerHour: number): InstanceSnapshot {
    return {
      instanceId: i.instanceId,
      providerID: `aws:///${i.zone}/${i.instanceId}`,
      instanceType: i.instanceType,
      zone: i.zone,
      zoneId: i.zoneId,
      subnetId: i.subnetId,
      capacityType: i.lifecycle,
      capacityReservationId: i.capacityReservationId,
      state: i.state,
      launchTimeMs: i.launchTimeMs,
      runningAtMs: i.runningAtMs,
      shuttingDownAtMs: i.shuttingDownAtMs,
      terminatedAtMs: i.terminatedAtMs,
      imageId: i.imageId,
      architecture: i.architecture,
      tags: Object.fromEntries(i.tags),
      userData: i.userData,
      launchTemplate: i.launchTemplate && { ...i.launchTemplate },
      privateIpAddress: i.privateIpAddress,
      privateDnsName: i.privateDnsName,
      securityGroupIds: [...i.securityGroupIds],
      pricePerHour,
      interruption: i.interruption && { ...i.interruption },
    };
  }

  /** Visible instances (after applying due transitions), in launch order. */
  instances(query: InstanceQuery = {}): InstanceSnapshot[] {
    this.world.advance();
    const tags = Object.entries(query.tags ?? {});
    const out: InstanceSnapshot[] = [];
    for (const i of this.world.instances.all()) {
      if (query.states && !query.states.includes(i.state)) continue;
      if (tags.every(([k, v]) => i.tags.get(k) === v)) out.push(this.snapshot(i));
    }
    return out;
  }

  /** One instance, or undefined when unknown or purged. */
  instance(instanceId: string): InstanceSnapshot | undefined {
    this.world.advance();
    const i = this.world.instances.get(instanceId);
    return i && this.snapshot(i);
  }

  /** Every launch template. */
  launchTemplates(): LaunchTemplateSnapshot[] {
    return this.world.templates.all().map((t) => {
      const latest = t.versions[t.versions.length - 1] as (typeof t.versions)[number];
      const userData = latest.data.UserData;
      return {
        launchTemplateId: t.launchTemplateId,
        launchTemplateName: t.launchTemplateName,
        createTimeMs: t.createTimeMs,
        latestVersion: latest.versionNumber,
        tags: Object.fromEntries(t.tags),
        data: latest.data,
        userData: typeof userData === "string" ? userData : undefined,
      };
    });
  }

  /** API calls so far by `<service>:<Action>` (e.g. `ec2:CreateFleet`), including failed ones. */
  callCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Sets every call count back to zero. */
  resetCallCounts(): void {
    this.counts.clear();
  }

  /** Sum of the current hourly prices of pending and running instances. */
  hourlyCost(): number {
    this.world.advance();
    return this.world.hourlyCost();
  }

  /** Cost accrued so far (running time × price, spot at the moving price), including purged instances. */
  totalCost(): number {
    this.world.advance();
    return this.world.totalCost();
  }

  /** Every event emitted so far. */
  events(): readonly AwsEvent[] {
    return this.world.events.log();
  }

  /** Subscribes to events (state changes, spot warnings, rebalance, health); returns the unsubscribe function. */
  onEvent(listener: AwsEventListener): () => void {
    return this.world.events.subscribe(listener);
  }

  /** The current spot price of a pool (undefined: no spot market for the type). */
  spotPrice(instanceType: string, zone: string): number | undefined {
    return this.world.spot.price(instanceType, zone, this.world.now());
  }

  /** The on-demand price of a type (undefined: not in the catalog). */
  onDemandPrice(instanceType: string): number | undefined {
    return this.world.catalog.get(instanceType)?.onDemandPrice;
  }

  /** Pins a spot price from now on (the walk continues from it). */
  setSpotPrice(instanceType: string, zone: string, price: number): void {
    this.world.spot.set(instanceType, zone, price, this.world.now());
  }

  /** Caps matching pools (the last matching limit wins). */
  setCapacity(limit: CapacityLimit): void {
    this.world.capacity.setLimit(limit);
  }

  /** Removes every capacity limit. */
  clearCapacityLimits(): void {
    this.world.capacity.clearLimits();
  }

  /** Replaces the account vCPU quotas. */
  setVcpuQuotas(quotas: VcpuQuotas): void {
    this.world.capacity.quotas = quotas;
  }

  /**
   * Insufficient capacity for a type (optionally one zone and/or capacity type) until `untilMs` of the clock:
   * Fleet reports `InsufficientInstanceCapacity` for those pools, RunInstances fails.
   */
  injectIce(
    instanceType: string,
    zone: string | undefined,
    capacityType: PurchaseOption | undefined,
    untilMs: number,
  ): void {
    this.world.capacity.injectIce({ instanceType, zone, capacityType, untilMs });
  }

  /** Ends every injected shortage. */
  clearIce(): void {
    this.world.capacity.clearIce();
  }

  /**
   * The next `count` calls of `action` (`CreateFleet`, `ssm:GetParameter`, …) fail with `code`. On CreateFleet,
   * pool codes (`InsufficientInstanceCapacity`, `UnfulfillableCapacity`, …) come back as per-pool `Errors` in a
   * 200 response, as EC2 reports them; other codes fail the call.
   */
  failNext(action: string, code: string, count = 1, message?: string): void {
    this.faults.failNext(action, code, count, message);
  }

  /** Replaces the throttling settings. */
  setThrottle(options: ThrottleOptions): void {
    this.faults.setThrottle(options);
  }

  /** Turns EC2's documented rate limits on or off (their buckets start full). */
  setEc2RateLimits(enabled: boolean): void {
    this.rateLimits.setEnabled(enabled);
  }

  /** Every call fails (or its connection drops) until `untilMs` of the clock. */
  outage(untilMs: number, options?: OutageOptions): void {
    this.faults.outage(untilMs, options);
  }

  /** Ends an outage now. */
  endOutage(): void {
    this.faults.endOutage();
  }

  private requireLive(instanceId: string): EmulatedInstance {
    this.world.advance();
    const i = this.world.instances.get(instanceId);
    if (!i || (i.state !== "pending" && i.state !== "running")) {
      throw new Error(`instance ${instanceId} is not pending or running`);
    }
    return i;
  }

  /**
   * Spot interruption: emits `EC2 Spot Instance Interruption Warning` now and terminates the instance after the
   * notice (default two minutes), with state reason `Server.SpotInstanceTermination`.
   */
  interruptSpot(
    instanceId: string,
    options: { noticeMs?: number; action?: "terminate" | "stop" | "hibernate" } = {},
  ): AwsEvent {
    const i = this.requireLive(instanceId);
    if (i.lifecycle !== "spot") throw new Error(`instance ${instanceId} is not a spot instance`);
    const now = this.world.now();
    i.interruption = { noticeMs: now, terminateAtMs: now + (options.noticeMs ?? this.noticeMs) };
    return this.world.events.spotInterruption(i.instanceId, i.zone, options.action ?? "terminate", now);
  }

  /** Emits `EC2 Instance Rebalance Recommendation` for an instance (nothing else changes). */
  recommendRebalance(instanceId: string): AwsEvent {
    const i = this.requireLive(instanceId);
    return this.world.events.rebalance(i.instanceId, this.world.now());
  }

  /**
   * Emits an `AWS Health Event` (scheduledChange, EC2) for the instances now and shuts them down at `startMs`
   * (the emulator has no stopped state: a retired instance terminates).
   */
  scheduleRetirement(
    instanceIds: string[],
    startMs: number,
    eventTypeCode = "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
  ): AwsEvent {
    for (const id of instanceIds) this.requireLive(id).retireAtMs = startMs;
    return this.world.events.scheduledChange(
      instanceIds,
      eventTypeCode,
      startMs,
      startMs + 3_600_000,
      this.world.now(),
    );
  }

  /** Terminates an instance out of band (as if someone else did), with the usual events. */
  terminateInstance(instanceId: string): void {
    this.requireLive(instanceId);
    this.world.instances.terminate(instanceId, this.world.now());
  }

  /**
   * Publishes a new release of the EKS-optimised AMIs (dated now) and repoints the `recommended`/`latest` SSM
   * parameters; returns parameter name → new image id.
   */
  releaseAmis(kubernetesVersions: string[] = this.world.config.kubernetesVersions): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.world.images.release(kubernetesVersions, this.world.now())) {
      this.world.parameters.set(p.name, p.value, "String", "aws:ec2:image");
      out[p.name] = p.value;
    }
    return out;
  }

  /** Sets an SSM parameter directly (no reserved-prefix rules). */
  setParameter(name: string, value: string): void {
    this.world.parameters.set(name, value);
  }

  /** An SSM parameter's current value. */
  getParameter(name: string): string | undefined {
    return this.world.parameters.get(name);
  }

  /** Registers (or replaces) a CloudFormation stack that DescribeStacks returns, status CREATE_COMPLETE. */
  putStack(name: string, outputs: StackOutput[]): EmulatedStack {
    const id = `arn:aws:cloudformation:${this.world.config.region}:${this.world.config.accountId}:stack/${name}/${this.stacks.size + 1}`;
    const stack = { name, id, status: "CREATE_COMPLETE", createdAtMs: this.world.now(), outputs };
    this.stacks.set(name, stack);
    return stack;
  }

  /** Changes what EKS DescribeCluster returns (e.g. the fake kube-apiserver's URL and CA). */
  setEksCluster(update: Partial<EksClusterConfig>): void {
    this.eks = { ...this.eks, ...update };
  }

  /** The EKS cluster configuration. */
  eksCluster(): EksClusterConfig {
    return { ...this.eks };
  }

  /** Adds a subnet. */
  addSubnet(spec: SubnetSpec): EmulatedSubnet {
    return this.world.network.addSubnet(spec);
  }

  /** Adds a security group. */
  addSecurityGroup(spec: SecurityGroupSpec): EmulatedSecurityGroup {
    return this.world.network.addSecurityGroup(spec);
  }

  /** Adds an AMI. */
  addImage(spec: ImageSpec): EmulatedImage {
    return this.world.images.add(spec, this.world.now());
  }
}
