/**
 * What the packer is given from a cluster view: the pools with their instance types, pods as they would be
 * re-created elsewhere, and the injected packer itself. Shared by the provisioner and every disruption method.
 */
import type { Pod } from "../core/kube-objects.js";
import type { PoolInput, SolveInput, SolveResult } from "../scheduling/types.js";
import type { ViewIndex } from "./cluster-view.js";

/** The packer (`lib/scheduling/packer/solve.ts`), injected. */
export type Solver = (input: SolveInput) => SolveResult;

/** A pod as it would be re-created elsewhere: unbound and not nominated. */
export function asPending(pod: Pod): Pod {
  const { nodeName: _n, ...spec } = pod.spec;
  const status = pod.status ? { ...pod.status, nominatedNodeName: undefined } : undefined;
  return { ...pod, spec: spec as Pod["spec"], status };
}

/** The pools with their instance types, skipping pools whose NodeClass is missing. */
export function poolInputs(index: ViewIndex): PoolInput[] {
  const out: PoolInput[] = [];
  for (const pool of index.view.pools) {
    if (!index.classesByName.has(pool.nodeClassName)) continue;
    out.push({ pool, instanceTypes: index.view.instanceTypes.get(pool.name) ?? [] });
  }
  return out;
}
