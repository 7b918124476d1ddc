/**
 * Keeps each static pool (`spec.replicas`) at its node count, once per provisioner pass: the shortfall is launched
 * (one solve of virtual pods for the pool alone, then the usual crash-safe launch batches), and when `replicas`
 * went down the most disposable nodes are marked `ScaledDown`, which the disruptor drains (PDBs honoured, no
 * replacement, no disruption budget, as Karpenter scales a static pool in).
 */
import type { MinValuesPolicy, NodePool, StevedoreConfig } from "../api/model.js";
import { FencedError, type NodeClaim } from "../state/types.js";
import type { ClusterView } from "../view/cluster-view.js";
import { type StaticPoolPlan, staticLaunchInput, staticPoolPlans } from "../view/static-capacity.js";
import type { InvocationDeadline } from "./deadline.js";
import type { ControllerDeps } from "./deps.js";
import { type ClaimLauncher, type LaunchContext, type LaunchOutcome, launchBatches } from "./launch.js";
import { Terminator } from "./termination.js";

/** What keeping static capacity did in one pass. */
export interface StaticCapacityResult {
  outcomes: LaunchOutcome[];
  /** Claim ids marked for removal because `replicas` went down. */
  scaledDown: string[];
}

/** Inputs of {@link keepStaticCapacity}. */
export interface StaticCapacityContext {
  config: StevedoreConfig;
  view: ClusterView;
  fence: LaunchContext["fence"];
  launcher: ClaimLauncher;
  deadline: InvocationDeadline;
  minValuesPolicy: MinValuesPolicy;
}

/** Launches every static pool's shortfall and marks its surplus. */
export async function keepStaticCapacity(
  deps: ControllerDeps,
  ctx: StaticCapacityContext,
): Promise<StaticCapacityResult> {
  const out: StaticCapacityResult = { outcomes: [], scaledDown: [] };
  for (const plan of staticPoolPlans(ctx.view)) {
    if (plan.missing > 0) out.outcomes.push(...(await launchShortfall(deps, ctx, plan)));
    if (plan.surplus.length > 0) out.scaledDown.push(...(await scaleDown(deps, ctx, plan)));
  }
  return out;
}

async function launchShortfall(
  deps: ControllerDeps,
  ctx: StaticCapacityContext,
  plan: StaticPoolPlan,
): Promise<LaunchOutcome[]> {
  const { logger } = deps.telemetry;
  const input = { ...staticLaunchInput(ctx.view, plan), minValuesPolicy: ctx.minValuesPolicy };
  const solved = deps.solve(input);
  if (solved.unschedulable.length > 0) {
    logger.warn("static pool cannot launch all its nodes", {
      pool: plan.pool.name,
      missing: plan.missing,
      reason: solved.unschedulable[0].reason,
    });
  }
  const outcomes: LaunchOutcome[] = [];
  const launch: LaunchContext = {
    config: ctx.config,
    fence: ctx.fence,
    controller: "provisioner",
    why: "static capacity",
    details: { replicas: plan.pool.replicas, live: plan.live },
  };
  for (const batch of launchBatches(solved.newNodes)) {
    if (!ctx.deadline.admit()) break;
    try {
      outcomes.push(...(await ctx.launcher.launchBatch(batch, launch)));
    } catch (err) {
      if (err instanceof FencedError) throw err;
      logger.error("could not launch static capacity", { pool: plan.pool.name, error: String(err) });
    }
  }
  return outcomes;
}

async function scaleDown(deps: ControllerDeps, ctx: StaticCapacityContext, plan: StaticPoolPlan): Promise<string[]> {
  const terminator = new Terminator(deps);
  const marked: string[] = [];
  // A Pending claim's launch may still be under way: it is left to recovery, and counted again next pass.
  for (const claim of plan.surplus.filter((c) => c.state !== "Pending")) {
    if (!ctx.deadline.admit()) break;
    await terminator.mark(claim, "ScaledDown", Terminator.flavorOf(plan.pool));
    await deps.state.logDecision({
      at: deps.clock.now(),
      controller: "provisioner",
      action: "scale-down",
      details: { claimId: claim.id, node: claim.nodeName, pool: plan.pool.name, replicas: plan.pool.replicas },
    });
    marked.push(claim.id);
  }
  return marked;
}

/**
 * Whether a drifted node of a static pool may drain: the pool is back at `replicas` initialized nodes that are not
 * being disrupted (the provisioner launched the replacement once this node was marked). Always true otherwise.
 */
export function staticPoolRefilled(
  claim: NodeClaim,
  pool: NodePool | undefined,
  claims: Map<string, NodeClaim>,
): boolean {
  if (pool?.replicas === undefined || claim.disruptionReason !== "Drifted") return true;
  let ready = 0;
  for (const c of claims.values()) {
    if (c.pool === pool.name && c.state === "Initialized" && c.disruptionReason === undefined) ready++;
  }
  return ready >= pool.replicas;
}
