/**
 * Pods already running (or bound) in the cluster, as one solve sees them: the pods of existing nodes, plus pods of
 * the input bound to a node but not listed on it, plus pods bound to nodes the solver only knows as Node objects
 * ("phantom" nodes: listed in `input.nodes`, not among the existing nodes).
 */
import type { Node, Pod } from "../../core/kube-objects.js";
import { isTerminal } from "../../core/pods.js";
import { compileSelector } from "../primitives/label-selector.js";
import type { ExistingNode, SolveInput } from "../types.js";
import type { TopologyRegistry } from "./topology.js";
import type { TopologyGroup } from "./topology-group.js";

function podKey(p: Pod): string {
  return p.metadata.uid ?? `${p.metadata.namespace ?? "default"}/${p.metadata.name ?? ""}`;
}

/** The keys of every pod listed on an existing node. */
function listedPodKeys(nodes: readonly ExistingNode[]): Set<string> {
  const listed = new Set<string>();
  for (const n of nodes) for (const p of n.pods) listed.add(podKey(p));
  return listed;
}

/** The running pods of a solve input, by node. */
export class RunningPods {
  /** Nodes of `input.nodes` that are not existing nodes. */
  readonly phantomNodes: Node[];
  /** Every running pod: existing nodes' first, then phantom nodes'. */
  readonly all: Pod[] = [];
  /** Bound input pods not listed on their node, by node name. */
  private readonly boundExtra = new Map<string, Pod[]>();
  /** {@link RunningPods.on} per node (the solve asks twice per node). */
  private readonly onNode = new Map<ExistingNode, readonly Pod[]>();

  constructor(input: SolveInput) {
    const existingByName = new Map(input.existingNodes.map((n) => [n.name, n]));
    // The keys of listed pods matter only for bound input pods (a simulation's input has none): built on demand.
    let listed: Set<string> | undefined;
    for (const p of input.pods) {
      if (!p.spec.nodeName || isTerminal(p)) continue;
      listed ??= listedPodKeys(input.existingNodes);
      if (listed.has(podKey(p))) continue;
      const arr = this.boundExtra.get(p.spec.nodeName) ?? [];
      arr.push(p);
      this.boundExtra.set(p.spec.nodeName, arr);
    }
    this.phantomNodes = (input.nodes ?? []).filter((n) => !existingByName.has(n.metadata.name ?? ""));
    for (const n of input.existingNodes) this.all.push(...this.on(n));
    for (const n of this.phantomNodes) this.all.push(...this.onPhantom(n));
  }

  /** Pods running on an existing node (its non-terminal pods, then bound pods not listed on it); never change it. */
  on(n: ExistingNode): readonly Pod[] {
    let pods = this.onNode.get(n);
    if (!pods) {
      pods = [...n.pods.filter((p) => !isTerminal(p)), ...(this.boundExtra.get(n.name) ?? [])];
      this.onNode.set(n, pods);
    }
    return pods;
  }

  /** Pods bound to a phantom node. */
  onPhantom(n: Node): Pod[] {
    return this.boundExtra.get(n.metadata.name ?? "") ?? [];
  }

  /** Required anti-affinity of running pods, interned as topology groups (inverse constraints for newcomers). */
  requiredAntis(topology: TopologyRegistry): Map<Pod, TopologyGroup[]> {
    const runningAntis = new Map<Pod, TopologyGroup[]>();
    for (const p of this.all) {
      const terms = p.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
      if (terms.length === 0) continue;
      const ns = p.metadata.namespace ?? "default";
      const groups: TopologyGroup[] = [];
      for (const t of terms) {
        try {
          const explicit = t.namespaces ?? [];
          const namespaces = t.namespaceSelector ? undefined : new Set(explicit.length > 0 ? explicit : [ns]);
          groups.push(
            topology.intern({
              kind: "anti",
              key: t.topologyKey,
              namespaces,
              selector: compileSelector(t.labelSelector),
            }),
          );
        } catch {
          // A running pod with an invalid selector constrains nothing we can evaluate.
        }
      }
      runningAntis.set(p, groups);
    }
    return runningAntis;
  }
}
