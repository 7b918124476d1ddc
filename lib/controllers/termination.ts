/**
 * Termination, shared by disruption, interruption and garbage collection (Karpenter's termination controller):
 * mark (taint `karpenter.sh/disrupted:NoSchedule` for v1 pools, cordon for v1alpha5) → (replacement launched by the
 * caller) → drain: evict through the Eviction API in tiers — non-critical pods, then non-critical DaemonSet pods,
 * then critical (`system-*-critical`) pods, then critical DaemonSet pods, each tier only once the previous is gone —
 * retrying refused (429, PDB) evictions on later steps → terminate the instance → delete the Node → claim
 * Terminated. A drain spans invocations (claim state `Draining`); a pool's termination grace period bounds it:
 * past the deadline pods are deleted regardless of PDBs and do-not-disrupt.
 */
import type { ApiFlavor, NodePool } from "../api/model.js";
import type { Pod, Taint } from "../core/kube-objects.js";
import {
  hasActiveDoNotDisrupt,
  isCriticalPod,
  isDaemonSetPod,
  isMirrorPod,
  isTerminal,
  isTerminating,
} from "../core/pods.js";
import { DISRUPTED_TAINT, TAINT_UNSCHEDULABLE } from "../core/well-known.js";
import { podToleratesTaint } from "../scheduling/primitives/taints.js";
import { type ClaimDisruptionReason, ConflictError, type NodeClaim } from "../state/types.js";
import type { ControllerDeps } from "./deps.js";
import { METRIC } from "./telemetry.js";

/** Label Karpenter adds when tainting for termination. */
export const EXCLUDE_FROM_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";
/** The taint a cordon implies (pods tolerating it are not evicted on v1alpha5 nodes). */
const UNSCHEDULABLE_TAINT: Taint = { key: TAINT_UNSCHEDULABLE, effect: "NoSchedule" };
/** Pods stuck terminating this long past their deletion timestamp no longer hold a drain open. */
const STUCK_TERMINATING_MS = 60_000;

/** Result of one drain step. */
export type DrainStep =
  /** Pods remain; call again later. `blocked` counts evictions refused this step (PDB, do-not-disrupt). */
  { status: "draining"; tier: number; evicted: number; blocked: number; remaining: number } | { status: "terminated" };

function podTime(v: string | Date | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Eviction tier of a pod: 0 non-critical, 1 non-critical DaemonSet, 2 critical, 3 critical DaemonSet. */
export function evictionTier(pod: Pod): number {
  return (isCriticalPod(pod) ? 2 : 0) + (isDaemonSetPod(pod) ? 1 : 0);
}

/** Terminates claims. */
export class Terminator {
  constructor(private readonly deps: ControllerDeps) {}

  /** The flavour deciding taint vs cordon (v1 when the pool is unknown). */
  static flavorOf(pool: NodePool | undefined): ApiFlavor {
    return pool?.flavor ?? "v1";
  }

  /**
   * Marks the claim's node for disruption (taint or cordon) and records the reason, with `also` (e.g. the
   * replacements' ids) in the same claim write. Idempotent.
   */
  async mark(
    claim: NodeClaim,
    reason: ClaimDisruptionReason,
    flavor: ApiFlavor,
    also: Partial<NodeClaim> = {},
  ): Promise<NodeClaim> {
    await this.markNode(claim, flavor);
    const marked = claim.disruptionReason === reason && claim.disruptedAt !== undefined;
    if (marked && Object.keys(also).length === 0) return claim;
    return this.deps.state.updateClaim(claim, {
      ...(marked ? {} : { disruptionReason: reason, disruptedAt: this.deps.clock.now() }),
      ...also,
    });
  }

  /**
   * {@link mark} and {@link startDrain} with one claim write (a disruption that needs no replacement). A crash
   * before the write leaves the claim unmarked, as a crash inside {@link mark} does: the next plan finds the node
   * again.
   */
  async markAndStartDrain(
    claim: NodeClaim,
    reason: ClaimDisruptionReason,
    flavor: ApiFlavor,
    pool: NodePool | undefined,
  ): Promise<NodeClaim> {
    if (claim.state === "Pending" || claim.state === "Draining")
      return this.startDrain(await this.mark(claim, reason, flavor), pool);
    await this.markNode(claim, flavor);
    const marked = claim.disruptionReason === reason && claim.disruptedAt !== undefined;
    return this.deps.state.updateClaim(claim, {
      ...(marked ? {} : { disruptionReason: reason, disruptedAt: this.deps.clock.now() }),
      ...this.drainFields(pool),
    });
  }

  /** Taints (or cordons) the claim's Node, if it has one, and keeps it out of external load balancers. */
  private async markNode(claim: NodeClaim, flavor: ApiFlavor): Promise<void> {
    const node = claim.nodeName;
    if (node && (await this.deps.cluster.getNode(node))) {
      if (flavor === "v1alpha5") await this.deps.cluster.cordonNode(node, true);
      else await this.deps.cluster.addNodeTaint(node, DISRUPTED_TAINT);
      await this.deps.cluster.patchNodeMetadata(node, { labels: { [EXCLUDE_FROM_LB_LABEL]: "karpenter" } });
    }
  }

  /** Reverts a mark when a disruption is abandoned (replacement failed): untaint/uncordon, clear the reason. */
  async unmark(claim: NodeClaim, flavor: ApiFlavor): Promise<NodeClaim> {
    const node = claim.nodeName;
    if (node && (await this.deps.cluster.getNode(node))) {
      if (flavor === "v1alpha5") await this.deps.cluster.cordonNode(node, false);
      else await this.deps.cluster.removeNodeTaint(node, DISRUPTED_TAINT.key);
      await this.deps.cluster.patchNodeMetadata(node, { labels: { [EXCLUDE_FROM_LB_LABEL]: null } });
    }
    return this.deps.state.updateClaim(claim, {
      disruptionReason: undefined,
      disruptedAt: undefined,
      replacementClaimId: undefined,
      replacementClaimIds: undefined,
    });
  }

  /** Starts draining a marked claim; the deadline comes from the pool's termination grace period. */
  async startDrain(claim: NodeClaim, pool: NodePool | undefined, deadline?: number): Promise<NodeClaim> {
    if (claim.state === "Draining") return claim;
    if (claim.state === "Pending") return this.finish(claim);
    return this.deps.state.updateClaim(claim, this.drainFields(pool, deadline));
  }

  /** The claim fields that start a drain now; the deadline defaults to the pool's termination grace period. */
  private drainFields(pool: NodePool | undefined, deadline?: number): Partial<NodeClaim> {
    const now = this.deps.clock.now();
    const grace = pool?.disruption.terminationGracePeriodSeconds;
    const drainDeadline = deadline ?? (grace !== undefined ? now + grace * 1000 : undefined);
    return { state: "Draining", drainStartedAt: now, drainDeadline };
  }

  /** Pods the drain must remove: not finished, not mirror pods, not tolerating the disruption taint/cordon. */
  podsToEvict(pods: Pod[], flavor: ApiFlavor): Pod[] {
    const now = this.deps.clock.now();
    const taint = flavor === "v1alpha5" ? UNSCHEDULABLE_TAINT : DISRUPTED_TAINT;
    return pods.filter((p) => {
      if (isTerminal(p) || isMirrorPod(p)) return false;
      if (podToleratesTaint(p, taint)) return false;
      const deleted = podTime(p.metadata.deletionTimestamp);
      return deleted === undefined || now - deleted < STUCK_TERMINATING_MS;
    });
  }

  /**
   * One drain step on a Draining claim: evict the current tier; once nothing is left (or past the deadline, after
   * deleting what remains) terminate the instance, delete the Node and close the claim.
   */
  async drainStep(claim: NodeClaim, flavor: ApiFlavor): Promise<DrainStep> {
    const step = await this.evictStep(claim, flavor);
    if (step.status !== "drained") return step;
    await this.finish(claim);
    return { status: "terminated" };
  }

  /**
   * One drain step on each Draining claim, with the instances of every claim that finished draining terminated
   * together (one TerminateInstances per 1,000 instead of one per node: EC2 refills that bucket at 5 requests per
   * second). `admit` is asked before each claim (a deadline); claims not admitted are left for later. A claim whose
   * store write conflicts is skipped (another actor moved it). Returns each admitted claim's step, by claim id.
   */
  async drainMany(
    items: { claim: NodeClaim; flavor: ApiFlavor }[],
    admit: () => boolean = () => true,
  ): Promise<Map<string, DrainStep>> {
    const out = new Map<string, DrainStep>();
    const drained: NodeClaim[] = [];
    for (const { claim, flavor } of items) {
      if (!admit()) break;
      const step = await this.evictStep(claim, flavor);
      if (step.status === "drained") drained.push(claim);
      else out.set(claim.id, step);
    }
    for (const claim of await this.finishMany(drained)) out.set(claim.id, { status: "terminated" });
    return out;
  }

  /** Evicts the current tier (or, past the deadline, deletes every pod left); "drained" when nothing is left. */
  private async evictStep(claim: NodeClaim, flavor: ApiFlavor): Promise<DrainStep | { status: "drained" }> {
    const { cluster, clock, telemetry } = this.deps;
    const nodeName = claim.nodeName;
    const node = nodeName ? await cluster.getNode(nodeName) : undefined;
    if (!nodeName || !node) return { status: "drained" };
    const now = clock.now();
    const pods = this.podsToEvict(await cluster.listPods({ nodeName }), flavor);
    const pastDeadline = claim.drainDeadline !== undefined && now >= claim.drainDeadline;
    if (pods.length === 0) return { status: "drained" };
    if (pastDeadline) {
      for (const p of pods) {
        if (isTerminating(p)) continue;
        if (cluster.deletePod)
          await cluster.deletePod(p.metadata.namespace ?? "default", p.metadata.name ?? "", { gracePeriodSeconds: 1 });
        else await cluster.evictPod(p.metadata.namespace ?? "default", p.metadata.name ?? "");
      }
      telemetry.logger.warn("drain deadline passed; pods deleted regardless of PDBs", {
        claimId: claim.id,
        node: nodeName,
        pods: pods.length,
      });
      return { status: "drained" };
    }
    const tier = Math.min(...pods.map(evictionTier));
    let evicted = 0;
    let blocked = 0;
    for (const p of pods.filter((x) => evictionTier(x) === tier)) {
      if (isTerminating(p)) continue; // already evicted, terminating
      if (hasActiveDoNotDisrupt(p, now)) {
        blocked++;
        continue;
      }
      const r = await cluster.evictPod(p.metadata.namespace ?? "default", p.metadata.name ?? "");
      if (r === "blocked") blocked++;
      else evicted++;
    }
    if (blocked > 0) {
      telemetry.logger.info("evictions refused; will retry", { claimId: claim.id, node: nodeName, tier, blocked });
    }
    const left = this.podsToEvict(await cluster.listPods({ nodeName }), flavor);
    if (left.length === 0) return { status: "drained" };
    return { status: "draining", tier, evicted, blocked, remaining: left.length };
  }

  /** Terminates the instance, deletes the Node and closes the claim. */
  async finish(claim: NodeClaim): Promise<NodeClaim> {
    const [closed] = await this.finishMany([claim]);
    return closed ?? claim;
  }

  /**
   * {@link finish} for many claims: their instances terminated with as few calls as the cloud allows, then each
   * Node deleted and each claim closed. A claim whose close conflicts (another actor moved it) is left out of the
   * answer; its instance is gone either way, and the next pass sees that.
   */
  async finishMany(claims: NodeClaim[]): Promise<NodeClaim[]> {
    const { cloud, cluster, clock, state, telemetry } = this.deps;
    if (claims.length === 0) return [];
    await cloud.deleteMany(claims.flatMap((c) => (c.instanceId ? [c.instanceId] : [])));
    const out: NodeClaim[] = [];
    for (const claim of claims) {
      if (claim.nodeName) await cluster.deleteNode(claim.nodeName);
      const now = clock.now();
      let closed: NodeClaim;
      try {
        closed = await state.updateClaim(claim, { state: "Terminated", terminatedAt: now });
      } catch (err) {
        if (claims.length === 1 || !(err instanceof ConflictError)) throw err;
        continue;
      }
      out.push(closed);
      const reason = claim.disruptionReason ?? "Unknown";
      telemetry.metrics.add(METRIC.nodesTerminated, 1, "Count", { reason });
      telemetry.logger.info("node terminated", {
        claimId: claim.id,
        node: claim.nodeName,
        instanceId: claim.instanceId,
        reason,
        drainSeconds: claim.drainStartedAt !== undefined ? (now - claim.drainStartedAt) / 1000 : undefined,
      });
    }
    return out;
  }
}
