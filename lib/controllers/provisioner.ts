/**
 * The provisioning controller (the life of a pending pod in docs/ARCHITECTURE.md). One invocation: take the `provisioner` lease (another invocation
 * holding it → do nothing); load the configuration in force; then run passes — registration and
 * liveness of launched claims, recovery of interrupted launches, and a solve of the provisionable pods (plus headroom
 * and `minNodes` virtual pods) against existing and in-flight capacity, launching each new node crash-safely; static
 * pools (`replicas`) are kept at their node count first (static-capacity.ts). With `stopWhenIdle` (the Lambda
 * handler's burst) passes follow each other until one finds nothing to do, and the watcher or the schedule starts
 * the next invocation; otherwise, for `loopSeconds`, a pod watch triggers passes within the batching windows and
 * without triggers a pass still runs every `maxBatchMs`.
 * Insufficient capacity marks offerings unavailable and re-solves at once (falling back across types, zones and
 * capacity types); throttling backs off, bounded, without a launch storm. No pass and no solve round starts once
 * the invocation's `deadline` is near (a pass is expected to take as long as the slowest of the last three); the next
 * invocation picks up the pods that are still pending.
 */
import type { MinValuesPolicy, StevedoreConfig } from "../api/model.js";
import type { WatchHandle } from "../cluster/types.js";
import { objectKey, type Pod } from "../core/kube-objects.js";
import type { SolveInput, SolveResult } from "../scheduling/types.js";
import { type Fence, FencedError } from "../state/types.js";
import type { ClusterView } from "../view/cluster-view.js";
import { provisioningInput } from "../view/solver-input.js";
import { PodBatcher } from "./batcher.js";
import { failedSchedulingEvents, nominatedEvents, podsByKey } from "./controller-events.js";
import { InvocationDeadline } from "./deadline.js";
import { flushSideChannels, logDecision, recordEvent } from "./decisions.js";
import { type ControllerDeps, randomIds } from "./deps.js";
import { reportFleet } from "./fleet-metrics.js";
import { recordInFlightPlacements } from "./in-flight-placements.js";
import { ClaimLauncher, type LaunchOutcome, launchBatches } from "./launch.js";
import { LeaseHolder } from "./lease.js";
import { capPendingPods, creationTimes, oldest } from "./pending-pods.js";
import { withPatchedPods } from "./pod-nominations.js";
import { quietPass } from "./quiet-pass.js";
import { DEFAULT_PENDING_GRACE_MS, recoverPendingClaims } from "./recovery.js";
import { reconcileRegistration } from "./registration.js";
import { loadInstanceTypes, refreshView, takeSnapshot, viewWithWrites } from "./snapshot.js";
import { keepStaticCapacity } from "./static-capacity.js";
import { METRIC } from "./telemetry.js";

/** Provisioner settings. */
export interface ProvisionerOptions {
  /** How long one invocation keeps provisioning (a burst stops earlier, after an idle pass). @default 50 */
  loopSeconds?: number;
  /** Batch idle window. @default 1000 */
  batchIdleMs?: number;
  /** Batch max window; also the longest time between passes. @default 10000 */
  batchMaxMs?: number;
  /** Lease TTL. @default loopSeconds + 30 s */
  leaseTtlMs?: number;
  /** Age after which a Pending claim without instance is recovered. @default 30000 */
  pendingGraceMs?: number;
  /** Solve rounds per pass when launches hit insufficient capacity. @default 4 */
  maxSolveRounds?: number;
  /** First throttling back-off; doubles per throttled pass. @default 2000 */
  throttleBackoffMs?: number;
  /** Back-off ceiling. @default 30000 */
  maxThrottleBackoffMs?: number;
  /** Hold a pod watch (else passes run every `batchMaxMs`); never in burst mode. @default true */
  watch?: boolean;
  /**
   * Burst mode: run passes back to back until one finds nothing to do (no launch, registration change, recovery,
   * throttling back-off, or pods left over by `maxPodsPerSolve`, the solve rounds or the deadline), still never
   * past `loopSeconds` or the deadline. @default false
   */
  stopWhenIdle?: boolean;
  /**
   * The LP lower bound (logged after the launches) runs only when at least this much of the invocation is left.
   * @default 10000
   */
  lowerBoundMinRemainingMs?: number;
  /**
   * Most pending pods one solve takes, oldest first; the rest wait for the next pass (bounded work and memory when a
   * workload asks for far more pods than a pass can plan). @default {@link DEFAULT_MAX_PODS_PER_SOLVE}
   */
  maxPodsPerSolve?: number;
  /** Clock time after which no new pass or solve round starts (Lambda: remaining time less a margin). @default none */
  deadline?: number;
  /** What the packer does when a node's options cannot meet a pool's `minValues`. @default "Strict" */
  minValuesPolicy?: MinValuesPolicy;
}

/** Passes whose durations estimate the next one. */
const RECENT_PASSES = 3;

/** Pending pods one solve takes at most (the packer places 100,000 pods in about 3 s). */
export const DEFAULT_MAX_PODS_PER_SOLVE = 50_000;

/** What one invocation did. */
export interface ProvisionerResult {
  /** Why nothing was done, if so. */
  skipped?: "lease-held" | "no-config" | "lease-lost";
  passes: number;
  /** Claim ids launched (new and recovered). */
  launched: string[];
  /** Pods the packer could not place in the last pass. */
  unschedulable: number;
  /** Passes and solve rounds not started because the deadline was near. */
  deadlineStops: number;
  /** Burst mode: the invocation ended because a pass found nothing to do. */
  idle?: boolean;
}

/** The provisioning controller. */
export class Provisioner {
  private readonly opts: Required<Omit<ProvisionerOptions, "deadline">>;
  private readonly launcher: ClaimLauncher;
  private readonly deadline: InvocationDeadline;
  private backoffMs = 0;
  /** When the running invocation's pass loop ends (undefined outside {@link Provisioner.run}). */
  private loopEnd: number | undefined;
  /** The last passes' durations: the longest of them is the time the next pass is expected to need. */
  private readonly recentPassMs: number[] = [];

  constructor(
    private readonly deps: ControllerDeps,
    opts: ProvisionerOptions = {},
  ) {
    const loopSeconds = opts.loopSeconds ?? 50;
    this.opts = {
      loopSeconds,
      batchIdleMs: opts.batchIdleMs ?? 1000,
      batchMaxMs: opts.batchMaxMs ?? 10_000,
      leaseTtlMs: opts.leaseTtlMs ?? loopSeconds * 1000 + 30_000,
      pendingGraceMs: opts.pendingGraceMs ?? DEFAULT_PENDING_GRACE_MS,
      maxSolveRounds: opts.maxSolveRounds ?? 4,
      throttleBackoffMs: opts.throttleBackoffMs ?? 2000,
      maxThrottleBackoffMs: opts.maxThrottleBackoffMs ?? 30_000,
      watch: opts.watch ?? true,
      stopWhenIdle: opts.stopWhenIdle ?? false,
      lowerBoundMinRemainingMs: opts.lowerBoundMinRemainingMs ?? 10_000,
      minValuesPolicy: opts.minValuesPolicy ?? "Strict",
      maxPodsPerSolve: opts.maxPodsPerSolve ?? DEFAULT_MAX_PODS_PER_SOLVE,
    };
    this.launcher = new ClaimLauncher(deps);
    this.deadline = new InvocationDeadline(deps.clock, opts.deadline);
  }

  /** One invocation. */
  async run(): Promise<ProvisionerResult> {
    const { clock, state, telemetry } = this.deps;
    const owner = (this.deps.ids ?? randomIds).ownerId("provisioner");
    const holder = await LeaseHolder.acquire(state, clock, "provisioner", owner, this.opts.leaseTtlMs);
    const result: ProvisionerResult = { passes: 0, launched: [], unschedulable: 0, deadlineStops: 0 };
    if (!holder) {
      telemetry.logger.info("another provisioner holds the lease; nothing to do");
      return { ...result, skipped: "lease-held" };
    }
    let watch: WatchHandle | undefined;
    try {
      let config: StevedoreConfig;
      try {
        config = await this.deps.config.load();
      } catch (err) {
        telemetry.logger.error("no valid configuration; not provisioning", { error: String(err) });
        return { ...result, skipped: "no-config" };
      }
      const batcher = new PodBatcher(clock, { idleMs: this.opts.batchIdleMs, maxMs: this.opts.batchMaxMs });
      if (this.opts.watch && !this.opts.stopWhenIdle) watch = await this.startWatch(batcher);
      const loopEnd = Math.min(clock.now() + this.opts.loopSeconds * 1000, this.deadline.at);
      this.loopEnd = loopEnd;
      do {
        if (!this.deadline.admit(Math.max(0, ...this.recentPassMs))) break;
        const started = clock.now();
        const busy = await this.pass(config, holder, result);
        // A pass that launched a wave (or filled cold caches) says little about the next ones: keep the last three.
        this.recentPassMs.push(clock.now() - started);
        if (this.recentPassMs.length > RECENT_PASSES) this.recentPassMs.shift();
        result.passes++;
        if (clock.now() >= loopEnd) break;
        if (this.opts.stopWhenIdle && !busy && this.backoffMs === 0) {
          result.idle = true;
          break;
        }
        if (this.backoffMs > 0) await clock.sleep(Math.min(this.backoffMs, Math.max(0, loopEnd - clock.now())));
        if (!this.opts.stopWhenIdle) await batcher.wait(Math.min(loopEnd, clock.now() + this.opts.batchMaxMs));
      } while (clock.now() < loopEnd && (await holder.renew()));
      if (!holder.held) result.skipped = "lease-lost";
    } catch (err) {
      if (!(err instanceof FencedError)) throw err;
      holder.markLost();
      telemetry.logger.warn("lease taken over; stopping", { error: err.message });
      result.skipped = "lease-lost";
    } finally {
      result.deadlineStops = this.deadline.stops;
      watch?.stop();
      await holder.release().catch(() => {});
      await flushSideChannels(this.deps);
      telemetry.metrics.flush();
    }
    return result;
  }

  private async startWatch(batcher: PodBatcher): Promise<WatchHandle | undefined> {
    try {
      // Every change starts a batch, a pod leaving the unscheduled set too: kube-scheduler bound it (or it was
      // deleted), so nodes filled up, and pods nominated to a node it filled with others must be planned again.
      return await this.deps.cluster.watchUnscheduledPods((e) =>
        batcher.trigger(e.pod.metadata.uid ?? objectKey(e.pod)),
      );
    } catch (err) {
      this.deps.telemetry.logger.warn("pod watch unavailable; polling instead", { error: String(err) });
      return undefined;
    }
  }

  /**
   * One pass (none when there is nothing to do, `quiet-pass.ts`): registration, recovery, then solve-and-launch rounds, all reading one view built from one pod
   * listing (later rounds re-read only claims, instance types and the nodes registration changed). Returns whether
   * it found work — something changed, or something is left for the next pass — which keeps a burst going.
   */
  async pass(config: StevedoreConfig, holder: LeaseHolder, result: ProvisionerResult): Promise<boolean> {
    const fence = holder.fence;
    const { clock } = this.deps;
    const t0 = clock.now();
    if (await quietPass(this.deps, config)) {
      this.backoffMs = 0; // as a pass that reaches the solve
      this.deps.telemetry.logger.info("provisioner pass", { ms: clock.now() - t0, quiet: true });
      return false;
    }
    const instanceTypes = await loadInstanceTypes(this.deps, config);
    let view = await takeSnapshot(this.deps, config, { instanceTypes });
    const t1 = clock.now();
    const reg = await reconcileRegistration(this.deps, view, fence);
    view = withPatchedPods(view, reg.pods); // cleared nominations make their pods plannable in this pass
    const t2 = clock.now();
    const rec = await recoverPendingClaims(this.deps, config, view, "provisioner", fence, this.opts.pendingGraceMs);
    result.launched.push(...rec.launched);
    const changed =
      reg.registered.length +
      reg.initialized.length +
      reg.unregistered.length +
      rec.launched.length +
      rec.closed.length;
    const ice = rec.outcomes.some((o) => o.status === "insufficient-capacity");
    if (rec.launched.length + rec.closed.length > 0 || ice) {
      view = await refreshView(this.deps, config, view, reg.nodes);
    } else if (changed > 0) {
      view = viewWithWrites(view, reg.claims, reg.nodes); // registration's own writes: nothing to list again
    }
    if (rec.outcomes.some((o) => o.status === "throttled")) {
      this.throttled();
      return true;
    }
    const statics = await keepStaticCapacity(this.deps, {
      config,
      view,
      fence,
      launcher: this.launcher,
      deadline: this.deadline,
      minValuesPolicy: this.opts.minValuesPolicy,
    });
    for (const o of statics.outcomes) if (o.status === "launched") result.launched.push(o.claim.id);
    if (statics.outcomes.length + statics.scaledDown.length > 0) view = await refreshView(this.deps, config, view);
    const t3 = clock.now();
    const launchedBefore = result.launched.length;
    let leftOver = false;
    for (let round = 0; round < this.opts.maxSolveRounds; round++) {
      if (!this.deadline.admit()) return true; // pending pods stay pending: the next invocation solves for them
      const outcome = await this.solveAndLaunch(config, view, fence, result);
      if (outcome === "throttled") {
        this.throttled();
        return true;
      }
      this.backoffMs = 0;
      leftOver = outcome !== "done";
      if (outcome !== "insufficient-capacity") break;
      view = await refreshView(this.deps, config, view);
    }
    reportFleet(view, this.deps.telemetry);
    this.deps.telemetry.logger.info("provisioner pass", {
      ms: clock.now() - t0,
      snapshotMs: t1 - t0,
      registrationMs: t2 - t1,
      recoveryMs: t3 - t2,
      solveAndLaunchMs: clock.now() - t3,
      registered: reg.registered.length + reg.initialized.length,
      nominationPatches: reg.nominationPatches,
      launched: result.launched.length - launchedBefore,
    });
    // A static launch or insufficient capacity (fall back next pass) is work; an unknown outcome waits for recovery.
    const staticWork =
      statics.outcomes.filter((o) => o.status === "launched" || o.status === "insufficient-capacity").length +
      statics.scaledDown.length;
    return changed + staticWork > 0 || leftOver || result.launched.length > launchedBefore;
  }

  private throttled(): void {
    this.backoffMs = Math.min(
      this.opts.maxThrottleBackoffMs,
      this.backoffMs === 0 ? this.opts.throttleBackoffMs : this.backoffMs * 2,
    );
    this.deps.telemetry.logger.warn("throttled by EC2; backing off", { backoffMs: this.backoffMs });
  }

  private async solveAndLaunch(
    config: StevedoreConfig,
    view: ClusterView,
    fence: LeaseHolder["fence"],
    result: ProvisionerResult,
  ): Promise<"done" | "left-over" | "insufficient-capacity" | "throttled"> {
    const { logger, metrics } = this.deps.telemetry;
    const { input, pending, capped } = capPendingPods(provisioningInput(view), this.opts.maxPodsPerSolve, logger);
    input.minValuesPolicy = this.opts.minValuesPolicy;
    metrics.add(METRIC.pendingPods, pending.length);
    const since = oldest(pending);
    if (since !== undefined)
      metrics.add(METRIC.oldestPendingPodAge, Math.max(0, (this.deps.clock.now() - since) / 1000), "Seconds");
    if (input.pods.length === 0) return "done";
    let solved: SolveResult;
    try {
      solved = this.deps.solve(input);
    } catch (err) {
      logger.error("the packer failed; nothing launched this pass", { error: String(err), pods: input.pods.length });
      return "done";
    }
    const placed =
      solved.newNodes.reduce((s, n) => s + n.pods.length, 0) +
      [...solved.existingAssignments.values()].reduce((s, p) => s + p.length, 0);
    metrics.add(METRIC.podsPlaced, placed);
    metrics.add(METRIC.podsUnschedulable, solved.unschedulable.length);
    result.unschedulable = solved.unschedulable.length;
    if (solved.unschedulable.length > 0) {
      logger.warn("pods cannot be placed", {
        pods: solved.unschedulable.slice(0, 10).map((u) => ({ pod: objectKey(u.pod), reason: u.reason })),
        count: solved.unschedulable.length,
      });
      for (const e of failedSchedulingEvents(input, solved.unschedulable)) recordEvent(this.deps, e);
    }
    if (solved.newNodes.length === 0) {
      await this.recordPlacements(view, solved, fence);
      return "done";
    }
    const outcomes: LaunchOutcome[] = [];
    let pendingByKey: Map<string, Pod> | undefined;
    const ctx = {
      config,
      fence,
      controller: "provisioner",
      why: "pending pods",
      details: { costPerHour: solved.costPerHour, newNodes: solved.newNodes.length },
    };
    let stopped = false;
    for (const batch of launchBatches(solved.newNodes)) {
      // Each batch is intent → CreateFleet → record; one not started leaves its pods for the next invocation.
      if (!this.deadline.admit()) {
        stopped = true;
        break;
      }
      let got: LaunchOutcome[];
      try {
        // Decision latency: one sample per (real) pod this batch launches for, from its creation.
        const podsPendingSince = creationTimes(batch.flatMap((n) => n.pods));
        got = await this.launcher.launchBatch(batch, { ...ctx, podsPendingSince });
      } catch (err) {
        if (err instanceof FencedError) throw err;
        logger.error("could not launch", { pool: batch[0]?.pool, nodes: batch.length, error: String(err) });
        continue;
      }
      outcomes.push(...got);
      for (const o of got) {
        if (o.status !== "launched") continue;
        result.launched.push(o.claim.id);
        for (const e of nominatedEvents(o.claim, o.instance, (pendingByKey ??= podsByKey(pending))))
          recordEvent(this.deps, e);
      }
      if (got.some((o) => o.status === "throttled")) {
        await this.recordPlacements(view, solved, fence);
        return "throttled";
      }
    }
    // After the launches, so they never wait for it.
    await this.recordPlacements(view, solved, fence);
    await this.logLowerBound(input, solved);
    if (outcomes.some((o) => o.status === "insufficient-capacity")) return "insufficient-capacity";
    return capped || stopped ? "left-over" : "done";
  }

  /** Records the pods the solve placed on in-flight claims on those claims (in-flight-placements.ts). */
  private async recordPlacements(view: ClusterView, solved: SolveResult, fence: Fence): Promise<void> {
    if (solved.existingAssignments.size > 0) await recordInFlightPlacements(this.deps, view, solved, fence);
  }

  /**
   * Logs the solve's cost against the LP lower bound, after the launches so it never delays them; skipped when less
   * than `lowerBoundMinRemainingMs` of the invocation is left.
   */
  private async logLowerBound(input: SolveInput, solved: SolveResult): Promise<void> {
    const { clock, lowerBound, telemetry } = this.deps;
    if (!lowerBound) return;
    const remaining = Math.min(this.loopEnd ?? Number.POSITIVE_INFINITY, this.deadline.at) - clock.now();
    if (remaining < this.opts.lowerBoundMinRemainingMs) {
      telemetry.logger.info("lower bound skipped: too little time left", { remainingMs: remaining });
      return;
    }
    const bound = await lowerBound(input).catch(() => undefined);
    if (bound === undefined) return;
    if (bound > 0) telemetry.metrics.add(METRIC.planOptimalityGap, solved.costPerHour / bound - 1, "None");
    await logDecision(this.deps, {
      at: clock.now(),
      controller: "provisioner",
      action: "lower-bound",
      details: {
        costPerHour: solved.costPerHour,
        lowerBoundPerHour: bound,
        gapPerHour: solved.costPerHour - bound,
        newNodes: solved.newNodes.length,
      },
    });
  }
}
