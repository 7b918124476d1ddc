/**
 * The provisioner's check for a pass with nothing to do, made before the pass lists the cluster. A pass plans pods
 * that are not bound, moves launched claims along (registration, nominations), recovers Pending claims, keeps static
 * pools at their size and places headroom and `minNodes` virtual pods; when there is none of that — no pod without
 * a node, no claim `Pending`, `Launched` or `Registered`, no static pool, no virtual pod — the full pass would list
 * every pod, node, DaemonSet and PDB only to decide nothing. The check asks the apiserver for at most one unbound pod
 * and reads the claims instead, and the pass reports what the full one would have (no pending pod, the fleet's
 * gauges). Any doubt, or a cluster client that cannot answer, means a full pass.
 */
import type { NodePool, StevedoreConfig } from "../api/model.js";
import type { NodeClaim } from "../state/types.js";
import { headroomPods, minNodesPods } from "../view/headroom.js";
import type { ControllerDeps } from "./deps.js";
import { reportFleet } from "./fleet-metrics.js";
import { classOf } from "./snapshot.js";
import { METRIC } from "./telemetry.js";

/** Claim states the provisioner still acts on. */
const ACTIVE_CLAIM_STATES: ReadonlySet<NodeClaim["state"]> = new Set(["Pending", "Launched", "Registered"]);

/** Pools that never ask for capacity without pods: no `replicas`, no headroom, no `minNodes`. */
function podDrivenOnly(pools: NodePool[]): boolean {
  return (
    pools.every((p) => p.replicas === undefined) && headroomPods(pools).length === 0 && minNodesPods(pools).length === 0
  );
}

/**
 * When the pass would find nothing to do, reports it as the full pass would (pending pods 0, the fleet's cost and
 * node counts) and returns true; otherwise false, having changed nothing.
 */
export async function quietPass(deps: ControllerDeps, config: StevedoreConfig): Promise<boolean> {
  if (!deps.cluster.anyUnboundPod || !podDrivenOnly(config.nodePools)) return false;
  // Unbound pods first: while pods wait for nodes (a burst), the pass goes on without reading the claims twice.
  if (await deps.cluster.anyUnboundPod()) return false;
  const claims = await deps.state.listClaims();
  if (claims.some((c) => ACTIVE_CLAIM_STATES.has(c.state))) return false;
  deps.telemetry.metrics.add(METRIC.pendingPods, 0);
  reportFleet({ claims, pools: config.nodePools.filter((p) => classOf(config, p) !== undefined) }, deps.telemetry);
  return true;
}
