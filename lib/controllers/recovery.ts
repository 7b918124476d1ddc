/**
 * Crash recovery of launches (Karpenter's "no launch without providerID" guard). A claim that is Pending without an
 * instance id may still land: before any new capacity is opened it is resolved — its instance found by tag (→
 * Launched), or the launch retried with the same claim id (ClientToken, so EC2 returns the same instance if the
 * first attempt got through), or the claim closed if nothing needs it any more. Claims younger than the grace
 * period may be mid-launch by another invocation: they count as in-flight capacity and are left alone. The claims of
 * a launch batch are resolved together (`recoverBatch`): the batch's instances are found by their batch tag and
 * assigned to the claims as the launch assigned them.
 */
import type { StevedoreConfig } from "../api/model.js";
import { ConflictError, type Fence, type NodeClaim } from "../state/types.js";
import { type ClusterView, ViewIndex } from "../view/cluster-view.js";
import { isVirtualPodKey } from "../view/headroom.js";
import type { ControllerDeps } from "./deps.js";
import { ClaimLauncher, type LaunchOutcome, UnknownPoolError } from "./launch.js";

/** A Pending claim untouched this long is considered abandoned by a crashed launch. @default 30 s */
export const DEFAULT_PENDING_GRACE_MS = 30_000;

/** Result of a recovery pass. */
export interface RecoveryResult {
  /** Claims resolved to Launched (found or re-launched). */
  launched: string[];
  /** Claims closed because nothing needs them any more. */
  closed: string[];
  /** Claims still Pending without an instance (young, or the retry failed in an unknown way). */
  unresolved: string[];
  /** Outcomes of retried launches (for ICE/throttling handling by the caller). */
  outcomes: LaunchOutcome[];
}

/** Whether the claim's pods (or its virtual pods) still need the capacity. */
export function claimStillNeeded(index: ViewIndex, claim: NodeClaim): boolean {
  if (claim.pods.length === 0 || claim.pods.some(isVirtualPodKey)) return true;
  return index.nominatedPods(claim).length > 0;
}

/** Resolves every abandoned Pending claim of the view. */
export async function recoverPendingClaims(
  deps: ControllerDeps,
  config: StevedoreConfig,
  view: ClusterView,
  controller: string,
  fence: Fence | undefined,
  graceMs = DEFAULT_PENDING_GRACE_MS,
): Promise<RecoveryResult> {
  const { logger } = deps.telemetry;
  const out: RecoveryResult = { launched: [], closed: [], unresolved: [], outcomes: [] };
  const index = new ViewIndex(view);
  const launcher = new ClaimLauncher(deps);
  const batches = new Map<string, NodeClaim[]>();
  for (const claim of view.claims) {
    if (claim.state !== "Pending" || claim.instanceId) continue;
    if (deps.clock.now() - claim.updatedAt < graceMs) {
      out.unresolved.push(claim.id);
      continue;
    }
    if (claim.batchId) {
      batches.set(claim.batchId, [...(batches.get(claim.batchId) ?? []), claim]);
      continue;
    }
    try {
      const found = await deps.cloud.findByClaim(claim.id);
      if (!found && !claimStillNeeded(index, claim)) {
        await deps.state.updateClaim(
          claim,
          { state: "Terminated", terminatedAt: deps.clock.now(), lastError: "PodsGone" },
          fence,
        );
        logger.info("closed an abandoned claim whose pods are gone", { claimId: claim.id });
        out.closed.push(claim.id);
        continue;
      }
      // Re-launch with the same id: the adapter adopts an instance found by tag, EC2 dedupes by ClientToken.
      logger.info(found ? "adopting the instance of an interrupted launch" : "retrying an interrupted launch", {
        claimId: claim.id,
        instanceId: found?.instanceId,
      });
      const outcome = await launcher.launchClaim(claim, undefined, {
        config,
        fence,
        controller,
        why: "recovery of an interrupted launch",
      });
      out.outcomes.push(outcome);
      if (outcome.status === "launched") out.launched.push(claim.id);
      else if (outcome.status === "unknown") out.unresolved.push(claim.id);
      else out.closed.push(claim.id);
    } catch (err) {
      if (err instanceof ConflictError) {
        out.unresolved.push(claim.id);
        continue;
      }
      if (err instanceof UnknownPoolError) {
        await deps.state.updateClaim(
          claim,
          { state: "Terminated", terminatedAt: deps.clock.now(), lastError: err.name },
          fence,
        );
        logger.warn("closed an abandoned claim of a pool no longer configured", {
          claimId: claim.id,
          pool: claim.pool,
        });
        out.closed.push(claim.id);
        continue;
      }
      throw err;
    }
  }
  for (const [batchId, pending] of batches) {
    await recoverBatch(deps, { config, controller, fence, index, launcher, out }, batchId, pending);
  }
  return out;
}

/** What {@link recoverBatch} shares with the pass. */
interface RecoveryScope {
  config: StevedoreConfig;
  controller: string;
  fence: Fence | undefined;
  index: ViewIndex;
  launcher: ClaimLauncher;
  out: RecoveryResult;
}

/**
 * Resolves the abandoned Pending claims of one launch batch. The batch's instances are found by their batch tag;
 * when there are none and no claim is needed any more, the claims are closed. Otherwise the batch is launched again
 * with every claim it had (the same request, so EC2 returns the same instances for the same ClientToken, and the
 * adapter adopts instances it finds by tag instead of launching), each instance goes to the same claim as before
 * (instances already tagged keep their claim), and claims left without an instance are closed.
 */
async function recoverBatch(
  deps: ControllerDeps,
  scope: RecoveryScope,
  batchId: string,
  pending: NodeClaim[],
): Promise<void> {
  const { config, controller, fence, index, launcher, out } = scope;
  const { logger } = deps.telemetry;
  try {
    const found = await deps.cloud.findByBatch(batchId);
    if (found.length === 0 && !pending.some((c) => claimStillNeeded(index, c))) {
      for (const claim of pending) {
        await closeClaim(deps, claim, "PodsGone", fence);
        out.closed.push(claim.id);
      }
      logger.info("closed the abandoned claims of a launch batch whose pods are gone", { batchId });
      return;
    }
    const all = (await deps.state.listClaims({ includeTerminated: true })).filter((c) => c.batchId === batchId);
    logger.info(found.length > 0 ? "adopting the instances of an interrupted batch" : "retrying an interrupted batch", {
      batchId,
      pending: pending.length,
      found: found.length,
    });
    const outcomes = await launcher.launchBatchClaims(pending, all, undefined, {
      config,
      fence,
      controller,
      why: "recovery of an interrupted launch",
    });
    for (const outcome of outcomes) {
      out.outcomes.push(outcome);
      if (outcome.status === "launched") out.launched.push(outcome.claim.id);
      else if (outcome.status === "unknown") out.unresolved.push(outcome.claim.id);
      else out.closed.push(outcome.claim.id);
    }
  } catch (err) {
    if (err instanceof ConflictError) {
      out.unresolved.push(...pending.map((c) => c.id));
      return;
    }
    if (err instanceof UnknownPoolError) {
      for (const claim of pending) {
        await closeClaim(deps, claim, err.name, fence);
        out.closed.push(claim.id);
      }
      return;
    }
    throw err;
  }
}

async function closeClaim(deps: ControllerDeps, claim: NodeClaim, lastError: string, fence: Fence | undefined) {
  await deps.state.updateClaim(claim, { state: "Terminated", terminatedAt: deps.clock.now(), lastError }, fence);
}
