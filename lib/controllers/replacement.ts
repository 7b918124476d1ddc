/**
 * Replacement first: before a node is drained, launch the capacity its pods will need elsewhere — found by
 * simulating their rescheduling with the node gone (other nodes and in-flight claims count) — and, on insufficient
 * capacity, re-plan with the failed offerings excluded. Shared by interruption and disruption.
 */
import type { StevedoreConfig } from "../api/model.js";
import type { Pod } from "../core/kube-objects.js";
import { simulateRemoval } from "../disruption/simulate.js";
import type { NewNode } from "../scheduling/types.js";
import type { NodeClaim } from "../state/types.js";
import { type ClusterView, ViewIndex } from "../view/cluster-view.js";
import type { ControllerDeps } from "./deps.js";
import { ClaimLauncher } from "./launch.js";
import { takeSnapshot } from "./snapshot.js";

/** What was launched for a replacement. */
export interface ReplacementResult {
  /** Replacement claims launched (Launched state). */
  claims: NodeClaim[];
  /** Moved pods no capacity could be found for. */
  unschedulable: number;
  /** True when every needed node was launched. */
  complete: boolean;
}

/** Options of {@link launchReplacements}. */
export interface ReplacementOptions {
  controller: string;
  why: string;
  /** Nodes already planned (e.g. a consolidation command's replacement); re-planned only after a failure. */
  planned?: NewNode[];
  /** Claim ids chosen beforehand for the `planned` nodes, in their order. @default fresh ids */
  plannedIds?: string[];
  /** Rounds of re-planning after insufficient capacity. @default 3 */
  maxRounds?: number;
}

/**
 * Launches the nodes needed for `moved` pods once the nodes/claims named in `removed` are gone. Returns the
 * replacement claims; an empty list when the pods fit on what exists.
 */
export async function launchReplacements(
  deps: ControllerDeps,
  config: StevedoreConfig,
  view: ClusterView,
  removed: Set<string>,
  moved: Pod[],
  opts: ReplacementOptions,
): Promise<ReplacementResult> {
  const launcher = new ClaimLauncher(deps);
  const claims: NodeClaim[] = [];
  let current = view;
  let planned = opts.planned;
  let ids = opts.plannedIds;
  let unschedulable = 0;
  const rounds = opts.maxRounds ?? 3;
  for (let round = 0; round < rounds; round++) {
    let nodes = planned;
    if (!nodes) {
      // Pods already covered by replacements launched in earlier rounds are nominated to them in the new view.
      const sim = simulateRemoval(new ViewIndex(current), removed, moved, deps.solve);
      unschedulable = sim.unschedulable.length;
      nodes = sim.newNodes;
    }
    const chosenIds = planned ? ids : undefined;
    planned = undefined;
    ids = undefined;
    if (nodes.length === 0) return { claims, unschedulable, complete: true };
    let retry = false;
    for (const [i, node] of nodes.entries()) {
      const ctx = { config, controller: opts.controller, why: opts.why };
      const outcome = await launcher.launch(node, ctx, chosenIds?.[i]);
      if (outcome.status === "launched") claims.push(outcome.claim);
      else if (outcome.status === "insufficient-capacity") retry = true;
      else if (outcome.status === "unknown") claims.push(outcome.claim);
      else return { claims, unschedulable, complete: false };
    }
    if (!retry) return { claims, unschedulable, complete: true };
    current = await takeSnapshot(deps, config);
  }
  return { claims, unschedulable, complete: false };
}
