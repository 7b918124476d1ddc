/**
 * "Where would these pods go if those nodes went away?" — the scheduling simulation behind consolidation, drift,
 * expiry and replacement-first termination. The packer is injected, so this module stays pure.
 */
import type { Pod } from "../core/kube-objects.js";
import { objectKey } from "../core/kube-objects.js";
import type { ExistingNode, NewNode, SolveResult, Unschedulable } from "../scheduling/types.js";
import type { ViewIndex } from "../view/cluster-view.js";
import { buildExistingNodes, nominatedPodKeys } from "../view/existing-nodes.js";
import { asPending, poolInputs, type Solver } from "../view/solver-input.js";

/** Result of simulating the removal of some nodes. */
export interface RemovalSimulation {
  /** Moved pods (and headroom that must stay satisfied) that could not be placed at all. */
  unschedulable: Unschedulable[];
  /** New nodes holding at least one moved pod (nodes opened only for pending pods are left out). */
  newNodes: NewNode[];
  /** Moved pods placed on existing or in-flight nodes, by node name. */
  placedOnExisting: Map<string, Pod[]>;
  /** Whether a moved pod landed on capacity that is not initialized yet (in-flight). */
  usesInFlight: boolean;
  /** The raw packer answer. */
  result: SolveResult;
}

/** Options for {@link simulateRemoval}. */
export interface SimulationOptions {
  /** Headroom pods are satisfied today and must stay so (they count as moved pods). @default false */
  headroomMustFit?: boolean;
  /** Count only initialized nodes as capacity (no in-flight claims). @default false */
  initializedOnly?: boolean;
  /** Extra existing nodes to simulate against (e.g. planned replacements). @default [] */
  extraNodes?: ExistingNode[];
}

/**
 * Simulates scheduling `moved` pods (plus pending pods, which get their share of capacity) with the nodes named in
 * `removed` gone. New nodes that only hold pending pods are ignored: the provisioner launches those anyway.
 */
export function simulateRemoval(
  index: ViewIndex,
  removed: Set<string>,
  moved: Pod[],
  solver: Solver,
  opts: SimulationOptions = {},
): RemovalSimulation {
  const nominated = nominatedPodKeys(index);
  // Moved pods already nominated to an in-flight claim (a replacement launched earlier) are covered by it.
  const movedPods = moved.filter((p) => !nominated.has(objectKey(p))).map(asPending);
  const mustFit = new Set(movedPods.map(objectKey));
  const headroom = index.view.headroomPods ?? [];
  if (opts.headroomMustFit) for (const h of headroom) mustFit.add(objectKey(h));
  const pending = index.pending.filter((p) => !nominated.has(objectKey(p)) && !mustFit.has(objectKey(p)));
  const existing = [
    ...buildExistingNodes(index, { exclude: removed, initializedOnly: opts.initializedOnly }),
    ...(opts.extraNodes ?? []),
  ];
  const result = solver({
    pods: [...movedPods, ...(opts.headroomMustFit ? headroom : []), ...pending],
    existingNodes: existing,
    daemonSets: index.view.daemonSets,
    pools: poolInputs(index),
    pdbs: index.view.pdbs,
    nodes: index.view.nodes.filter((n) => !removed.has(n.metadata.name ?? "")),
  });
  const unschedulable = result.unschedulable.filter((u) => mustFit.has(objectKey(u.pod)));
  const newNodes = result.newNodes.filter((n) => n.pods.some((p) => mustFit.has(objectKey(p))));
  const placedOnExisting = new Map<string, Pod[]>();
  const inFlightNames = new Set(existing.filter((e) => e.inFlight).map((e) => e.name));
  let usesInFlight = false;
  for (const [name, pods] of result.existingAssignments) {
    const mine = pods.filter((p) => mustFit.has(objectKey(p)));
    if (mine.length === 0) continue;
    placedOnExisting.set(name, mine);
    if (inFlightNames.has(name)) usesInFlight = true;
  }
  return { unschedulable, newNodes, placedOnExisting, usesInFlight, result };
}
