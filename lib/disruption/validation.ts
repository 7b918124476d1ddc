/**
 * Re-validation of planned commands after the validation delay, as Karpenter does before acting: each command is
 * checked against a fresh view with the commands validated before it projected into that view, so a set of commands
 * that was valid together when planned is only carried out if it is still valid together. Pure.
 */
import { type ClusterView, ViewIndex } from "../view/cluster-view.js";
import type { Solver } from "../view/solver-input.js";
import { buildCandidates, type Candidate, candidateBlocker, consolidationBlocker } from "./candidates.js";
import { budgetsFor, type DisruptionCommand, type Rejection } from "./command.js";
import { type ConsolidationOptions, computeConsolidation } from "./consolidation.js";
import { emptinessCommand } from "./emptiness.js";
import { destinationNodes, projectCommand } from "./projection.js";

/** Whether a command should be re-validated after a delay before it acts (emptiness and consolidation). */
export function needsValidation(cmd: DisruptionCommand): boolean {
  return cmd.method === "Emptiness" || cmd.method.endsWith("Consolidation");
}

/** The result of re-validating a command. */
export type Validation = { command: DisruptionCommand } | { rejected: string };

function freshCandidates(index: ViewIndex, original: DisruptionCommand): Map<string, Candidate> {
  const byNode = new Map(buildCandidates(index).map((c) => [c.nodeName, c]));
  const out = new Map<string, Candidate>();
  for (const c of original.candidates) {
    const f = byNode.get(c.nodeName);
    if (f && f.claim.id === c.claim.id) out.set(c.nodeName, f);
  }
  return out;
}

/**
 * Re-checks a command against a fresh view: emptiness keeps the candidates that are still empty and allowed (any
 * non-empty subset proceeds); consolidation requires the same candidates to be valid, within budget, and the same
 * decision (delete stays delete; a replacement's options must all still be offered), else it is dropped.
 */
export function validateCommand(
  original: DisruptionCommand,
  view: ClusterView,
  solver: Solver,
  opts: ConsolidationOptions = {},
): Validation {
  const index = new ViewIndex(view);
  const fresh = freshCandidates(index, original);
  if (original.method === "Emptiness") {
    const rejections: Rejection[] = [];
    const cmd = emptinessCommand(index, [...fresh.values()], solver, rejections);
    const keep = cmd?.candidates.filter((c) => original.candidates.some((o) => o.nodeName === c.nodeName)) ?? [];
    if (!cmd || keep.length === 0) return { rejected: rejections[0]?.reason ?? "no candidate is still empty" };
    return {
      command: {
        ...cmd,
        candidates: keep,
        explanation: `delete empty node(s) ${keep.map((c) => c.nodeName).join(", ")}`,
      },
    };
  }
  if (!original.method.endsWith("Consolidation")) return { command: original };
  if (fresh.size !== original.candidates.length) return { rejected: "a candidate is gone or already being disrupted" };
  const candidates = original.candidates.map((c) => fresh.get(c.nodeName) as Candidate);
  const budgets = budgetsFor(index, "Underutilized");
  for (const c of candidates) {
    const why = consolidationBlocker(c, view.now) ?? candidateBlocker(c, index, "graceful");
    if (why) return { rejected: `${c.nodeName}: ${why}` };
    if (!budgets.take(c.pool.name)) return { rejected: `disruption budget of pool ${c.pool.name} is exhausted` };
  }
  const r = computeConsolidation(index, candidates, solver, original.method, opts);
  if ("rejected" in r) return r;
  const now = r.command;
  if (now.replacements.length !== original.replacements.length) return { rejected: "the decision changed" };
  if (original.replacements.length === 1) {
    const offered = new Set(now.replacements[0].instanceTypeOptions.map((t) => t.name));
    const missing = original.replacements[0].instanceTypeOptions.find((t) => !offered.has(t.name));
    if (missing) return { rejected: `replacement option ${missing.name} is no longer valid` };
  }
  return { command: now };
}

/**
 * Validates commands in order, each against the fresh view with the earlier valid ones projected into it. A
 * command whose candidate would receive pods of an earlier command is dropped (no pod moves twice).
 */
export function validateCommands(
  originals: DisruptionCommand[],
  view: ClusterView,
  solver: Solver,
  opts: ConsolidationOptions = {},
): Validation[] {
  const out: Validation[] = [];
  const receiving = new Set<string>();
  let current = view;
  for (const original of originals) {
    const moved = original.candidates.find((c) => receiving.has(c.nodeName));
    if (moved) {
      out.push({ rejected: `${moved.nodeName} receives pods of an earlier command` });
      continue;
    }
    const v = validateCommand(original, current, solver, opts);
    out.push(v);
    if (!("command" in v)) continue;
    for (const n of destinationNodes(v.command)) receiving.add(n);
    current = projectCommand(current, v.command);
  }
  return out;
}
