/**
 * The twin kube-scheduler's nominated pods: a pending pod whose `status.nominatedNodeName` names a node of the pass
 * holds its resources there, as the real scheduler's nominator does. When the pass considers a node for a pod, the
 * requests of the other pods nominated to that node with a priority at least the pod's count as taken; a nominated
 * pod is tried on its node first. A nomination ends when its pod is bound (there or elsewhere).
 */
import type { Pod } from "../core/kube-objects.js";

/** A pod's scheduling priority (`spec.priority`, 0 when unset). */
export function priorityOf(pod: Pod): number {
  return pod.spec.priority ?? 0;
}

/** The node a pod is nominated to, if any. */
export function nominatedNode(pod: Pod): string | undefined {
  const name = pod.status?.nominatedNodeName;
  return name ? name : undefined;
}

/** Summed requests per priority, on one node. */
type HeldByPriority = Map<number, Map<string, number>>;

function add(into: Map<string, number>, req: Map<string, number>, sign: 1 | -1): void {
  for (const [k, v] of req) into.set(k, (into.get(k) ?? 0) + sign * v);
}

/** The resources nominated pods hold on each node during one pass. */
export class NominatedResources {
  private readonly held = new Map<string, HeldByPriority>();
  private readonly holders = new Map<Pod, string>();

  /**
   * @param pods pending pods
   * @param nodes names of the nodes that exist; a nomination to any other node holds nothing
   * @param requests a pod's requests
   */
  constructor(
    pods: readonly Pod[],
    nodes: ReadonlySet<string>,
    private readonly requests: (pod: Pod) => Map<string, number>,
  ) {
    for (const pod of pods) {
      const node = nominatedNode(pod);
      if (!node || !nodes.has(node)) continue;
      let byPriority = this.held.get(node);
      if (!byPriority) this.held.set(node, (byPriority = new Map()));
      const priority = priorityOf(pod);
      let sum = byPriority.get(priority);
      if (!sum) byPriority.set(priority, (sum = new Map()));
      add(sum, requests(pod), 1);
      this.holders.set(pod, node);
    }
  }

  /**
   * What the pods nominated to `node` with a priority at least `pod`'s hold there, `pod`'s own nomination left out;
   * undefined when nothing is held.
   */
  heldAgainst(pod: Pod, node: string): Map<string, number> | undefined {
    const byPriority = this.held.get(node);
    if (!byPriority) return undefined;
    const priority = priorityOf(pod);
    const own = this.holders.get(pod) === node;
    // One priority (the usual case) and not the pod's own node: the running sum itself, no copy.
    if (byPriority.size === 1 && !own) for (const [p, sum] of byPriority) return p >= priority ? sum : undefined;
    let out: Map<string, number> | undefined;
    for (const [p, sum] of byPriority) {
      if (p < priority) continue;
      out ??= new Map();
      add(out, sum, 1);
    }
    if (out && own) add(out, this.requests(pod), -1);
    return out;
  }

  /** The pod was bound: its nomination holds nothing any more. Returns whether it held resources somewhere. */
  release(pod: Pod): boolean {
    const node = this.holders.get(pod);
    if (node === undefined) return false;
    this.holders.delete(pod);
    const sum = this.held.get(node)?.get(priorityOf(pod));
    if (sum) add(sum, this.requests(pod), -1);
    return true;
  }
}
