/**
 * Claim tags on the instances of launch batches, off the launch path. A batch's instances carry only the batch tag
 * from CreateFleet; which claim owns which instance is recorded on the claims. Tagging each instance with its claim
 * (so the EC2 console and `describe-instances` show the owner) costs one rate-limited CreateTags per instance — about
 * 100 s for 1,000 instances at EC2's documented refill — so the garbage collector does it, a bounded number per run,
 * like Karpenter's tagging controller after registration. Nothing depends on the tag for correctness: recovery and
 * leak detection read the claims' records.
 */
import type { ClaimTagRequest, CloudInstance } from "../cloud/provider.js";
import type { NodeClaim } from "../state/types.js";
import type { InvocationDeadline } from "./deadline.js";
import type { ControllerDeps } from "./deps.js";

/** Most instances tagged per run: EC2's CreateTags burst plus ten seconds of refill. */
export const DEFAULT_MAX_CLAIM_TAGS_PER_RUN = 200;
/** Instances tagged per call to the cloud seam (the deadline is checked between chunks). */
const TAG_CHUNK = 20;

/** The batch instances live claims record that do not carry their claim tag yet, at most `max`. */
export function untaggedClaimInstances(
  instances: CloudInstance[],
  claims: NodeClaim[],
  max: number,
): ClaimTagRequest[] {
  const owner = new Map<string, NodeClaim>();
  for (const c of claims) if (c.instanceId && c.state !== "Terminated") owner.set(c.instanceId, c);
  const out: ClaimTagRequest[] = [];
  for (const inst of instances) {
    if (out.length >= max) break;
    if (inst.claimId || !inst.batchId) continue;
    const claim = owner.get(inst.instanceId);
    if (claim) out.push({ instanceId: inst.instanceId, claimId: claim.id, pool: claim.pool });
  }
  return out;
}

/** Tags up to `max` untagged batch instances with their claims, stopping at the deadline. Returns the ids tagged. */
export async function tagClaimInstances(
  deps: ControllerDeps,
  instances: CloudInstance[],
  claims: NodeClaim[],
  deadline: InvocationDeadline,
  max = DEFAULT_MAX_CLAIM_TAGS_PER_RUN,
): Promise<string[]> {
  const todo = untaggedClaimInstances(instances, claims, max);
  const tagged: string[] = [];
  for (let i = 0; i < todo.length; i += TAG_CHUNK) {
    if (!deadline.admit()) break;
    const chunk = todo.slice(i, i + TAG_CHUNK);
    try {
      await deps.cloud.tagClaims(chunk);
    } catch (err) {
      deps.telemetry.logger.warn("could not tag instances with their claims; the next run retries", {
        error: String(err),
      });
      break;
    }
    tagged.push(...chunk.map((r) => r.instanceId));
  }
  if (tagged.length > 0)
    deps.telemetry.logger.info("tagged batch instances with their claims", { count: tagged.length });
  return tagged;
}
