/**
 * The packing core: `solve(input)` places pending pods onto existing and in-flight nodes and onto as few dollars
 * of new nodes as it can, honouring what kube-scheduler would (see the module docs of placement.ts, topology.ts,
 * pod-class.ts). Pure and deterministic for a given input order: no I/O, no clock, no unseeded randomness.
 *
 * Order of work (Karpenter's, with cost-aware choices):
 * 1. pods sorted by CPU then memory request (largest first); identical pods share one parsed class;
 * 2. each pod goes to the first existing node or open bin that accepts it, else a new bin in the heaviest pool
 *    that can take it; on failure its soft constraints are relaxed one step at a time; pods that still fail are
 *    retried after the others (in-batch affinity) until a full pass makes no progress;
 * 3. bins are re-packed where that lowers cost (improve.ts) and right-sized (finalize.ts).
 */

import type { Pod } from "../../core/kube-objects.js";
import { improve } from "../cost/improve.js";
import type { SolveInput, SolveResult, Unschedulable } from "../types.js";
import { diagnose } from "./diagnose.js";
import { finalizeNewNodes } from "./finalize.js";
import { Placer } from "./placement.js";
import { relax } from "./pod-class.js";
import { type PodState, SolveContext } from "./solve-context.js";

/** Plans the pending pods of `input`. */
export function solve(input: SolveInput): SolveResult {
  const ctx = new SolveContext(input);
  const placer = new Placer(ctx);
  const queue = ctx.pending
    .filter((ps) => !ps.cls.unsupported)
    .sort((a, b) => b.vec[0] - a.vec[0] || b.vec[1] - a.vec[1] || a.cls.id - b.cls.id || a.order - b.order);
  let pending = queue;
  while (pending.length > 0) {
    const failed: PodState[] = [];
    for (const ps of pending) {
      if (!placeWithRelaxation(ctx, placer, ps)) failed.push(ps);
    }
    if (failed.length === pending.length) break;
    pending = failed;
  }
  improve(ctx);
  const { nodes: newNodes, refused } = finalizeNewNodes(ctx, input.firstNodeIndex ?? 1);
  const existingAssignments = new Map<string, Pod[]>();
  for (const bin of ctx.bins) {
    if (bin.isNew || bin.pods.length === 0 || !bin.node) continue;
    existingAssignments.set(
      bin.node.name,
      bin.pods.map((p) => p.pod),
    );
  }
  const unschedulable: Unschedulable[] = ctx.pending
    .filter((ps) => !ps.placed)
    .sort((a, b) => a.order - b.order)
    .map((ps) => ({ pod: ps.pod, reason: diagnose(ctx, ps) }))
    .concat(refused);
  const costPerHour = newNodes.reduce((sum, n) => sum + n.offering.price, 0);
  return { newNodes, existingAssignments, unschedulable, costPerHour };
}

function placeWithRelaxation(ctx: SolveContext, placer: Placer, ps: PodState): boolean {
  for (;;) {
    if (placer.place(ps, ctx.effective(ps))) return true;
    const next = relax(ps.cls, ps.relax, ctx.anySoftTaints);
    if (!next) return false;
    ps.relax = next;
    ps.eff = undefined;
  }
}
