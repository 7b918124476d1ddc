/**
 * `stevedore explain node`: why a node was launched (its claim and its `launch` decision), and for each disruption
 * method — emptiness, expiration, drift, consolidation — why it is not taking the node away now, or that it would.
 * The answers come from the disruption layer's own rules (`candidateBlocker`, `emptinessBlocker`,
 * `consolidationBlocker`, `expiresAt`, `driftReason`, the budgets and `computeConsolidation`), so they say what the
 * disruptor's next pass would decide on the same view. Pure.
 */
import type { DisruptionReason } from "../api/model.js";
import { buildCandidates, type Candidate, candidateBlocker, consolidationBlocker } from "../disruption/candidates.js";
import { budgetsFor } from "../disruption/command.js";
import { computeConsolidation } from "../disruption/consolidation.js";
import { emptinessBlocker } from "../disruption/emptiness.js";
import { driftReason, expiresAt } from "../disruption/expiry-drift.js";
import { decodePodKeys } from "../state/pod-key-list.js";
import type { DecisionRecord, NodeClaim } from "../state/types.js";
import type { ViewIndex } from "../view/cluster-view.js";
import type { Solver } from "../view/solver-input.js";
import { stringsIn } from "./decision-filter.js";
import { renderTextTable } from "./text-table.js";

/** One disruption method's verdict on the node. */
export interface MethodVerdict {
  method: "Emptiness" | "Expiration" | "Drift" | "Consolidation";
  /** `blocked`: it applies but something stops it; `not-applicable`: its condition does not hold; `would-disrupt`. */
  verdict: "blocked" | "not-applicable" | "would-disrupt";
  reason: string;
}

/** What `explain node` found. */
export interface NodeExplanation {
  node: string;
  /** The Stevedore claim behind the node; absent for a node Stevedore did not launch. */
  claim?: Pick<NodeClaim, "id" | "pool" | "state" | "instanceType" | "capacityType" | "zone" | "createdAt"> & {
    pricePerHour?: number;
    initializedAt?: number;
    disruptionReason?: string;
  };
  /** The `launch` decision that created the claim, if the log still has it. */
  launch?: DecisionRecord;
  /** Why no method runs on the node at all (not a candidate), if that is the case. */
  notCandidate?: string;
  methods: MethodVerdict[];
}

/** The claim of the node named `nodeName` (by node name, claim id or instance id). */
export function claimOfNode(claims: readonly NodeClaim[], nodeName: string): NodeClaim | undefined {
  return claims.find((c) => c.nodeName === nodeName || c.id === nodeName || c.instanceId === nodeName);
}

/** The newest `launch` decision naming the claim. */
export function launchDecision(decisions: readonly DecisionRecord[], claim: NodeClaim): DecisionRecord | undefined {
  return decisions.find((d) => d.action === "launch" && stringsIn(d.details).has(claim.id));
}

function budgetBlock(index: ViewIndex, c: Candidate, reason: DisruptionReason): string | undefined {
  const left = budgetsFor(index, reason).left(c.pool.name);
  return left > 0 ? undefined : `the disruption budget of pool ${c.pool.name} allows no ${reason} disruption now`;
}

function emptiness(index: ViewIndex, c: Candidate): MethodVerdict {
  const method = "Emptiness";
  if (c.reschedulable.length > 0) {
    return { method, verdict: "not-applicable", reason: `${c.reschedulable.length} pod(s) would have to move` };
  }
  const why =
    emptinessBlocker(c, index.view.now) ?? candidateBlocker(c, index, "graceful") ?? budgetBlock(index, c, "Empty");
  return why
    ? { method, verdict: "blocked", reason: why }
    : { method, verdict: "would-disrupt", reason: "empty past the pool's consolidateAfter: the next pass deletes it" };
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 120 ? `${Math.round(m / 60)}h` : `${m}m`;
}

function expiration(index: ViewIndex, c: Candidate): MethodVerdict {
  const method = "Expiration";
  const at = expiresAt(c.claim, c.pool);
  const now = index.view.now;
  if (at === undefined) return { method, verdict: "not-applicable", reason: `pool ${c.pool.name} never expires nodes` };
  if (at > now) {
    const when = new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
    return { method, verdict: "not-applicable", reason: `expires in ${minutes(at - now)} (at ${when})` };
  }
  const why = candidateBlocker(c, index, "eventual") ?? budgetBlock(index, c, "Expired");
  const expired = `expired ${minutes(now - at)} ago`;
  return why
    ? { method, verdict: "blocked", reason: `${expired}, but ${why}` }
    : { method, verdict: "would-disrupt", reason: `${expired}: the next pass replaces it` };
}

function drift(index: ViewIndex, c: Candidate): MethodVerdict {
  const method = "Drift";
  const drifted = driftReason(c.claim, c.pool, c.nodeClass, index.view.providerDrift);
  if (!drifted) {
    return { method, verdict: "not-applicable", reason: "pool and node class unchanged since launch" };
  }
  const why = candidateBlocker(c, index, "eventual") ?? budgetBlock(index, c, "Drifted");
  return why
    ? { method, verdict: "blocked", reason: `${drifted}, but ${why}` }
    : { method, verdict: "would-disrupt", reason: `${drifted}: the next pass replaces it` };
}

function consolidation(index: ViewIndex, c: Candidate, solver: Solver): MethodVerdict {
  const method = "Consolidation";
  if (c.reschedulable.length === 0) {
    return { method, verdict: "not-applicable", reason: "the node is empty (emptiness decides)" };
  }
  const why =
    consolidationBlocker(c, index.view.now) ??
    candidateBlocker(c, index, "graceful") ??
    budgetBlock(index, c, "Underutilized");
  if (why) return { method, verdict: "blocked", reason: why };
  const result = computeConsolidation(index, [c], solver, "SingleNodeConsolidation");
  if ("rejected" in result) return { method, verdict: "blocked", reason: result.rejected };
  return { method, verdict: "would-disrupt", reason: result.command.explanation };
}

function notCandidateReason(claim: NodeClaim, index: ViewIndex): string | undefined {
  if (claim.disruptionReason !== undefined) return `a disruption (${claim.disruptionReason}) is already in progress`;
  if (claim.state !== "Initialized") return `its claim is ${claim.state}; only Initialized nodes are disrupted`;
  if (!index.poolsByName.get(claim.pool)) return `its pool ${claim.pool} is not in the configuration in force`;
  return undefined;
}

/**
 * Explains the node named `nodeName` on `index` (the disruptor's view). `decisions` are searched for its launch.
 * Returns undefined when there is neither a Node nor a claim of that name.
 */
export function explainNode(
  index: ViewIndex,
  nodeName: string,
  decisions: readonly DecisionRecord[],
  solver: Solver,
): NodeExplanation | undefined {
  const node = index.view.nodes.find((n) => n.metadata.name === nodeName);
  const claim = claimOfNode(index.view.claims, nodeName);
  if (!node && !claim) return undefined;
  const name = node?.metadata.name ?? claim?.nodeName ?? nodeName;
  if (!claim) {
    return {
      node: name,
      notCandidate: "Stevedore did not launch it (no claim owns it); it never disrupts it",
      methods: [],
    };
  }
  const x: NodeExplanation = {
    node: name,
    claim: {
      id: claim.id,
      pool: claim.pool,
      state: claim.state,
      instanceType: claim.instanceType,
      capacityType: claim.capacityType,
      zone: claim.zone,
      createdAt: claim.createdAt,
      pricePerHour: claim.pricePerHour,
      initializedAt: claim.initializedAt,
      disruptionReason: claim.disruptionReason,
    },
    launch: launchDecision(decisions, claim),
    methods: [],
  };
  const candidate = buildCandidates(index).find((c) => c.claim.id === claim.id);
  if (!candidate) {
    x.notCandidate = notCandidateReason(claim, index) ?? "it has no Node yet";
    return x;
  }
  x.methods = [
    emptiness(index, candidate),
    expiration(index, candidate),
    drift(index, candidate),
    consolidation(index, candidate, solver),
  ];
  return x;
}

function podsText(pods: unknown): string {
  const list = decodePodKeys(pods);
  if (list.length === 0) return "no pods (headroom or minNodes)";
  return list.length > 8 ? `${list.slice(0, 8).join(", ")} and ${list.length - 8} more` : list.join(", ");
}

function launchText(x: NodeExplanation): string {
  const c = x.claim;
  if (!c) return "";
  const price = c.pricePerHour === undefined ? "" : ` $${c.pricePerHour.toFixed(4)}/h`;
  const what = `${c.instanceType ?? "?"} ${c.capacityType ?? "?"} ${c.zone ?? "?"}${price}`;
  const head = `Claim ${c.id} (${c.state}) of NodePool "${c.pool}": ${what}, created ${new Date(c.createdAt).toISOString()}\n`;
  if (!x.launch) return `${head}Launched for: (no launch decision in the log's window)\n`;
  const d = x.launch.details;
  const why = typeof d.why === "string" ? `${d.why}; ` : "";
  const count = typeof d.optionCount === "number" ? `; chosen among ${d.optionCount} instance type option(s)` : "";
  return `${head}Launched by the ${x.launch.controller} at ${new Date(x.launch.at).toISOString()}: ${why}pods ${podsText(d.pods)}${count}\n`;
}

/** The explanation as text. */
export function renderNodeExplanation(x: NodeExplanation): string {
  const head = `Node ${x.node}\n${launchText(x)}`;
  if (x.notCandidate) return `${head}Not disrupted: ${x.notCandidate}.\n`;
  const rows = x.methods.map((m) => [`  ${m.method}`, m.verdict, m.reason]);
  return `${head}Disruption now:\n${renderTextTable([["  METHOD", "VERDICT", "WHY"], ...rows])}`;
}
