/**
 * The decisions `stevedore decisions` prints: newest first, filtered, at most `limit`, and the rows of its table
 * and JSON outputs.
 */
import type { DecisionRecord, NodeClaim } from "../state/types.js";
import { type DecisionFilter, decisionMatcher } from "./decision-filter.js";
import { summarizeDecision } from "./decision-summary.js";
import { isoSeconds } from "./text-table.js";

/** Where decisions come from: newest first, between two times (`StateReader.decisionsNewestFirst`). */
export interface DecisionSource {
  decisionsNewestFirst(since: number, until: number): AsyncIterable<DecisionRecord>;
}

/** A decision query. */
export interface DecisionQuery {
  since: number;
  until: number;
  filter: DecisionFilter;
  /** At most this many decisions (the newest). */
  limit: number;
  /** Claims, Terminated included, to link node names to claim and instance ids. */
  claims: readonly NodeClaim[];
}

/** The newest matching decisions, newest first. Stops reading once `limit` are found. */
export async function queryDecisions(source: DecisionSource, q: DecisionQuery): Promise<DecisionRecord[]> {
  const matches = decisionMatcher(q.filter, q.claims);
  const out: DecisionRecord[] = [];
  if (q.limit <= 0) return out;
  for await (const d of source.decisionsNewestFirst(q.since, q.until)) {
    if (!matches(d)) continue;
    out.push(d);
    if (out.length >= q.limit) break;
  }
  return out;
}

/** One decision as `stevedore decisions -o json` prints it. */
export interface DecisionView {
  /** ISO 8601, UTC. */
  time: string;
  /** Epoch ms. */
  at: number;
  controller: string;
  action: string;
  summary: string;
  details: Record<string, unknown>;
}

/** The JSON form of a decision. */
export function decisionView(d: DecisionRecord): DecisionView {
  return {
    time: isoSeconds(d.at),
    at: d.at,
    controller: d.controller,
    action: d.action,
    summary: summarizeDecision(d),
    details: d.details,
  };
}

/** Table rows: a header, then time, controller, action and summary per decision. */
export function decisionRows(decisions: readonly DecisionRecord[]): string[][] {
  return [
    ["TIME (UTC)", "CONTROLLER", "ACTION", "SUMMARY"],
    ...decisions.map((d) => [isoSeconds(d.at), d.controller, d.action, summarizeDecision(d)]),
  ];
}
