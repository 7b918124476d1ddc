/**
 * Node auto-repair, run by the disruptor when the `NodeRepair` gate is on (decisions in `lib/disruption/repair.ts`):
 * each node due for repair is marked (reason `Unhealthy`), its replacement is launched, and its drain starts with a
 * deadline of now, so its pods are deleted without waiting for PDBs or `do-not-disrupt`, as Karpenter's forceful
 * repair does. Budgets do not apply. A pool with too many unhealthy nodes is held off, and that is logged as a
 * `repair-blocked` decision at most every 5 minutes per pool.
 */
import type { StevedoreConfig } from "../api/model.js";
import { isReschedulable } from "../core/pods.js";
import { type RepairCandidate, repairPlan } from "../disruption/repair.js";
import { type ClusterView, ViewIndex } from "../view/cluster-view.js";
import type { InvocationDeadline } from "./deadline.js";
import type { ControllerDeps } from "./deps.js";
import { launchReplacements } from "./replacement.js";
import { takeSnapshot } from "./snapshot.js";
import { METRIC } from "./telemetry.js";
import { Terminator } from "./termination.js";

/** How often a pool held off is logged again. */
export const REPAIR_BLOCKED_LOG_INTERVAL_MS = 5 * 60_000;

/** What repair remembers between passes (and, in a warm container, invocations). */
export interface RepairMemory {
  /** When each held-off pool was last logged. */
  blockedLoggedAt?: Record<string, number>;
}

/** Repairs the nodes that are due; returns the claim ids repaired. */
export async function repairNodes(
  deps: ControllerDeps,
  config: StevedoreConfig,
  view: ClusterView,
  deadline: InvocationDeadline,
  memory: RepairMemory,
): Promise<string[]> {
  const plan = repairPlan(new ViewIndex(view));
  await logBlocked(deps, plan.blocked, memory);
  const repaired: string[] = [];
  let current = view;
  for (const r of plan.repairs) {
    if (!deadline.admit()) break;
    await repairOne(deps, config, current, r);
    repaired.push(r.claim.id);
    current = await takeSnapshot(deps, config); // the next replacement sees this one's
  }
  return repaired;
}

async function repairOne(deps: ControllerDeps, config: StevedoreConfig, view: ClusterView, r: RepairCandidate) {
  const { clock, state, telemetry } = deps;
  const terminator = new Terminator(deps);
  const nodeName = r.node.metadata.name ?? "";
  let claim = await terminator.mark(r.claim, "Unhealthy", Terminator.flavorOf(r.pool));
  const moved = view.pods.filter((p) => p.spec.nodeName === nodeName && isReschedulable(p));
  const c = r.condition;
  const replacement = await launchReplacements(deps, config, view, new Set([nodeName, claim.id]), moved, {
    controller: "disruptor",
    why: `repair of ${nodeName}: ${c.conditionType}=${c.status}`,
  });
  const replacementIds = replacement.claims.map((x) => x.id);
  if (replacementIds.length > 0) {
    claim = await state.updateClaim(claim, {
      replacementClaimId: replacementIds[0],
      replacementClaimIds: replacementIds,
    });
  }
  await terminator.startDrain(claim, r.pool, clock.now());
  telemetry.metrics.add(METRIC.disruptions, 1, "Count", { method: "Repair" });
  telemetry.logger.warn("unhealthy node repaired", { node: nodeName, condition: c.conditionType, status: c.status });
  await state.logDecision({
    at: clock.now(),
    controller: "disruptor",
    action: "repair",
    details: {
      node: nodeName,
      claimId: r.claim.id,
      pool: r.pool.name,
      condition: c.conditionType,
      status: c.status,
      unhealthySince: c.since,
      tolerationSeconds: c.tolerationMs / 1000,
      reason:
        `${c.conditionType}=${c.status} for ${Math.round((clock.now() - c.since) / 60_000)}m ` +
        `(toleration ${c.tolerationMs / 60_000}m)`,
      pods: moved.map((p) => `${p.metadata.namespace ?? "default"}/${p.metadata.name ?? ""}`),
      replacementClaims: replacementIds,
      replacementComplete: replacement.complete,
    },
  });
}

async function logBlocked(
  deps: ControllerDeps,
  blocked: ReturnType<typeof repairPlan>["blocked"],
  memory: RepairMemory,
): Promise<void> {
  const now = deps.clock.now();
  memory.blockedLoggedAt ??= {};
  for (const b of blocked) {
    const last = memory.blockedLoggedAt[b.pool];
    if (last !== undefined && now - last < REPAIR_BLOCKED_LOG_INTERVAL_MS) continue;
    memory.blockedLoggedAt[b.pool] = now;
    deps.telemetry.logger.warn("node repair held off: too many unhealthy nodes in the pool", { ...b });
    await deps.state.logDecision({
      at: now,
      controller: "disruptor",
      action: "repair-blocked",
      details: {
        ...b,
        reason: `${b.unhealthy} of ${b.nodes} nodes are unhealthy; repair needs at most ${b.allowed} (20%)`,
      },
    });
  }
}
