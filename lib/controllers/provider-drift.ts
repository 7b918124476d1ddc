/**
 * Cloud-provider drift for the disruptor: asks the cloud, instance by instance, whether an initialized claim's
 * instance still matches its node class (AMI, subnets, security groups). A check that fails, or is not started
 * because the invocation's deadline is near, just leaves that claim undrifted for this pass. The answers of one
 * check are reused for a while ({@link recentDriftReasons}): passes come every few seconds during drains.
 *
 * Listing every instance is most of what an idle disruptor pass costs at scale (the DescribeInstances answer of a
 * hundred nodes takes longer to parse than the rest of the pass), so a check keeps the instances it read: the next
 * checks judge them again against the node class as resolved now (a new AMI, a changed subnet or security-group
 * selection is seen at once) and describe only instances they have not seen, by id; every instance is listed again
 * once the listing is `relistMs` old, which is when a change made to a running instance outside Stevedore (its
 * security groups, its tags) is seen.
 */
import type { StevedoreConfig } from "../api/model.js";
import type { CloudInstance } from "../cloud/provider.js";
import type { NodeClaim } from "../state/types.js";
import type { InvocationDeadline } from "./deadline.js";
import type { ControllerDeps } from "./deps.js";
import { classOf } from "./snapshot.js";

/** How long one listing of every instance serves the drift checks (Karpenter re-checks drift every 5 minutes). */
export const DEFAULT_DRIFT_RELIST_MS = 5 * 60_000;

/** The instances a drift check read: by instance id, and when every instance was last listed. */
export interface DriftInstances {
  byId: Map<string, CloudInstance>;
  listedAt: number;
}

/** Claims whose instance a drift check judges. */
function checkedClaims(claims: readonly NodeClaim[]): NodeClaim[] {
  return claims.filter((c) => c.state === "Initialized" && c.instanceId !== undefined);
}

/**
 * The instances of `claims`: `known` plus those it lacks, described by id, or every instance listed again when
 * `known` is missing or `relistMs` old. Undefined when the cloud could not be read.
 */
async function driftInstances(
  deps: ControllerDeps,
  claims: readonly NodeClaim[],
  known: DriftInstances | undefined,
  relistMs: number,
): Promise<DriftInstances | undefined> {
  const now = deps.clock.now();
  if (!known || now < known.listedAt || now - known.listedAt >= relistMs) {
    try {
      const listed = await deps.cloud.list();
      return { byId: new Map(listed.map((i) => [i.instanceId, i])), listedAt: now };
    } catch (err) {
      deps.telemetry.logger.warn("could not list instances for drift", { error: String(err) });
      return undefined;
    }
  }
  const ids = new Set(claims.map((c) => c.instanceId as string));
  const byId = new Map([...known.byId].filter(([id]) => ids.has(id)));
  const unseen = [...ids].filter((id) => !byId.has(id));
  if (unseen.length > 0) {
    try {
      // A listing leaves terminated instances out; so does this.
      for (const [id, inst] of await deps.cloud.getMany(unseen)) if (inst.state !== "terminated") byId.set(id, inst);
    } catch (err) {
      deps.telemetry.logger.warn("could not describe new instances for drift", { error: String(err) });
    }
  }
  return { byId, listedAt: known.listedAt };
}

/** Drift reasons by claim id (of `liveClaims`: a snapshot's claims), and the instances they were judged on. */
export async function providerDriftReasons(
  deps: ControllerDeps,
  config: StevedoreConfig,
  deadline: InvocationDeadline,
  liveClaims: readonly NodeClaim[],
  known?: DriftInstances,
  relistMs = DEFAULT_DRIFT_RELIST_MS,
): Promise<{ reasons: Map<string, string>; instances?: DriftInstances }> {
  const reasons = new Map<string, string>();
  const claims = checkedClaims(liveClaims);
  const instances = await driftInstances(deps, claims, known, relistMs);
  if (!instances) return { reasons };
  for (const claim of claims) {
    if (!deadline.admit()) break;
    const inst = instances.byId.get(claim.instanceId as string);
    const pool = config.nodePools.find((p) => p.name === claim.pool);
    const nodeClass = pool ? classOf(config, pool) : undefined;
    if (!inst || !nodeClass) continue;
    try {
      const why = await deps.cloud.isDrifted(inst, nodeClass);
      if (why) reasons.set(claim.id, why);
    } catch (err) {
      deps.telemetry.logger.warn("drift check failed", { claimId: claim.id, error: String(err) });
    }
  }
  return { reasons, instances };
}

/** A provider drift check: when it ran, its answers by claim id, and the instances it read. */
export interface DriftCheck {
  at: number;
  reasons: Map<string, string>;
  /** @default none: the next check lists every instance */
  instances?: DriftInstances;
}

/** How often {@link recentDriftReasons} asks again. */
export interface DriftCadence {
  /** Answers younger than this are reused as they are. */
  reuseMs: number;
  /** A listing of every instance older than this is made again. @default {@link DEFAULT_DRIFT_RELIST_MS} */
  relistMs?: number;
}

/**
 * {@link providerDriftReasons}, or the answers of the check in `memory` while they are less than `reuseMs` old (a
 * check judges every instance; drift found up to `reuseMs` late is still found). The instances read are kept in
 * `memory` for the next check.
 */
export async function recentDriftReasons(
  deps: ControllerDeps,
  config: StevedoreConfig,
  deadline: InvocationDeadline,
  liveClaims: readonly NodeClaim[],
  memory: { drift?: DriftCheck },
  cadence: DriftCadence,
): Promise<Map<string, string>> {
  const now = deps.clock.now();
  const last = memory.drift;
  if (last && now >= last.at && now - last.at < cadence.reuseMs) return last.reasons;
  const { reasons, instances } = await providerDriftReasons(
    deps,
    config,
    deadline,
    liveClaims,
    last?.instances,
    cadence.relistMs,
  );
  memory.drift = { at: now, reasons, ...(instances ? { instances } : {}) };
  return reasons;
}
