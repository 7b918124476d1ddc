/**
 * Crash recovery of launches (Karpenter's "no launch without providerID" guard). A claim that is Pending without an
 * instance id may still land: before any new capacity is opened it is resolved — its instance found by tag (→
 * Launched), or the launch retried with the same claim id (ClientToken, so EC2 returns the same instance if the
 * first attempt got through), or the claim closed if nothing needs it any more. Claims younger than the grace
 * period may be mid-launch by another invocation: they count as in-flight capacity and are left alone.
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
  for (const claim of view.claims) {
    if (claim.state !== "Pending" || claim.instanceId) continue;
    if (deps.clock.now() - claim.updatedAt < graceMs) {
      out.unresolved.push(claim.id);
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
  return out;
}
