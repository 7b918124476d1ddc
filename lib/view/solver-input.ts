/**
 * What the packer is given from a cluster view: the pools with their instance types, pods as they would be
 * re-created elsewhere, and the injected packer itself. Shared by the provisioner and every disruption method.
 */
import { objectKey, type Pod } from "../core/kube-objects.js";
import { isProvisionable } from "../core/pods.js";
import type { PoolInput, SolveInput, SolveResult } from "../scheduling/types.js";
import { type ClusterView, ViewIndex } from "./cluster-view.js";
import { buildExistingNodes, nominatedPodKeys } from "./existing-nodes.js";

/** The packer (`lib/scheduling/packer/solve.ts`), injected. */
export type Solver = (input: SolveInput) => SolveResult;

/** A pod as it would be re-created elsewhere: unbound and not nominated. */
export function asPending(pod: Pod): Pod {
  const { nodeName: _n, ...spec } = pod.spec;
  const status = pod.status ? { ...pod.status, nominatedNodeName: undefined } : undefined;
  return { ...pod, spec: spec as Pod["spec"], status };
}

/**
 * The pools new nodes may be opened in, with their instance types: pools whose NodeClass is missing are skipped, and
 * so are static pools (`replicas`), whose node count pods never change (see static-capacity.ts).
 */
export function poolInputs(index: ViewIndex): PoolInput[] {
  const out: PoolInput[] = [];
  for (const pool of index.view.pools) {
    if (!index.classesByName.has(pool.nodeClassName) || pool.replicas !== undefined) continue;
    out.push({ pool, instanceTypes: index.view.instanceTypes.get(pool.name) ?? [] });
  }
  return out;
}

/** What the provisioner solves for in one pass. */
export interface ProvisioningInput {
  input: SolveInput;
  /** The real pods to place (provisionable and not nominated to an in-flight claim). */
  pending: Pod[];
}

/**
 * The provisioner's solver input for a view: its provisionable pods (read from the view's one pod listing) and
 * virtual pods, less those nominated to in-flight claims, against existing and in-flight capacity.
 */
export function provisioningInput(view: ClusterView): ProvisioningInput {
  const index = new ViewIndex(view);
  const nominated = nominatedPodKeys(index);
  const pending = view.pods.filter((p) => isProvisionable(p) && !nominated.has(objectKey(p)));
  const virtual = (view.virtualPods ?? []).filter((p) => !nominated.has(objectKey(p)));
  return {
    pending,
    input: {
      pods: [...pending, ...virtual],
      existingNodes: buildExistingNodes(index),
      daemonSets: view.daemonSets,
      pools: poolInputs(index),
      pdbs: view.pdbs,
      nodes: view.nodes,
    },
  };
}
