/**
 * One consistent-enough picture of the world for a decision: nodes (listed first, so capacity is under- rather than
 * over-estimated, as Karpenter does), pods, DaemonSets, PDBs, live claims, and each pool's instance types with the
 * shared unavailable-offerings (ICE) records applied.
 */
import type { NodeClass, NodePool, StevedoreConfig } from "../api/model.js";
import type { Node } from "../core/kube-objects.js";
import type { InstanceType } from "../scheduling/types.js";
import type { NodeClaim, UnavailableOfferingRecord } from "../state/types.js";
import type { ClusterView } from "../view/cluster-view.js";
import { headroomPods, minNodesPods } from "../view/headroom.js";
import type { ControllerDeps } from "./deps.js";

/** Marks offerings the state store lists as unavailable. */
export function applyUnavailable(types: InstanceType[], records: UnavailableOfferingRecord[]): InstanceType[] {
  if (records.length === 0) return types;
  const key = (t: string, z: string, c: string) => `${c}:${t}:${z}`;
  const down = new Set(records.map((r) => key(r.instanceType, r.zone, r.capacityType)));
  return types.map((t) => {
    if (!t.offerings.some((o) => o.available && down.has(key(t.name, o.zone, o.capacityType)))) return t;
    return {
      ...t,
      offerings: t.offerings.map((o) =>
        down.has(key(t.name, o.zone, o.capacityType)) ? { ...o, available: false } : o,
      ),
    };
  });
}

/** The NodeClass of a pool, if configured. */
export function classOf(config: StevedoreConfig, pool: NodePool): NodeClass | undefined {
  return config.nodeClasses.find((c) => c.name === pool.nodeClassName);
}

/** Instance types per pool (pools whose class is missing or whose lookup fails are left out, with a warning). */
export async function loadInstanceTypes(
  deps: ControllerDeps,
  config: StevedoreConfig,
): Promise<Map<string, InstanceType[]>> {
  const unavailable = await deps.state.listUnavailableOfferings(deps.clock.now());
  const out = new Map<string, InstanceType[]>();
  for (const pool of config.nodePools) {
    const nodeClass = classOf(config, pool);
    if (!nodeClass) {
      deps.telemetry.logger.warn("pool has no node class; skipped", { pool: pool.name, nodeClass: pool.nodeClassName });
      continue;
    }
    try {
      out.set(pool.name, applyUnavailable(await deps.cloud.getInstanceTypes(pool, nodeClass), unavailable));
    } catch (err) {
      deps.telemetry.logger.warn("could not load instance types; pool skipped", {
        pool: pool.name,
        error: String(err),
      });
    }
  }
  return out;
}

/** Options of {@link takeSnapshot}. */
export interface SnapshotOptions {
  /** Instance types already loaded this pass. @default loaded now */
  instanceTypes?: Map<string, InstanceType[]>;
  /** Provider drift reasons by claim id. @default none */
  providerDrift?: Map<string, string>;
}

/** `call()`'s promise; a synchronous throw becomes its rejection. */
async function started<T>(call: () => Promise<T>): Promise<T> {
  return call();
}

/** Reads everything a decision needs: one listing of nodes, pods, DaemonSets, PDBs and claims. */
export async function takeSnapshot(
  deps: ControllerDeps,
  config: StevedoreConfig,
  opts: SnapshotOptions = {},
): Promise<ClusterView> {
  const nodes = await deps.cluster.listNodes();
  // Each call is started through `started`, so one that throws before returning its promise rejects with the rest
  // awaited: no listing already under way is left to fail later with nobody awaiting it.
  const [pods, daemonSets, pdbs, claims] = await Promise.all([
    started(() => deps.cluster.listPods()),
    started(() => deps.cluster.listDaemonSets()),
    started(() => deps.cluster.listPodDisruptionBudgets()),
    started(() => deps.state.listClaims()),
  ]);
  const instanceTypes = opts.instanceTypes ?? (await loadInstanceTypes(deps, config));
  return assembleView(deps, config, { nodes, pods, daemonSets, pdbs, claims }, instanceTypes, opts.providerDrift);
}

/**
 * The view again after this pass changed claims (registration, recovery, launches): claims re-read from the store,
 * instance types reloaded (offerings found unavailable meanwhile), `updatedNodes` in place of their listed versions;
 * pods, DaemonSets and PDBs kept from the pass's one listing, so a pass lists pods once.
 */
export async function refreshView(
  deps: ControllerDeps,
  config: StevedoreConfig,
  view: ClusterView,
  updatedNodes: readonly Node[] = [],
): Promise<ClusterView> {
  const updated = new Map(updatedNodes.map((n) => [n.metadata.name ?? "", n]));
  const nodes = view.nodes.map((n) => updated.get(n.metadata.name ?? "") ?? n);
  const claims = await deps.state.listClaims();
  const instanceTypes = await loadInstanceTypes(deps, config);
  const listing = { nodes, pods: view.pods, daemonSets: view.daemonSets, pdbs: view.pdbs, claims };
  return assembleView(deps, config, listing, instanceTypes, view.providerDrift);
}

/**
 * The view after this pass's own writes, when nothing else needs reading again: `claims` as written take the place
 * of their listed versions (closed ones leave the view), `nodes` likewise. No listing.
 */
export function viewWithWrites(
  view: ClusterView,
  claims: readonly NodeClaim[],
  nodes: readonly Node[] = [],
): ClusterView {
  const written = new Map(claims.map((c) => [c.id, c]));
  const updated = new Map(nodes.map((n) => [n.metadata.name ?? "", n]));
  return {
    ...view,
    claims: view.claims.map((c) => written.get(c.id) ?? c).filter((c) => c.state !== "Terminated"),
    nodes: updated.size === 0 ? view.nodes : view.nodes.map((n) => updated.get(n.metadata.name ?? "") ?? n),
  };
}

function assembleView(
  deps: ControllerDeps,
  config: StevedoreConfig,
  listing: Pick<ClusterView, "nodes" | "pods" | "daemonSets" | "pdbs" | "claims">,
  instanceTypes: Map<string, InstanceType[]>,
  providerDrift: Map<string, string> | undefined,
): ClusterView {
  const pools = config.nodePools.filter((p) => instanceTypes.has(p.name));
  return {
    now: deps.clock.now(),
    pools,
    nodeClasses: config.nodeClasses,
    instanceTypes,
    claims: listing.claims.filter((c) => c.state !== "Terminated"),
    nodes: listing.nodes,
    pods: listing.pods,
    daemonSets: listing.daemonSets,
    pdbs: listing.pdbs,
    headroomPods: headroomPods(pools),
    virtualPods: [...headroomPods(pools), ...minNodesPods(pools)],
    providerDrift,
  };
}
