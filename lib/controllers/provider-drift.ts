/**
 * Cloud-provider drift for the disruptor: asks the cloud, instance by instance, whether an initialized claim's
 * instance still matches its node class (AMI, subnets, security groups). A check that fails, or is not started
 * because the invocation's deadline is near, just leaves that claim undrifted for this pass. The answers of one
 * check are reused for a while ({@link recentDriftReasons}): passes come every few seconds during drains.
 */
import type { StevedoreConfig } from "../api/model.js";
import type { CloudInstance } from "../cloud/provider.js";
import type { NodeClaim } from "../state/types.js";
import type { InvocationDeadline } from "./deadline.js";
import type { ControllerDeps } from "./deps.js";
import { classOf } from "./snapshot.js";

/** Drift reasons by claim id (of `liveClaims` when given: a snapshot's claims, so the store is not read twice). */
export async function providerDriftReasons(
  deps: ControllerDeps,
  config: StevedoreConfig,
  deadline: InvocationDeadline,
  liveClaims?: readonly NodeClaim[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let instances: CloudInstance[];
  try {
    instances = await deps.cloud.list();
  } catch (err) {
    deps.telemetry.logger.warn("could not list instances for drift", { error: String(err) });
    return out;
  }
  const claims = liveClaims ?? (await deps.state.listClaims());
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  for (const claim of claims) {
    if (claim.state !== "Initialized" || !claim.instanceId) continue;
    if (!deadline.admit()) break;
    const inst = byId.get(claim.instanceId);
    const pool = config.nodePools.find((p) => p.name === claim.pool);
    const nodeClass = pool ? classOf(config, pool) : undefined;
    if (!inst || !nodeClass) continue;
    try {
      const why = await deps.cloud.isDrifted(inst, nodeClass);
      if (why) out.set(claim.id, why);
    } catch (err) {
      deps.telemetry.logger.warn("drift check failed", { claimId: claim.id, error: String(err) });
    }
  }
  return out;
}

/** A provider drift check: when it ran, and its answers by claim id. */
export interface DriftCheck {
  at: number;
  reasons: Map<string, string>;
}

/**
 * {@link providerDriftReasons}, or the answers of the check in `memory` while they are less than `reuseMs` old (a
 * check lists every instance; drift found up to `reuseMs` late is still found).
 */
export async function recentDriftReasons(
  deps: ControllerDeps,
  config: StevedoreConfig,
  deadline: InvocationDeadline,
  liveClaims: readonly NodeClaim[],
  memory: { drift?: DriftCheck },
  reuseMs: number,
): Promise<Map<string, string>> {
  const now = deps.clock.now();
  const last = memory.drift;
  if (last && now >= last.at && now - last.at < reuseMs) return last.reasons;
  const reasons = await providerDriftReasons(deps, config, deadline, liveClaims);
  memory.drift = { at: now, reasons };
  return reasons;
}
