/**
 * The disruption controller (the life of a consolidation in docs/ARCHITECTURE.md). One invocation: take the `disruptor` lease; then for `loopSeconds` run
 * passes that (1) stamp/clear `emptySince` on claims, (2) advance disruptions in progress — a marked claim starts
 * draining once its replacements are initialized (abandoned if they fail or time out, except for expiry which
 * proceeds), a draining claim takes one drain step — and (3) plan at most one new command (emptiness, expiry,
 * drift, consolidation; pure, `lib/disruption`) while no launch is unresolved. Emptiness and consolidation are
 * re-validated after `validationDelayMs` before they act. Every decision is logged.
 */
import type { NodePool, StevedoreConfig } from "../api/model.js";
import type { CloudInstance } from "../cloud/provider.js";
import type { DisruptionCommand } from "../disruption/command.js";
import { movedPodNames } from "../disruption/command.js";
import { emptinessUpdates } from "../disruption/emptiness.js";
import { type DisruptionPlan, needsValidation, planDisruption, validateCommand } from "../disruption/plan.js";
import { ConflictError, type NodeClaim } from "../state/types.js";
import type { ClusterView } from "../view/cluster-view.js";
import { ViewIndex } from "../view/cluster-view.js";
import { type ControllerDeps, randomIds } from "./deps.js";
import { LeaseHolder } from "./lease.js";
import { launchReplacements } from "./replacement.js";
import { classOf, loadInstanceTypes, takeSnapshot } from "./snapshot.js";
import { METRIC } from "./telemetry.js";
import { Terminator } from "./termination.js";

/** Disruptor settings. */
export interface DisruptorOptions {
  /** How long one invocation keeps working. @default 50 */
  loopSeconds?: number;
  /** Wait before acting on emptiness/consolidation, then re-check (Karpenter: 15 s). @default 15000 */
  validationDelayMs?: number;
  /** Pause between passes while drains are in progress. @default 5000 */
  passIntervalMs?: number;
  /** Give up on replacements not initialized after this long (expiry then drains anyway). @default 600000 */
  replacementTimeoutMs?: number;
  /** Allow spot→spot consolidation. @default false */
  spotToSpot?: boolean;
  /** Ask the cloud provider whether instances drifted (AMI, subnets, security groups). @default true */
  providerDrift?: boolean;
  /** Lease TTL. @default loopSeconds + 30 s */
  leaseTtlMs?: number;
}

/** What one invocation did. */
export interface DisruptorResult {
  skipped?: "lease-held" | "no-config";
  passes: number;
  /** Commands started, by method. */
  commands: { method: string; nodes: string[]; replacements: string[] }[];
  /** Claims terminated this invocation. */
  terminated: string[];
}

/** The disruption controller. */
export class Disruptor {
  private readonly opts: Required<DisruptorOptions>;
  private readonly terminator: Terminator;

  constructor(
    private readonly deps: ControllerDeps,
    opts: DisruptorOptions = {},
  ) {
    const loopSeconds = opts.loopSeconds ?? 50;
    this.opts = {
      loopSeconds,
      validationDelayMs: opts.validationDelayMs ?? 15_000,
      passIntervalMs: opts.passIntervalMs ?? 5000,
      replacementTimeoutMs: opts.replacementTimeoutMs ?? 600_000,
      spotToSpot: opts.spotToSpot ?? false,
      providerDrift: opts.providerDrift ?? true,
      leaseTtlMs: opts.leaseTtlMs ?? loopSeconds * 1000 + 30_000,
    };
    this.terminator = new Terminator(deps);
  }

  /** One invocation. */
  async run(): Promise<DisruptorResult> {
    const { clock, state, telemetry } = this.deps;
    const result: DisruptorResult = { passes: 0, commands: [], terminated: [] };
    const owner = (this.deps.ids ?? randomIds).ownerId("disruptor");
    const holder = await LeaseHolder.acquire(state, clock, "disruptor", owner, this.opts.leaseTtlMs);
    if (!holder) return { ...result, skipped: "lease-held" };
    try {
      let config: StevedoreConfig;
      try {
        config = await this.deps.config.load();
      } catch (err) {
        telemetry.logger.error("no valid configuration; not disrupting", { error: String(err) });
        return { ...result, skipped: "no-config" };
      }
      const deadline = clock.now() + this.opts.loopSeconds * 1000;
      for (;;) {
        const busy = await this.pass(config, result, deadline);
        result.passes++;
        if (clock.now() >= deadline || !(await holder.renew())) break;
        if (busy === "idle") break;
        await clock.sleep(Math.min(this.opts.passIntervalMs, Math.max(0, deadline - clock.now())));
        if (clock.now() >= deadline) break;
      }
    } finally {
      await holder.release().catch(() => {});
      telemetry.metrics.flush();
    }
    return result;
  }

  private async snapshot(config: StevedoreConfig): Promise<ClusterView> {
    const instanceTypes = await loadInstanceTypes(this.deps, config);
    const providerDrift = this.opts.providerDrift ? await this.providerDrift(config) : undefined;
    return takeSnapshot(this.deps, config, { instanceTypes, providerDrift });
  }

  private async providerDrift(config: StevedoreConfig): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let instances: CloudInstance[];
    try {
      instances = await this.deps.cloud.list();
    } catch (err) {
      this.deps.telemetry.logger.warn("could not list instances for drift", { error: String(err) });
      return out;
    }
    const claims = await this.deps.state.listClaims();
    const byId = new Map(instances.map((i) => [i.instanceId, i]));
    for (const claim of claims) {
      if (claim.state !== "Initialized" || !claim.instanceId) continue;
      const inst = byId.get(claim.instanceId);
      const pool = config.nodePools.find((p) => p.name === claim.pool);
      const nodeClass = pool ? classOf(config, pool) : undefined;
      if (!inst || !nodeClass) continue;
      try {
        const why = await this.deps.cloud.isDrifted(inst, nodeClass);
        if (why) out.set(claim.id, why);
      } catch (err) {
        this.deps.telemetry.logger.warn("drift check failed", { claimId: claim.id, error: String(err) });
      }
    }
    return out;
  }

  /** One pass; "idle" when nothing is in progress and nothing was planned. */
  async pass(config: StevedoreConfig, result: DisruptorResult, deadline: number): Promise<"busy" | "idle"> {
    const { clock, state, telemetry } = this.deps;
    let view = await this.snapshot(config);
    for (const u of emptinessUpdates(new ViewIndex(view))) {
      try {
        await state.updateClaim(u.claim, { emptySince: u.emptySince });
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    const inProgress = await this.advance(config, view, result);
    if (view.claims.some((c) => c.state === "Pending" && !c.instanceId)) {
      telemetry.logger.info("a launch is unresolved; not planning disruptions this pass");
      return "busy";
    }
    view = await this.snapshot(config);
    let plan: DisruptionPlan;
    try {
      plan = planDisruption(view, this.deps.solve, { spotToSpot: this.opts.spotToSpot });
    } catch (err) {
      telemetry.logger.error("disruption planning failed", { error: String(err) });
      return inProgress ? "busy" : "idle";
    }
    let cmd = plan.command;
    if (!cmd) {
      if (plan.rejections.length > 0)
        telemetry.logger.debug("nothing to disrupt", { rejections: plan.rejections.slice(0, 20) });
      return inProgress ? "busy" : "idle";
    }
    if (needsValidation(cmd)) {
      if (clock.now() + this.opts.validationDelayMs > deadline) return "busy"; // not enough time left to validate
      await clock.sleep(this.opts.validationDelayMs);
      const fresh = await this.snapshot(config);
      const v = validateCommand(cmd, fresh, this.deps.solve, { spotToSpot: this.opts.spotToSpot });
      if ("rejected" in v) {
        telemetry.logger.info("disruption dropped at validation", { method: cmd.method, reason: v.rejected });
        await state.logDecision({
          at: clock.now(),
          controller: "disruptor",
          action: "reject",
          details: { method: cmd.method, nodes: cmd.candidates.map((c) => c.nodeName), reason: v.rejected },
        });
        return "busy";
      }
      cmd = v.command;
      view = fresh;
    }
    await this.execute(config, view, cmd, result);
    return "busy";
  }

  /** Starts a command: mark candidates, launch replacements first (or drain at once when none are needed). */
  private async execute(
    config: StevedoreConfig,
    view: ClusterView,
    cmd: DisruptionCommand,
    result: DisruptorResult,
  ): Promise<void> {
    const { clock, state, telemetry } = this.deps;
    const marked: NodeClaim[] = [];
    for (const c of cmd.candidates) {
      marked.push(await this.terminator.mark(c.claim, cmd.reason, Terminator.flavorOf(c.pool)));
    }
    let replacementIds: string[] = [];
    if (cmd.replacements.length > 0) {
      const removed = new Set(cmd.candidates.flatMap((c) => [c.nodeName, c.claim.id]));
      const moved = cmd.candidates.flatMap((c) => c.reschedulable);
      const r = await launchReplacements(this.deps, config, view, removed, moved, {
        controller: "disruptor",
        why: `${cmd.method}: replacement for ${cmd.candidates.map((c) => c.nodeName).join(", ")}`,
        planned: cmd.replacements,
      });
      replacementIds = r.claims.map((c) => c.id);
      if (!r.complete) {
        telemetry.logger.warn("replacement failed; disruption abandoned", { method: cmd.method });
        for (const [i, m] of marked.entries())
          await this.terminator.unmark(m, Terminator.flavorOf(cmd.candidates[i].pool));
        return;
      }
      for (const [i, m] of marked.entries()) {
        marked[i] = await state.updateClaim(m, {
          replacementClaimId: replacementIds[0],
          replacementClaimIds: replacementIds,
        });
      }
    } else {
      for (const [i, m] of marked.entries()) marked[i] = await this.terminator.startDrain(m, cmd.candidates[i].pool);
    }
    telemetry.metrics.add(METRIC.disruptions, 1, "Count", { method: cmd.method });
    telemetry.logger.info("disruption started", { method: cmd.method, explanation: cmd.explanation });
    result.commands.push({
      method: cmd.method,
      nodes: cmd.candidates.map((c) => c.nodeName),
      replacements: replacementIds,
    });
    await state.logDecision({
      at: clock.now(),
      controller: "disruptor",
      action: cmd.replacements.length > 0 ? "replace" : "delete",
      details: {
        method: cmd.method,
        reason: cmd.reason,
        explanation: cmd.explanation,
        nodes: cmd.candidates.map((c) => ({
          node: c.nodeName,
          claimId: c.claim.id,
          instanceType: c.claim.instanceType,
          price: c.price,
        })),
        pods: movedPodNames(cmd),
        replacements: cmd.replacements.map((n) => ({
          instanceType: n.instanceType.name,
          options: n.instanceTypeOptions.map((t) => t.name).slice(0, 20),
          price: n.offering.price,
        })),
        replacementClaims: replacementIds,
        savingsPerHour: cmd.savingsPerHour,
      },
    });
    // Drain commands without replacements at once (one step); the rest proceed on later passes.
    if (cmd.replacements.length === 0) await this.advance(config, await takeSnapshot(this.deps, config), result);
  }

  /** Advances marked and draining claims; true when any disruption is still in progress. */
  private async advance(config: StevedoreConfig, view: ClusterView, result: DisruptorResult): Promise<boolean> {
    const now = this.deps.clock.now();
    let inProgress = false;
    const byId = new Map(view.claims.map((c) => [c.id, c]));
    for (const claim of view.claims) {
      if (claim.state === "Terminated") continue;
      const pool = config.nodePools.find((p) => p.name === claim.pool);
      const flavor = Terminator.flavorOf(pool);
      try {
        if (claim.state === "Draining") {
          inProgress = true;
          const step = await this.terminator.drainStep(claim, flavor);
          if (step.status === "terminated") result.terminated.push(claim.id);
          continue;
        }
        if (!claim.disruptionReason || claim.disruptionReason === "Interrupted") continue;
        inProgress = true;
        await this.awaitReplacements(claim, pool, byId, now);
      } catch (err) {
        if (err instanceof ConflictError) continue;
        throw err;
      }
    }
    return inProgress;
  }

  private async awaitReplacements(
    claim: NodeClaim,
    pool: NodePool | undefined,
    byId: Map<string, NodeClaim>,
    now: number,
  ): Promise<void> {
    const ids = claim.replacementClaimIds ?? (claim.replacementClaimId ? [claim.replacementClaimId] : []);
    const reps = ids.map((id) => byId.get(id));
    const ready = reps.every((r) => r?.state === "Initialized" || r?.state === "Draining");
    const failed = reps.some((r) => r === undefined);
    const timedOut = now - (claim.disruptedAt ?? claim.updatedAt) > this.opts.replacementTimeoutMs;
    if (ready) {
      await this.terminator.startDrain(claim, pool);
      return;
    }
    if (!failed && !timedOut) return;
    // Expiring or retiring nodes go anyway; optional disruptions (consolidation, drift) are abandoned.
    const proceed = claim.disruptionReason === "Expired" || claim.disruptionReason === "Replaced";
    this.deps.telemetry.logger.warn(
      proceed ? "replacement not ready; draining the expired node anyway" : "replacement failed; disruption abandoned",
      {
        claimId: claim.id,
        replacements: ids,
      },
    );
    await this.deps.state.logDecision({
      at: now,
      controller: "disruptor",
      action: proceed ? "drain-without-replacement" : "abandon",
      details: { claimId: claim.id, node: claim.nodeName, reason: claim.disruptionReason, replacements: ids, timedOut },
    });
    if (proceed) await this.terminator.startDrain(claim, pool);
    else await this.terminator.unmark(claim, Terminator.flavorOf(pool));
  }
}
