/**
 * The disruption controller (the life of a consolidation in docs/ARCHITECTURE.md), invoked on a schedule (a minute).
 * One invocation: take the `disruptor` lease; then run a pass that (1) stamps/clears `emptySince` on claims, (2)
 * advances disruptions in progress — a marked claim starts draining once its replacements are initialized (abandoned
 * if they fail or time out, except for expiry which proceeds), a draining claim takes one drain step — and (3) plans
 * new commands (emptiness, expiry, drift, consolidation; pure, `lib/disruption`) while no launch is unresolved.
 * While a disruption is in progress it takes follow-up passes every `passIntervalMs` for `followUpMs` (none by
 * default), and stops at the first pass that finds nothing to do. Every decision is logged.
 *
 * Each pass plans up to `maxCommandsPerPass` commands that can be carried out together, within a bounded number of
 * simulations and a planning time budget; the plan's memo is kept across passes (and across invocations through
 * `memory`), so an unchanged cluster is not simulated again. No unit of work — a drift check, a drain step, a
 * command — starts once the invocation's `deadline` is near; what was not started is left to the next invocation.
 *
 * An invocation never waits for validation: emptiness and consolidation commands are remembered in `memory` and
 * re-checked by the next scheduled invocation (at least `validationDelayMs` later) on its own fresh view. Nothing is
 * written before validation, so a lost memory (a new container) only means planning again.
 */
import type { NodePool, StevedoreConfig } from "../api/model.js";
import type { DisruptionCommand } from "../disruption/command.js";
import { type DisruptionPlan, needsValidation, PASS_PLAN_LIMITS, planDisruption } from "../disruption/plan.js";
import { ConflictError, type NodeClaim } from "../state/types.js";
import type { ClusterView } from "../view/cluster-view.js";
import { ViewIndex } from "../view/cluster-view.js";
import { disruptingEvents, rejectionEvents } from "./controller-events.js";
import { InvocationDeadline } from "./deadline.js";
import { flushSideChannels, logDecision, recordEvent } from "./decisions.js";
import { judgeCommands, leaveForValidation, takeAwaitingValidation } from "./deferred-validation.js";
import { type ControllerDeps, randomIds } from "./deps.js";
import { logDisruptionStarted } from "./disruption-decision.js";
import {
  type DisruptionMemory,
  type DisruptorOptions,
  type DisruptorResult,
  disruptorLeaseTtlMs,
} from "./disruptor-options.js";
import { LeaseHolder } from "./lease.js";
import { recordNodeActivity } from "./node-activity.js";
import { repairNodes } from "./node-repair.js";
import { DEFAULT_DRIFT_RELIST_MS, recentDriftReasons } from "./provider-drift.js";
import { launchReplacements } from "./replacement.js";
import { loadInstanceTypes, takeSnapshot, viewWithWrites } from "./snapshot.js";
import { staticPoolRefilled } from "./static-capacity.js";
import { METRIC } from "./telemetry.js";
import { Terminator } from "./termination.js";

export type { DisruptionMemory, DisruptorOptions, DisruptorResult } from "./disruptor-options.js";

/** The disruption controller. */
export class Disruptor {
  private readonly opts: Required<Omit<DisruptorOptions, "deadline" | "memory" | "leaseTtlMs">>;
  private readonly leaseTtlMs: number | undefined;
  private readonly terminator: Terminator;
  private readonly memory: DisruptionMemory;
  private readonly deadline: InvocationDeadline;

  constructor(
    private readonly deps: ControllerDeps,
    opts: DisruptorOptions = {},
  ) {
    this.opts = {
      validationDelayMs: opts.validationDelayMs ?? 15_000,
      passIntervalMs: opts.passIntervalMs ?? 5000,
      replacementTimeoutMs: opts.replacementTimeoutMs ?? 600_000,
      spotToSpot: opts.spotToSpot ?? false,
      nodeRepair: opts.nodeRepair ?? false,
      providerDrift: opts.providerDrift ?? true,
      driftCheckIntervalMs: opts.driftCheckIntervalMs ?? 60_000,
      driftRelistIntervalMs: opts.driftRelistIntervalMs ?? DEFAULT_DRIFT_RELIST_MS,
      maxCommandsPerPass: opts.maxCommandsPerPass ?? PASS_PLAN_LIMITS.maxCommands,
      maxSimulationsPerPass: opts.maxSimulationsPerPass ?? PASS_PLAN_LIMITS.maxSimulations,
      planBudgetMs: opts.planBudgetMs ?? PASS_PLAN_LIMITS.planBudgetMs,
      followUpMs: opts.followUpMs ?? 0,
    };
    this.leaseTtlMs = opts.leaseTtlMs;
    this.terminator = new Terminator(deps);
    this.memory = opts.memory ?? {};
    this.deadline = new InvocationDeadline(deps.clock, opts.deadline);
  }

  /** One invocation. */
  async run(): Promise<DisruptorResult> {
    const { clock, state, telemetry } = this.deps;
    const result: DisruptorResult = {
      passes: 0,
      deadlineStops: 0,
      simulations: 0,
      commands: [],
      terminated: [],
      repaired: [],
      idle: false,
    };
    const owner = (this.deps.ids ?? randomIds).ownerId("disruptor");
    const leaseTtlMs = disruptorLeaseTtlMs(
      { leaseTtlMs: this.leaseTtlMs, deadline: this.deadline.at, followUpMs: this.opts.followUpMs },
      clock.now(),
    );
    const holder = await LeaseHolder.acquire(state, clock, "disruptor", owner, leaseTtlMs);
    if (!holder) return { ...result, skipped: "lease-held" };
    try {
      let config: StevedoreConfig;
      try {
        config = await this.deps.config.load();
      } catch (err) {
        telemetry.logger.error("no valid configuration; not disrupting", { error: String(err) });
        return { ...result, skipped: "no-config" };
      }
      const followUpEnd = Math.min(clock.now() + this.opts.followUpMs, this.deadline.at);
      for (;;) {
        if (!this.deadline.admit()) break;
        const busy = await this.pass(config, result);
        result.passes++;
        result.idle = busy === "idle";
        if (busy === "idle") break;
        if (clock.now() >= followUpEnd || !(await holder.renew())) break;
        await clock.sleep(Math.min(this.opts.passIntervalMs, Math.max(0, followUpEnd - clock.now())));
        if (clock.now() >= followUpEnd) break;
      }
    } finally {
      result.deadlineStops = this.deadline.stops;
      await holder.release().catch(() => {});
      await flushSideChannels(this.deps);
      telemetry.metrics.flush();
    }
    return result;
  }

  /** A fresh view; `drift` reuses this pass's provider drift answers (one instance listing per pass). */
  private async snapshot(config: StevedoreConfig, drift?: Map<string, string>): Promise<ClusterView> {
    const instanceTypes = await loadInstanceTypes(this.deps, config);
    const view = await takeSnapshot(this.deps, config, { instanceTypes, providerDrift: drift });
    if (drift || !this.opts.providerDrift) return view;
    const cadence = { reuseMs: this.opts.driftCheckIntervalMs, relistMs: this.opts.driftRelistIntervalMs };
    const reasons = await recentDriftReasons(this.deps, config, this.deadline, view.claims, this.memory, cadence);
    return { ...view, providerDrift: reasons };
  }

  /** One pass; "idle" when nothing is in progress and nothing was planned. */
  async pass(config: StevedoreConfig, result: DisruptorResult): Promise<"busy" | "idle"> {
    const { telemetry } = this.deps;
    let view = await this.snapshot(config);
    const written = await recordNodeActivity(this.deps, new ViewIndex(view), this.memory);
    view = viewWithWrites(view, written.updated);
    const advanced = await this.advance(config, view, result);
    let inProgress = advanced.inProgress;
    const changed = advanced.changed;
    if (this.opts.nodeRepair && this.deadline.admit()) {
      this.memory.repair ??= {};
      const repaired = await repairNodes(this.deps, config, view, this.deadline, this.memory.repair);
      result.repaired.push(...repaired);
      inProgress ||= repaired.length > 0;
    }
    if (view.claims.some((c) => c.state === "Pending" && !c.instanceId)) {
      telemetry.logger.info("a launch is unresolved; not planning disruptions this pass");
      return "busy";
    }
    if (!this.deadline.admit()) return "busy";
    // Plan on what the writes above left: the claims this pass wrote are in the view already, so only a disruption
    // step or a conflicting writer makes it list the cluster again.
    if (written.conflicts > 0 || changed) view = await this.snapshot(config, view.providerDrift);
    const awaiting = takeAwaitingValidation(this.memory, this.deps.clock.now(), this.opts.validationDelayMs);
    if (awaiting === "waiting") return "busy";
    let commands: DisruptionCommand[];
    if (awaiting) {
      commands = await this.judge(awaiting.commands, view);
    } else {
      const plan = this.plan(view, result);
      for (const e of rejectionEvents(plan?.rejections ?? [])) recordEvent(this.deps, e);
      if (!plan || plan.commands.length === 0) {
        if (plan && plan.rejections.length > 0)
          telemetry.logger.debug("nothing to disrupt", { rejections: plan.rejections.slice(0, 20) });
        return inProgress ? "busy" : "idle";
      }
      commands = plan.commands;
      if (commands.some(needsValidation)) {
        leaveForValidation(this.deps, this.memory, commands);
        return "busy";
      }
    }
    let started = 0;
    for (const cmd of commands) {
      if (!this.deadline.admit()) break; // the rest is planned again by the next invocation
      await this.execute(config, view, cmd, result);
      started++;
    }
    // Drain commands without replacements at once (one step); the rest proceed on later passes.
    if (commands.slice(0, started).some((c) => c.replacements.length === 0) && this.deadline.allows()) {
      await this.advance(config, await takeSnapshot(this.deps, config), result);
    }
    return "busy";
  }

  /** Plans this pass's commands within its simulation and time budgets; undefined when planning failed. */
  private plan(view: ClusterView, result: DisruptorResult): DisruptionPlan | undefined {
    const stopAt = performance.now() + this.opts.planBudgetMs;
    try {
      const plan = planDisruption(view, this.deps.solve, {
        spotToSpot: this.opts.spotToSpot,
        maxCommands: this.opts.maxCommandsPerPass,
        maxSimulations: this.opts.maxSimulationsPerPass,
        shouldStop: () => performance.now() >= stopAt || !this.deadline.allows(),
        memo: this.memory.memo,
      });
      this.memory.memo = plan.memo;
      result.simulations += plan.stats.simulations;
      if (plan.stats.stoppedBy === "time" && !this.deadline.allows()) this.deadline.stops++;
      return plan;
    } catch (err) {
      this.deps.telemetry.logger.error("disruption planning failed", { error: String(err) });
      return undefined;
    }
  }

  /** {@link judgeCommands} with this disruptor's options. */
  private judge(commands: DisruptionCommand[], view: ClusterView): Promise<DisruptionCommand[]> {
    return judgeCommands(this.deps, commands, view, { spotToSpot: this.opts.spotToSpot });
  }

  /** Starts a command: mark candidates, launch replacements first (or drain at once when none are needed). */
  private async execute(
    config: StevedoreConfig,
    view: ClusterView,
    cmd: DisruptionCommand,
    result: DisruptorResult,
  ): Promise<void> {
    const { state, telemetry } = this.deps;
    let replacementIds: string[] = [];
    if (cmd.replacements.length === 0) await this.markAndDrain(view, cmd);
    else {
      // The replacements' ids are chosen now and recorded with the mark, in one claim write before anything is
      // launched: a crash after it leaves ids no claim has, which the next pass treats as a failed replacement.
      const plannedIds = cmd.replacements.map((n) => (this.deps.ids ?? randomIds).claimId(n.pool));
      const ids = (list: string[]) => ({ replacementClaimId: list[0], replacementClaimIds: list });
      const marked: NodeClaim[] = [];
      for (const c of cmd.candidates) {
        marked.push(await this.terminator.mark(c.claim, cmd.reason, Terminator.flavorOf(c.pool), ids(plannedIds)));
      }
      const removed = new Set(cmd.candidates.flatMap((c) => [c.nodeName, c.claim.id]));
      const moved = cmd.candidates.flatMap((c) => c.reschedulable);
      const r = await launchReplacements(this.deps, config, view, removed, moved, {
        controller: "disruptor",
        why: `${cmd.method}: replacement for ${cmd.candidates.map((c) => c.nodeName).join(", ")}`,
        planned: cmd.replacements,
        plannedIds,
      });
      replacementIds = r.claims.map((c) => c.id);
      if (!r.complete) {
        telemetry.logger.warn("replacement failed; disruption abandoned", { method: cmd.method });
        for (const [i, m] of marked.entries())
          await this.terminator.unmark(m, Terminator.flavorOf(cmd.candidates[i].pool));
        return;
      }
      // Re-planned after insufficient capacity: other claims replace the candidates.
      if (replacementIds.join(" ") !== plannedIds.join(" ")) {
        for (const m of marked) await state.updateClaim(m, ids(replacementIds));
      }
    }
    telemetry.metrics.add(METRIC.disruptions, 1, "Count", { method: cmd.method });
    for (const e of disruptingEvents(cmd)) recordEvent(this.deps, e);
    telemetry.logger.info("disruption started", { method: cmd.method, explanation: cmd.explanation });
    result.commands.push({
      method: cmd.method,
      nodes: cmd.candidates.map((c) => c.nodeName),
      replacements: replacementIds,
    });
    await logDisruptionStarted(this.deps, cmd, replacementIds);
  }

  /**
   * Starts a command without replacements: each candidate marked and, in the same claim write, draining — except a
   * drifted static node, which waits marked for the provisioner to refill its pool ({@link Disruptor.advance} drains
   * it then). Whether the pool is refilled is judged with every candidate of the command counted as marked.
   */
  private async markAndDrain(view: ClusterView, cmd: DisruptionCommand): Promise<void> {
    const now = this.deps.clock.now();
    const asMarked = cmd.candidates.map((c) => ({ ...c.claim, disruptionReason: cmd.reason, disruptedAt: now }));
    const claims = new Map([...view.claims, ...asMarked].map((c) => [c.id, c]));
    for (const [i, c] of cmd.candidates.entries()) {
      const flavor = Terminator.flavorOf(c.pool);
      if (staticPoolRefilled(asMarked[i], c.pool, claims))
        await this.terminator.markAndStartDrain(c.claim, cmd.reason, flavor, c.pool);
      else await this.terminator.mark(c.claim, cmd.reason, flavor);
    }
  }

  /**
   * Advances marked and draining claims: whether any disruption is still in progress, and whether it wrote anything.
   * Draining claims take one drain step each, and those that finish draining are terminated together
   * ({@link Terminator.drainMany}).
   */
  private async advance(
    config: StevedoreConfig,
    view: ClusterView,
    result: DisruptorResult,
  ): Promise<{ inProgress: boolean; changed: boolean }> {
    const now = this.deps.clock.now();
    let inProgress = false;
    let changed = false;
    const byId = new Map(view.claims.map((c) => [c.id, c]));
    const poolOf = (claim: NodeClaim) => config.nodePools.find((p) => p.name === claim.pool);
    const draining: { claim: NodeClaim; flavor: ReturnType<typeof Terminator.flavorOf> }[] = [];
    for (const claim of view.claims) {
      if (claim.state === "Terminated") continue;
      if (claim.state === "Draining") {
        inProgress = true;
        draining.push({ claim, flavor: Terminator.flavorOf(poolOf(claim)) });
        continue;
      }
      if (!claim.disruptionReason || claim.disruptionReason === "Interrupted") continue;
      inProgress = true;
      if (!this.deadline.admit()) return { inProgress: true, changed: true }; // the next invocation carries on
      try {
        if (await this.awaitReplacements(claim, poolOf(claim), byId, now)) changed = true;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    if (draining.length > 0) {
      changed = true;
      try {
        const steps = await this.terminator.drainMany(draining, () => this.deadline.admit());
        for (const [id, step] of steps) if (step.status === "terminated") result.terminated.push(id);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    return { inProgress, changed };
  }

  private async awaitReplacements(
    claim: NodeClaim,
    pool: NodePool | undefined,
    byId: Map<string, NodeClaim>,
    now: number,
  ): Promise<boolean> {
    const ids = claim.replacementClaimIds ?? (claim.replacementClaimId ? [claim.replacementClaimId] : []);
    const reps = ids.map((id) => byId.get(id));
    const ready =
      reps.every((r) => r?.state === "Initialized" || r?.state === "Draining") && staticPoolRefilled(claim, pool, byId);
    const failed = reps.some((r) => r === undefined);
    const timedOut = now - (claim.disruptedAt ?? claim.updatedAt) > this.opts.replacementTimeoutMs;
    if (ready) {
      await this.terminator.startDrain(claim, pool);
      return true;
    }
    if (!failed && !timedOut) return false;
    // Expiring or retiring nodes go anyway; optional disruptions (consolidation, drift) are abandoned.
    const proceed =
      claim.disruptionReason === "Expired" ||
      claim.disruptionReason === "Replaced" ||
      claim.disruptionReason === "Unhealthy";
    this.deps.telemetry.logger.warn(
      proceed ? "replacement not ready; draining the expired node anyway" : "replacement failed; disruption abandoned",
      {
        claimId: claim.id,
        replacements: ids,
      },
    );
    await logDecision(this.deps, {
      at: now,
      controller: "disruptor",
      action: proceed ? "drain-without-replacement" : "abandon",
      details: { claimId: claim.id, node: claim.nodeName, reason: claim.disruptionReason, replacements: ids, timedOut },
    });
    if (proceed) await this.terminator.startDrain(claim, pool);
    else await this.terminator.unmark(claim, Terminator.flavorOf(pool));
    return true;
  }
}
