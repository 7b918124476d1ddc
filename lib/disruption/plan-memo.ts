/**
 * What a plan remembers for the next one, so an unchanged cluster is not simulated again every pass and a pass cut
 * short by its budget resumes where it stopped:
 * - `key` is the cluster-state digest plus each candidate's cheap, time-dependent eligibility and the budgets left;
 * - `exhausted` says a plan with that key evaluated every candidate and found nothing: the next plan with the same
 *   key returns at once without a simulation;
 * - `cursor` names the single-node consolidation candidate to evaluate first (round robin across passes, so a long
 *   candidate list is covered however small each pass's budget is).
 * Pure.
 */
import { createHash } from "node:crypto";
import type { ViewIndex } from "../view/cluster-view.js";
import { type Candidate, candidateBlocker, consolidationBlocker } from "./candidates.js";
import { clusterStateHash } from "./cluster-hash.js";
import { budgetsFor } from "./command.js";
import { emptinessBlocker } from "./emptiness.js";
import { driftReason, expiresAt } from "./expiry-drift.js";

/** The memo carried from one plan to the next. */
export interface PlanMemo {
  key: string;
  /** A plan with this key evaluated every candidate and found no command. */
  exhausted: boolean;
  /** Single-node consolidation candidate (node name) to evaluate first. @default the cheapest to disrupt */
  cursor?: string;
  /** Under this key, every method before single-node consolidation ran to the end and found nothing. */
  earlyPhasesDone?: boolean;
  /** Single-node candidates evaluated under this key without finding a command. @default 0 */
  progress?: number;
}

const REASONS = ["Empty", "Underutilized", "Drifted", "Expired"] as const;

function flags(c: Candidate, index: ViewIndex): string {
  const now = index.view.now;
  const bits = [
    candidateBlocker(c, index, "graceful") === undefined,
    candidateBlocker(c, index, "eventual") === undefined,
    consolidationBlocker(c, now) === undefined,
    c.reschedulable.length === 0 && emptinessBlocker(c, now) === undefined,
    (expiresAt(c.claim, c.pool) ?? Number.POSITIVE_INFINITY) <= now,
    driftReason(c.claim, c.pool, c.nodeClass, index.view.providerDrift) !== undefined,
  ];
  return bits.map((b) => (b ? 1 : 0)).join("");
}

/** The memo key of a view: see the module docs. */
export function planMemoKey(index: ViewIndex, candidates: Candidate[]): string {
  const h = createHash("sha256").update(clusterStateHash(index.view));
  for (const c of candidates) h.update(`|${c.nodeName}:${flags(c, index)}`);
  // Balanced and WhenEmptyOrUnderutilized admit the same candidates but not the same moves.
  for (const p of index.view.pools) h.update(`|policy:${p.name}:${p.disruption.consolidationPolicy}`);
  for (const reason of REASONS) {
    const budgets = budgetsFor(index, reason);
    h.update(`|${reason}:${index.view.pools.map((p) => budgets.left(p.name)).join(",")}`);
  }
  return h.digest("hex").slice(0, 32);
}
