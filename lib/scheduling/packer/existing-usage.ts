/**
 * What the running pods of an existing node take from it, as one solve counts it: the node's allocatable less the
 * pods' requests (a resource vector of the solve's dimensions), and the host ports they bind. Consolidation runs
 * dozens of solves per plan over the same existing nodes, so for a frozen `ExistingNode` (with frozen allocatable:
 * the view hands those out again, and nobody can change them) the result is remembered per node object and reused
 * while the solve's dimensions and the node's running pods (the same pod objects, in the same order) are those it
 * was computed for; otherwise it is computed again. The arithmetic is the same either way.
 */
import type { Pod } from "../../core/kube-objects.js";
import type { Resources } from "../../core/quantity.js";
import { type HostPort, hostPortsOf } from "../primitives/host-ports.js";
import type { ExistingNode } from "../types.js";
import type { ResourceDims } from "./resource-dims.js";

/** An existing node's free resources and its running pods' host ports. */
export interface ExistingUsage {
  /** Allocatable less the running pods' requests; a fresh vector the caller may change. */
  free: Float64Array;
  /** The host ports of each running pod that binds any, in pod order. */
  ports: readonly (readonly HostPort[])[];
}

interface RememberedUsage {
  dimsKey: string;
  pods: readonly Pod[];
  free: Float64Array;
  ports: readonly (readonly HostPort[])[];
}

const usageByNode = new WeakMap<ExistingNode, RememberedUsage>();

function samePods(a: readonly Pod[], b: readonly Pod[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The usage of `node` by its running `pods` in `dims` (`dimsKey` names the dimensions: equal keys, equal
 * dimensions); `requestsOf` gives a pod's requests.
 */
export function existingUsage(
  node: ExistingNode,
  pods: readonly Pod[],
  dims: ResourceDims,
  dimsKey: string,
  requestsOf: (pod: Pod) => Resources,
): ExistingUsage {
  const known = usageByNode.get(node);
  if (known && known.dimsKey === dimsKey && samePods(known.pods, pods)) {
    return { free: known.free.slice(), ports: known.ports };
  }
  const free = dims.vector(node.allocatable);
  const ports: HostPort[][] = [];
  for (const p of pods) {
    const v = dims.vector(requestsOf(p));
    for (let k = 0; k < free.length; k++) free[k] -= v[k];
    const own = hostPortsOf(p.spec);
    if (own.length > 0) ports.push(own);
  }
  if (Object.isFrozen(node) && Object.isFrozen(node.allocatable)) {
    usageByNode.set(node, { dimsKey, pods, free: free.slice(), ports });
  }
  return { free, ports };
}
