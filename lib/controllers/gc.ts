/**
 * Garbage collection. Under the `gc` lease:
 * - instances carrying this cluster's tags and a `stevedore.dev/claim` tag whose claim is not live (or records
 *   another instance), older than a grace period, are terminated (leaked by a crash or a lost race);
 * - live claims whose instance is gone are closed and their Node deleted;
 * - Nodes labelled with a Stevedore claim whose instance is gone are deleted;
 * - Terminated claims older than the retention are deleted, unless a claim of their launch batch is still Pending
 *   (recovery of that batch reads its closed claims);
 * - instances of launch batches are tagged with the claim that records them, a bounded number per run;
 * - at most once per {@link CLOUD_GC_INTERVAL_MS} (across invocations), the cloud resources Stevedore made for node
 *   classes that no longer exist or have changed (launch templates on AWS) are deleted.
 * An instance with neither the claim tag nor a launch-batch tag, or a Node without Stevedore's claim label, is never touched. No instance,
 * claim or Node is started on once the invocation's `deadline` is near; the next run finds the rest.
 */
import type { NodeClass } from "../api/model.js";
import type { CloudInstance } from "../cloud/provider.js";
import { LABEL_STEVEDORE_CLAIM } from "../core/well-known.js";
import { ConflictError, type NodeClaim } from "../state/types.js";
import { isNodeReady } from "../view/cluster-view.js";
import { DEFAULT_MAX_CLAIM_TAGS_PER_RUN, tagClaimInstances } from "./claim-tagging.js";
import { InvocationDeadline } from "./deadline.js";
import { flushSideChannels, logDecision } from "./decisions.js";
import { type ControllerDeps, randomIds } from "./deps.js";
import { LeaseHolder } from "./lease.js";
import { METRIC } from "./telemetry.js";

/** How often the cloud resources of node classes (launch templates) are garbage-collected: listing them is not free. */
export const CLOUD_GC_INTERVAL_MS = 10 * 60_000;
/** How long a Terminated claim is kept by default. */
export const DEFAULT_TERMINATED_RETENTION_MS = 10 * 60_000;
/** The state-store event that rate-limits cloud resource collection across invocations. */
const CLOUD_GC_EVENT = "gc/cloud-resources";

/** GC settings. */
export interface GarbageCollectorOptions {
  /** Instances younger than this are never leaked (a launch may not be recorded yet). @default 300000 (5 min) */
  leakedGraceMs?: number;
  /**
   * Terminated claims are deleted this long after they ended. Every claims listing reads them until then (after a
   * scale-down they outnumber the live ones), and nothing needs them for long: leak detection and interruption
   * handling look at live claims, and the decision log keeps the history. @default 600000 (10 minutes)
   */
  terminatedRetentionMs?: number;
  /** @default 120000 */
  leaseTtlMs?: number;
  /** At most one cloud resource collection per this long. @default {@link CLOUD_GC_INTERVAL_MS} */
  cloudGcIntervalMs?: number;
  /** Instances of launch batches tagged with their claims per run. @default {@link DEFAULT_MAX_CLAIM_TAGS_PER_RUN} */
  maxClaimTagsPerRun?: number;
  /** Clock time after which nothing new is started (Lambda: remaining time less a margin). @default none */
  deadline?: number;
}

/** What one run did. */
export interface GcResult {
  skipped?: "lease-held";
  terminatedInstances: string[];
  closedClaims: string[];
  deletedNodes: string[];
  deletedClaims: string[];
  /** Cloud resources of node classes deleted (launch template names on AWS). */
  deletedCloudResources: string[];
  /** Instances of launch batches tagged with the claim that records them. */
  taggedInstances: string[];
  /** Units of work (an instance, a claim, a Node) not started because the deadline was near. */
  deadlineStops: number;
}

const GONE_STATES = new Set(["shutting-down", "terminated"]);

/** The garbage collector. */
export class GarbageCollector {
  private readonly opts: Required<Omit<GarbageCollectorOptions, "deadline">>;
  private readonly deadline: InvocationDeadline;

  constructor(
    private readonly deps: ControllerDeps,
    opts: GarbageCollectorOptions = {},
  ) {
    this.opts = {
      leakedGraceMs: opts.leakedGraceMs ?? 300_000,
      terminatedRetentionMs: opts.terminatedRetentionMs ?? DEFAULT_TERMINATED_RETENTION_MS,
      leaseTtlMs: opts.leaseTtlMs ?? 120_000,
      cloudGcIntervalMs: opts.cloudGcIntervalMs ?? CLOUD_GC_INTERVAL_MS,
      maxClaimTagsPerRun: opts.maxClaimTagsPerRun ?? DEFAULT_MAX_CLAIM_TAGS_PER_RUN,
    };
    this.deadline = new InvocationDeadline(deps.clock, opts.deadline);
  }

  /** One run. */
  async run(): Promise<GcResult> {
    const { clock, state, telemetry } = this.deps;
    const result: GcResult = {
      terminatedInstances: [],
      closedClaims: [],
      deletedNodes: [],
      deletedClaims: [],
      deletedCloudResources: [],
      taggedInstances: [],
      deadlineStops: 0,
    };
    const holder = await LeaseHolder.acquire(
      state,
      clock,
      "gc",
      (this.deps.ids ?? randomIds).ownerId("gc"),
      this.opts.leaseTtlMs,
    );
    if (!holder) return { ...result, skipped: "lease-held" };
    try {
      const instances = await this.deps.cloud.list();
      const claims = await state.listClaims({ includeTerminated: true });
      await this.leakedInstances(instances, claims, result);
      await this.vanishedInstances(instances, claims, result);
      await this.orphanNodes(instances, claims, result);
      await this.expiredClaims(claims, result);
      result.taggedInstances = await tagClaimInstances(
        this.deps,
        instances,
        claims,
        this.deadline,
        this.opts.maxClaimTagsPerRun,
      );
      if (this.deadline.admit()) await this.cloudResources(result);
    } finally {
      result.deadlineStops = this.deadline.stops;
      await holder.release().catch(() => {});
      await flushSideChannels(this.deps);
      telemetry.metrics.flush();
    }
    return result;
  }

  /**
   * Leaked instances: a claim tag whose claim is not live (or records another instance), or — for an instance of a
   * launch batch not yet tagged with its claim — no live claim records it and no claim of its batch is still
   * Pending (mid-launch or awaiting recovery). Terminated with one call.
   */
  private async leakedInstances(instances: CloudInstance[], claims: NodeClaim[], result: GcResult): Promise<void> {
    const { clock, cloud, telemetry } = this.deps;
    const byId = new Map(claims.map((c) => [c.id, c]));
    const launchingBatches = new Set(claims.filter((c) => c.state === "Pending" && c.batchId).map((c) => c.batchId));
    const recorded = new Set(claims.filter((c) => c.state !== "Terminated" && c.instanceId).map((c) => c.instanceId));
    const now = clock.now();
    const leaked: { inst: CloudInstance; claim?: NodeClaim }[] = [];
    for (const inst of instances) {
      if (GONE_STATES.has(inst.state)) continue;
      if (now - inst.launchTime.getTime() < this.opts.leakedGraceMs) continue;
      if (!inst.claimId) {
        // Not ours (no claim tag), unless it is an instance of a batch that no claim owns or will adopt.
        if (inst.batchId && !recorded.has(inst.instanceId) && !launchingBatches.has(inst.batchId)) {
          leaked.push({ inst });
        }
        continue;
      }
      const claim = byId.get(inst.claimId);
      const live = claim !== undefined && claim.state !== "Terminated";
      // A live claim without an instance id yet may be mid-launch of exactly this instance: recovery adopts it.
      if (live && (!claim.instanceId || claim.instanceId === inst.instanceId)) continue;
      leaked.push({ inst, claim });
    }
    if (leaked.length === 0 || !this.deadline.admit()) return;
    await cloud.deleteMany(leaked.map((l) => l.inst.instanceId));
    for (const { inst, claim } of leaked) {
      result.terminatedInstances.push(inst.instanceId);
      telemetry.metrics.add(METRIC.nodesTerminated, 1, "Count", { reason: "Leaked" });
      const details = {
        reason: "Leaked",
        instanceId: inst.instanceId,
        claimId: inst.claimId,
        batchId: inst.batchId,
        claimState: claim?.state ?? "missing",
      };
      telemetry.logger.warn("terminated a leaked instance", details);
      await logDecision(this.deps, { at: now, controller: "gc", action: "terminate", details });
    }
  }

  private async vanishedInstances(instances: CloudInstance[], claims: NodeClaim[], result: GcResult): Promise<void> {
    const { clock, cloud, cluster, state, telemetry } = this.deps;
    const live = new Set(instances.filter((i) => !GONE_STATES.has(i.state)).map((i) => i.instanceId));
    const now = clock.now();
    const suspects = claims.filter(
      (c) =>
        c.state !== "Terminated" &&
        c.state !== "Pending" &&
        c.instanceId !== undefined &&
        !live.has(c.instanceId) &&
        now - (c.launchedAt ?? c.createdAt) >= this.opts.leakedGraceMs, // the listing may lag a launch
    );
    if (suspects.length === 0 || !this.deadline.admit()) return;
    // Confirm with one describe by ids: the listing is eventually consistent.
    const confirmed = await cloud.getMany(suspects.map((c) => c.instanceId as string));
    for (const claim of suspects) {
      if (!this.deadline.admit()) return;
      const inst = confirmed.get(claim.instanceId as string);
      if (inst && !GONE_STATES.has(inst.state)) continue;
      if (claim.nodeName) {
        const node = await cluster.getNode(claim.nodeName);
        if (node && !isNodeReady(node)) {
          await cluster.deleteNode(claim.nodeName);
          result.deletedNodes.push(claim.nodeName);
        } else if (node) {
          continue; // a Ready node says the instance is alive; wait for the listing to agree
        }
      }
      try {
        await state.updateClaim(claim, {
          state: "Terminated",
          terminatedAt: now,
          disruptionReason: claim.disruptionReason ?? "Interrupted",
        });
      } catch (err) {
        if (err instanceof ConflictError) continue;
        throw err;
      }
      result.closedClaims.push(claim.id);
      telemetry.logger.warn("instance gone; claim closed", { claimId: claim.id, instanceId: claim.instanceId });
    }
  }

  private async orphanNodes(instances: CloudInstance[], claims: NodeClaim[], result: GcResult): Promise<void> {
    const { cloud, cluster, telemetry } = this.deps;
    const live = new Set(instances.filter((i) => !GONE_STATES.has(i.state)).map((i) => i.providerID));
    const known = new Set(claims.map((c) => c.id));
    const suspects: { name: string; claimId: string; providerID: string; instanceId: string }[] = [];
    for (const node of await cluster.listNodes()) {
      const name = node.metadata.name ?? "";
      const claimId = node.metadata.labels?.[LABEL_STEVEDORE_CLAIM];
      const providerID = node.spec?.providerID;
      if (!claimId || !providerID || live.has(providerID) || result.deletedNodes.includes(name)) continue;
      if (!known.has(claimId) && isNodeReady(node)) continue; // unknown claim and a Ready node: leave it alone
      suspects.push({ name, claimId, providerID, instanceId: providerID.split("/").pop() ?? "" });
    }
    if (suspects.length === 0 || !this.deadline.admit()) return;
    const confirmed = await cloud.getMany(suspects.map((s) => s.instanceId).filter(Boolean));
    for (const { name, claimId, providerID, instanceId } of suspects) {
      if (!this.deadline.admit()) return;
      const inst = confirmed.get(instanceId);
      if (inst && !GONE_STATES.has(inst.state)) continue;
      await cluster.deleteNode(name);
      result.deletedNodes.push(name);
      telemetry.logger.warn("deleted a node whose instance is gone", { node: name, providerID, claimId });
    }
  }

  private async expiredClaims(claims: NodeClaim[], result: GcResult): Promise<void> {
    const now = this.deps.clock.now();
    const launching = new Set(claims.filter((c) => c.state === "Pending" && c.batchId).map((c) => c.batchId));
    for (const claim of claims) {
      if (claim.state !== "Terminated") continue;
      if (now - (claim.terminatedAt ?? claim.updatedAt) < this.opts.terminatedRetentionMs) continue;
      if (claim.batchId && launching.has(claim.batchId)) continue;
      if (!this.deadline.admit()) return;
      await this.deps.state.deleteClaim(claim.id);
      result.deletedClaims.push(claim.id);
    }
  }

  /**
   * Deletes the cloud resources of node classes no longer in the configuration (or changed), once per interval. No
   * configuration in force means nothing is known to be stale: nothing is deleted.
   */
  private async cloudResources(result: GcResult): Promise<void> {
    const { clock, cloud, config, state, telemetry } = this.deps;
    // A gate that is closed on most runs: read it before the conditional write a closed gate would fail.
    const gate = { readFirst: true };
    if (!(await state.recordEventOnce(CLOUD_GC_EVENT, clock.now(), this.opts.cloudGcIntervalMs, gate))) return;
    let nodeClasses: NodeClass[];
    try {
      nodeClasses = (await config.load()).nodeClasses;
    } catch (err) {
      telemetry.logger.warn("no valid configuration; cloud resources of node classes kept", { error: String(err) });
      return;
    }
    try {
      const deleted = await cloud.garbageCollect(nodeClasses);
      result.deletedCloudResources.push(...deleted);
      if (deleted.length > 0) telemetry.logger.info("deleted cloud resources of stale node classes", { deleted });
    } catch (err) {
      telemetry.logger.error("cloud resource garbage collection failed", { error: String(err) });
    }
  }
}
