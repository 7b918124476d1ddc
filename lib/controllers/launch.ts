/**
 * Launching one node, crash-safe: write the claim intent (Pending) → CreateFleet with ClientToken = claim id →
 * record the instance (Launched) → log the decision. Identical nodes of one solve launch as a batch: an intent per
 * node carrying the batch id → one CreateFleet for all (ClientToken from the batch id, batch tag on the instances)
 * → each instance assigned to one claim (deterministically, no per-claim call) → each claim recorded. A crash between
 * any two steps leaves a Pending claim whose retry with the same id returns the same instance (the adapter adopts it
 * by tag, EC2 by ClientToken), so a launch never happens twice. Launch errors are classified: capacity (claim closed; the cloud provider has already recorded
 * the offerings as unavailable), unfulfillable/unauthorized/throttled (claim closed), anything else (claim left
 * Pending for recovery).
 */
import type { NodeClass, NodePool, StevedoreConfig } from "../api/model.js";
import {
  type CloudInstance,
  InsufficientCapacityError,
  type LaunchBatchResult,
  LaunchError,
  type LaunchRequest,
  ThrottledError,
  UnauthorizedError,
  type UnavailableOffering,
  UnfulfillableLaunchError,
} from "../cloud/provider.js";
import { objectKey } from "../core/kube-objects.js";
import { LABEL_STEVEDORE_CLAIM } from "../core/well-known.js";
import { RESOURCE_EFA } from "../scheduling/catalog/allocatable.js";
import type { CapacityType, InstanceType, NewNode } from "../scheduling/types.js";
import { encodePodKeys } from "../state/pod-key-list.js";
import { ConflictError, type Fence, FencedError, type NodeClaim } from "../state/types.js";
import { logDecision } from "./decisions.js";
import { type ControllerDeps, randomIds } from "./deps.js";
import { classOf } from "./snapshot.js";
import { METRIC } from "./telemetry.js";

/** What happened to a launch. */
export type LaunchOutcome =
  | { status: "launched"; claim: NodeClaim; instance: CloudInstance }
  | { status: "insufficient-capacity"; claim: NodeClaim; offerings: UnavailableOffering[] }
  | { status: "failed"; claim: NodeClaim; error: Error }
  | { status: "throttled"; claim: NodeClaim; error: Error }
  /** Unknown error: the claim stays Pending; recovery retries it with the same id. */
  | { status: "unknown"; claim: NodeClaim; error: Error };

/** Who launches and on whose behalf. */
export interface LaunchContext {
  config: StevedoreConfig;
  /** The provisioner's lease (fenced writes); undefined for unfenced controllers. */
  fence?: Fence;
  /** `provisioner`, `disruptor`, `interruption`. */
  controller: string;
  /** Why (logged): `pending pods`, `replacement of <node>`, … */
  why: string;
  /** Extra decision details (solve summary, lower bound, …). */
  details?: Record<string, unknown>;
  /**
   * When each pod the launch is for became pending: the decision-latency metric gets one sample per pod (its wait
   * from creation until this launch call). @default none (no sample: recovery, replacements, static capacity)
   */
  podsPendingSince?: number[];
}

/** A pool/class pair that cannot be found in the configuration. */
export class UnknownPoolError extends Error {
  constructor(pool: string) {
    super(`NodePool "${pool}" (or its node class) is not in the configuration in force`);
    this.name = "UnknownPoolError";
  }
}

function poolAndClass(config: StevedoreConfig, name: string): { pool: NodePool; nodeClass: NodeClass } {
  const pool = config.nodePools.find((p) => p.name === name);
  const nodeClass = pool ? classOf(config, pool) : undefined;
  if (!pool || !nodeClass) throw new UnknownPoolError(name);
  return { pool, nodeClass };
}

function priceOf(types: InstanceType[], inst: CloudInstance): number | undefined {
  if (inst.pricePerHour !== undefined) return inst.pricePerHour;
  const t = types.find((x) => x.name === inst.instanceType);
  return t?.offerings.find((o) => o.zone === inst.zone && o.capacityType === inst.capacityType)?.price;
}

/** Options a `launch` decision names (cheapest first; `optionCount` says how many there were). */
const LOGGED_OPTIONS = 15;

/** Most claims one launch batch (one CreateFleet) carries. */
export const MAX_LAUNCH_BATCH = 1000;

/**
 * Nodes with equal keys make the same launch request (pool and so node class, price-ordered instance-type options,
 * capacity types, zones, labels, taints and startup taints): the same CreateFleet input apart from the count.
 */
export function launchKey(node: NewNode): string {
  const taint = (t: { key: string; value?: string; effect: string }) => `${t.key}=${t.value ?? ""}:${t.effect}`;
  return JSON.stringify([
    node.pool,
    node.instanceTypeOptions.map((t) => t.name),
    [...node.capacityTypes].sort(),
    [...node.zones].sort(),
    Object.entries(node.labels).sort(([a], [b]) => a.localeCompare(b)),
    node.taints.map(taint),
    node.startupTaints.map(taint),
    requestsEfa(node),
  ]);
}

/** The node's pods request EFA devices. */
function requestsEfa(node: NewNode): boolean {
  return (node.requests[RESOURCE_EFA] ?? 0) > 0;
}

/** Groups new nodes into launch batches: equal {@link launchKey}, at most `max` each, in first-seen order. */
export function launchBatches(nodes: NewNode[], max = MAX_LAUNCH_BATCH): NewNode[][] {
  const groups = new Map<string, NewNode[]>();
  for (const n of nodes) {
    const key = launchKey(n);
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  const out: NewNode[][] = [];
  for (const g of groups.values()) for (let i = 0; i < g.length; i += max) out.push(g.slice(i, i + max));
  return out;
}

/** Claim id → instance id of the claims that record an instance and are not closed. */
function recordedInstances(claims: NodeClaim[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of claims) if (c.instanceId && c.state !== "Terminated") out.set(c.id, c.instanceId);
  return out;
}

/** Launches claims. */
export class ClaimLauncher {
  constructor(private readonly deps: ControllerDeps) {}

  /** A new Pending claim for a node the packer wants; `id` is one chosen beforehand (a fresh one by default). */
  intent(node: NewNode, pool: NodePool, nodeClass: NodeClass, chosenId?: string): NodeClaim {
    const now = this.deps.clock.now();
    const id = chosenId ?? (this.deps.ids ?? randomIds).claimId(node.pool);
    return {
      id,
      pool: node.pool,
      state: "Pending",
      version: 0,
      createdAt: now,
      updatedAt: now,
      instanceTypeOptions: node.instanceTypeOptions.map((t) => t.name),
      capacityTypes: node.capacityTypes,
      zones: node.zones,
      labels: { ...node.labels, [LABEL_STEVEDORE_CLAIM]: id },
      taints: node.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      startupTaints: node.startupTaints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      ...(Object.keys(pool.annotations).length > 0 ? { annotations: { ...pool.annotations } } : {}),
      ...(node.minValuesRelaxed ? { minValuesRelaxed: node.minValuesRelaxed } : {}),
      pods: node.pods.map(objectKey),
      poolHash: pool.hash,
      classHash: nodeClass.hash,
      pricePerHour: node.offering.price,
      ...(requestsEfa(node) ? { efa: true } : {}),
    };
  }

  /**
   * Writes the intent for `node` and launches it. `id`: a claim id chosen beforehand, so a caller can record it
   * before the launch (a disruption records its replacements' ids with its mark).
   */
  async launch(node: NewNode, ctx: LaunchContext, id?: string): Promise<LaunchOutcome> {
    const { pool, nodeClass } = poolAndClass(ctx.config, node.pool);
    const claim = await this.deps.state.createClaim(this.intent(node, pool, nodeClass, id), ctx.fence);
    return this.launchClaim(claim, node.instanceTypeOptions, ctx);
  }

  /**
   * Launches new nodes whose launch requests are identical ({@link launchKey}) as one batch: an intent per node,
   * all carrying one batch id, written before anything is launched; then one CreateFleet for all of them
   * ({@link launchBatchClaims}). A single node is launched alone ({@link launch}).
   */
  async launchBatch(nodes: NewNode[], ctx: LaunchContext): Promise<LaunchOutcome[]> {
    const [first, ...rest] = nodes;
    if (!first) return [];
    if (rest.length === 0) return [await this.launch(first, ctx)];
    const { pool, nodeClass } = poolAndClass(ctx.config, first.pool);
    const batchId = (this.deps.ids ?? randomIds).claimId(`batch-${first.pool}`);
    const intents = nodes.map((n) => ({ ...this.intent(n, pool, nodeClass), batchId }));
    const claims = await this.deps.state.createClaims(intents, ctx.fence);
    return this.launchBatchClaims(claims, claims, first.instanceTypeOptions, ctx);
  }

  /**
   * Launches (or, after a crash, re-launches) the Pending claims of one batch with one CreateFleet. `batch` is every
   * claim of the batch, in any state, so the request and the instance-to-claim assignment are the same on every
   * attempt (claims that already record an instance keep it). Instances assigned to claims that are no longer
   * Pending are recorded only if the claim has that instance; otherwise they are terminated.
   */
  async launchBatchClaims(
    pending: NodeClaim[],
    batch: NodeClaim[],
    types: InstanceType[] | undefined,
    ctx: LaunchContext,
  ): Promise<LaunchOutcome[]> {
    const [first] = pending;
    if (!first?.batchId) return [];
    const { pool, nodeClass } = poolAndClass(ctx.config, first.pool);
    const options = types ?? (await this.optionsOf(first, pool, nodeClass));
    const { claimId: _, ...req } = this.request(first, pool, nodeClass, options);
    this.recordLatency(ctx);
    let result: LaunchBatchResult;
    try {
      result = await this.deps.cloud.createBatch({
        ...req,
        batchId: first.batchId,
        claimIds: batch.map((c) => c.id),
        recorded: recordedInstances(batch),
      });
    } catch (err) {
      const outcomes: LaunchOutcome[] = [];
      for (const claim of pending) outcomes.push(await this.failed(claim, err as Error, ctx));
      return outcomes;
    }
    const outcomes: LaunchOutcome[] = [];
    const pendingIds = new Set(pending.map((c) => c.id));
    for (const claim of pending) {
      const instance = result.instances.get(claim.id);
      if (instance) outcomes.push(await this.recordLaunch(claim, instance, options, pool, ctx));
      else outcomes.push(await this.failed(claim, result.unfilledError ?? new LaunchError("unfilled"), ctx));
    }
    const recorded = recordedInstances(batch);
    for (const [claimId, instance] of result.instances) {
      if (pendingIds.has(claimId) || recorded.get(claimId) === instance.instanceId) continue;
      await this.terminateUnlessOwned(claimId, instance);
    }
    return outcomes;
  }

  /**
   * Launches (or re-launches, after a crash) an existing Pending claim with its own id as ClientToken. `types` are
   * the price-ordered options; when omitted they are resolved from the pool's catalog by the claim's option names.
   */
  async launchClaim(claim: NodeClaim, types: InstanceType[] | undefined, ctx: LaunchContext): Promise<LaunchOutcome> {
    const { pool, nodeClass } = poolAndClass(ctx.config, claim.pool);
    const options = types ?? (await this.optionsOf(claim, pool, nodeClass));
    const req = this.request(claim, pool, nodeClass, options);
    this.recordLatency(ctx);
    let instance: CloudInstance;
    try {
      instance = await this.deps.cloud.create(req);
    } catch (err) {
      return this.failed(claim, err as Error, ctx);
    }
    return this.recordLaunch(claim, instance, options, pool, ctx);
  }

  /** The claim's options resolved from the pool's catalog by name, in the claim's order. */
  private async optionsOf(claim: NodeClaim, pool: NodePool, nodeClass: NodeClass): Promise<InstanceType[]> {
    const catalog = await this.deps.cloud.getInstanceTypes(pool, nodeClass);
    const byName = new Map(catalog.map((t) => [t.name, t]));
    return claim.instanceTypeOptions.map((n) => byName.get(n)).filter((t): t is InstanceType => t !== undefined);
  }

  private request(claim: NodeClaim, pool: NodePool, nodeClass: NodeClass, options: InstanceType[]): LaunchRequest {
    return {
      claimId: claim.id,
      pool,
      nodeClass,
      instanceTypes: options,
      capacityTypes: claim.capacityTypes as CapacityType[],
      zones: claim.zones,
      labels: claim.labels,
      taints: claim.taints,
      startupTaints: claim.startupTaints,
      ...(claim.efa ? { efa: true } : {}),
    };
  }

  /** One decision-latency sample per pod the launch is for (its wait from creation until now). */
  private recordLatency(ctx: LaunchContext): void {
    const now = this.deps.clock.now();
    for (const since of ctx.podsPendingSince ?? []) {
      this.deps.telemetry.metrics.add(METRIC.decisionLatency, Math.max(0, now - since), "Milliseconds");
    }
  }

  /** An instance assigned to a claim that is no longer Pending: kept if the claim records it, else terminated. */
  private async terminateUnlessOwned(claimId: string, instance: CloudInstance): Promise<void> {
    const claim = await this.deps.state.getClaim(claimId);
    if (claim && claim.state !== "Terminated" && claim.instanceId === instance.instanceId) return;
    this.deps.telemetry.logger.warn("batch instance assigned to a closed claim; terminating it", {
      claimId,
      instanceId: instance.instanceId,
    });
    await this.deps.cloud.delete(instance.instanceId);
  }

  /** Records a launched instance on its claim (Launched) and logs the decision. */
  private async recordLaunch(
    claim: NodeClaim,
    instance: CloudInstance,
    options: InstanceType[],
    pool: NodePool,
    ctx: LaunchContext,
  ): Promise<LaunchOutcome> {
    const { logger, metrics } = this.deps.telemetry;
    const now = this.deps.clock.now();
    const ttl = pool.disruption.expireAfterSeconds;
    const patch: Partial<NodeClaim> = {
      state: "Launched",
      instanceId: instance.instanceId,
      providerID: instance.providerID,
      instanceType: instance.instanceType,
      zone: instance.zone,
      capacityType: instance.capacityType,
      capacityReservationId: instance.capacityReservationId,
      capacityReservationType: instance.capacityReservationType,
      pricePerHour: priceOf(options, instance),
      launchedAt: now,
      expiresAt: ttl !== undefined && ttl > 0 ? claim.createdAt + ttl * 1000 : undefined,
      lastError: undefined,
    };
    let recorded: NodeClaim;
    try {
      recorded = await this.deps.state.updateClaim(claim, patch, ctx.fence);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // Someone else moved the claim (a recovery that adopted the same instance, or a decision that closed it).
      const current = await this.deps.state.getClaim(claim.id);
      if (current && current.state !== "Terminated" && current.instanceId === instance.instanceId) {
        return { status: "launched", claim: current, instance };
      }
      logger.warn("claim closed while its instance launched; terminating the instance", {
        claimId: claim.id,
        instanceId: instance.instanceId,
      });
      await this.deps.cloud.delete(instance.instanceId);
      return { status: "failed", claim: current ?? claim, error: err };
    }
    metrics.add(METRIC.nodesLaunched, 1, "Count", { pool: pool.name });
    logger.info("launched node", {
      claimId: claim.id,
      pool: pool.name,
      instanceId: instance.instanceId,
      instanceType: instance.instanceType,
      zone: instance.zone,
      capacityType: instance.capacityType,
      pricePerHour: recorded.pricePerHour,
      pods: claim.pods.length,
      why: ctx.why,
    });
    await logDecision(this.deps, {
      at: now,
      controller: ctx.controller,
      action: "launch",
      details: {
        why: ctx.why,
        claimId: claim.id,
        ...(claim.batchId ? { batchId: claim.batchId } : {}),
        pool: pool.name,
        // One write unit: the pod keys prefix-shared (readers decode either form), the 15 cheapest options' names
        // (as many as a spot-to-spot replacement must be offered).
        pods: encodePodKeys(claim.pods),
        options: options.slice(0, LOGGED_OPTIONS).map((t) => t.name),
        optionCount: options.length,
        ...(claim.minValuesRelaxed ? { minValuesRelaxed: claim.minValuesRelaxed } : {}),
        chosen: {
          instanceType: instance.instanceType,
          zone: instance.zone,
          capacityType: instance.capacityType,
          pricePerHour: recorded.pricePerHour,
        },
        ...(ctx.details ?? {}),
      },
    });
    return { status: "launched", claim: recorded, instance };
  }

  private async close(claim: NodeClaim, lastError: string, ctx: LaunchContext): Promise<NodeClaim> {
    try {
      return await this.deps.state.updateClaim(
        claim,
        { state: "Terminated", terminatedAt: this.deps.clock.now(), lastError },
        ctx.fence,
      );
    } catch (err) {
      if (err instanceof ConflictError) return (await this.deps.state.getClaim(claim.id)) ?? claim;
      throw err;
    }
  }

  private async failed(claim: NodeClaim, err: Error, ctx: LaunchContext): Promise<LaunchOutcome> {
    const { logger, metrics } = this.deps.telemetry;
    if (err instanceof FencedError) throw err;
    metrics.add(METRIC.launchFailures, 1, "Count", { errorClass: err.name });
    metrics.add(METRIC.launchFailures, 1, "Count");
    const base = { claimId: claim.id, pool: claim.pool, error: err.message, errorClass: err.name };
    if (err instanceof InsufficientCapacityError) {
      // The cloud provider recorded the offerings as unavailable when it saw the capacity errors.
      logger.warn("insufficient capacity; offerings unavailable", { ...base, offerings: err.offerings.length });
      return {
        status: "insufficient-capacity",
        claim: await this.close(claim, err.name, ctx),
        offerings: err.offerings,
      };
    }
    if (err instanceof ThrottledError) {
      logger.warn("launch throttled", base);
      return { status: "throttled", claim: await this.close(claim, err.name, ctx), error: err };
    }
    if (err instanceof UnfulfillableLaunchError || err instanceof UnauthorizedError) {
      logger.error("launch failed", base);
      const closed = await this.close(claim, err.name, ctx);
      await this.deps.state.logDecision({
        at: this.deps.clock.now(),
        controller: ctx.controller,
        action: "launch-failed",
        details: { claimId: claim.id, pool: claim.pool, errorClass: err.name, error: err.message },
      });
      return { status: "failed", claim: closed, error: err };
    }
    logger.error("launch outcome unknown; claim left Pending for recovery", base);
    return { status: "unknown", claim, error: err };
  }
}
