/**
 * Consolidation (Karpenter `consolidation.go`, `multinodeconsolidation.go`, `singlenodeconsolidation.go`): delete
 * nodes whose pods fit elsewhere, or replace one or several nodes by one strictly cheaper node. Never replaces with
 * an instance type a candidate already runs, or with one that is not strictly cheaper at its worst launch price
 * (no churn). Spot-to-spot replacement is off unless enabled, and then needs 15 cheaper options for one node. Pure.
 */

import { minValuesShortfalls } from "../scheduling/packer/min-values.js";
import type { CapacityType, InstanceType, NewNode, Offering } from "../scheduling/types.js";
import type { ViewIndex } from "../view/cluster-view.js";
import { headroomSatisfied } from "../view/headroom.js";
import type { Solver } from "../view/solver-input.js";
import { balancedRejection } from "./balanced.js";
import { byDisruptionCost, type Candidate, candidateBlocker, consolidationBlocker } from "./candidates.js";
import {
  budgetsFor,
  candidatesPrice,
  type DisruptionCommand,
  liveNodeCounts,
  type Rejection,
  respectsMinNodes,
} from "./command.js";
import { simulateRemoval } from "./simulate.js";
import { type SimulationBudget, unlimitedBudget } from "./simulation-budget.js";

/** Consolidation settings. */
export interface ConsolidationOptions {
  /** Allow replacing spot nodes with cheaper spot nodes (Karpenter feature gate). @default false */
  spotToSpot?: boolean;
  /** Most candidates a multi-node pass considers. @default 100 */
  maxMultiNodeCandidates?: number;
}

/** Spot-to-spot single-node replacement needs at least this many cheaper options (anti-ratcheting). */
export const SPOT_TO_SPOT_MIN_OPTIONS = 15;

const LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type";
const LABEL_ZONE = "topology.kubernetes.io/zone";
const LABEL_CAPACITY_TYPE = "karpenter.sh/capacity-type";

function offeringsFor(t: InstanceType, capacityTypes: CapacityType[], zones: string[]): Offering[] {
  return t.offerings.filter((o) => o.available && capacityTypes.includes(o.capacityType) && zones.includes(o.zone));
}

/** The most a launch of this type could cost among the allowed offerings (Karpenter's worst launch price). */
export function worstLaunchPrice(t: InstanceType, capacityTypes: CapacityType[], zones: string[]): number | undefined {
  const offs = offeringsFor(t, capacityTypes, zones);
  if (offs.length === 0) return undefined;
  return Math.max(...offs.map((o) => o.price));
}

/** The new node with its options narrowed (and re-labelled for its new cheapest offering). */
export function retarget(node: NewNode, options: InstanceType[], capacityTypes: CapacityType[]): NewNode {
  let best: { t: InstanceType; o: Offering } | undefined;
  for (const t of options) {
    for (const o of offeringsFor(t, capacityTypes, node.zones)) {
      if (!best || o.price < best.o.price) best = { t, o };
    }
  }
  if (!best) return { ...node, instanceTypeOptions: options, capacityTypes };
  const labels = { ...node.labels };
  for (const k of Object.keys(node.instanceType.labels)) delete labels[k];
  Object.assign(labels, best.t.labels, {
    [LABEL_INSTANCE_TYPE]: best.t.name,
    [LABEL_ZONE]: best.o.zone,
    [LABEL_CAPACITY_TYPE]: best.o.capacityType,
  });
  return { ...node, instanceTypeOptions: options, capacityTypes, instanceType: best.t, offering: best.o, labels };
}

/** Result of evaluating one candidate set. */
export type ConsolidationResult = { command: DisruptionCommand } | { rejected: string };

/**
 * Decides whether the candidates can go: their pods (and satisfied headroom) fit on the other nodes → delete; they
 * fit on other nodes plus exactly one new node that is strictly cheaper than all candidates together → replace.
 * Candidates of `Balanced` pools must also be worth their disruption ({@link balancedRejection}).
 */
export function computeConsolidation(
  index: ViewIndex,
  candidates: Candidate[],
  solver: Solver,
  method: DisruptionCommand["method"],
  opts: ConsolidationOptions = {},
): ConsolidationResult {
  const r = consolidationMove(index, candidates, solver, method, opts);
  if (!("command" in r)) return r;
  const rejected = balancedRejection(index, r.command);
  return rejected ? { rejected } : r;
}

function consolidationMove(
  index: ViewIndex,
  candidates: Candidate[],
  solver: Solver,
  method: DisruptionCommand["method"],
  opts: ConsolidationOptions,
): ConsolidationResult {
  const removed = new Set(candidates.flatMap((c) => [c.nodeName, c.claim.id]));
  const moved = candidates.flatMap((c) => c.reschedulable);
  const sim = simulateRemoval(index, removed, moved, solver, { headroomMustFit: headroomSatisfied(index, solver) });
  if (sim.unschedulable.length > 0) {
    return { rejected: `pod ${sim.unschedulable[0].pod.metadata.name} would not fit: ${sim.unschedulable[0].reason}` };
  }
  if (sim.usesInFlight) return { rejected: "pods would land on capacity that is not initialized yet" };
  const price = candidatesPrice(candidates) ?? 0;
  const names = candidates.map((c) => c.nodeName).join(", ");
  if (sim.newNodes.length === 0) {
    return {
      command: {
        method,
        reason: "Underutilized",
        candidates,
        replacements: [],
        explanation: `delete ${names}: their pods fit on other nodes`,
        savingsPerHour: price,
        destinations: sim.placedOnExisting,
      },
    };
  }
  if (sim.newNodes.length > 1) return { rejected: `would need ${sim.newNodes.length} new nodes (only N→0 or N→1)` };
  const node = sim.newNodes[0];
  const allSpot = candidates.every((c) => c.claim.capacityType === "spot");
  let capacityTypes = node.capacityTypes;
  if (capacityTypes.includes("spot")) {
    if (allSpot && !opts.spotToSpot) return { rejected: "spot-to-spot consolidation is disabled" };
    capacityTypes = ["spot"];
  }
  const taken = new Set(candidates.map((c) => c.claim.instanceType));
  const priced = node.instanceTypeOptions
    .filter((t) => !taken.has(t.name))
    .map((t) => ({ t, worst: worstLaunchPrice(t, capacityTypes, node.zones) }))
    .filter((x): x is { t: InstanceType; worst: number } => x.worst !== undefined && x.worst < price)
    .sort((a, b) => a.worst - b.worst || a.t.name.localeCompare(b.t.name));
  if (priced.length === 0) return { rejected: `no replacement is strictly cheaper than $${price.toFixed(4)}/h` };
  let options = priced.map((x) => x.t);
  if (allSpot && candidates.length === 1) {
    if (options.length < SPOT_TO_SPOT_MIN_OPTIONS) {
      return { rejected: `spot-to-spot needs ${SPOT_TO_SPOT_MIN_OPTIONS} cheaper options, found ${options.length}` };
    }
    options = options.slice(0, SPOT_TO_SPOT_MIN_OPTIONS);
  }
  const pool = index.poolsByName.get(node.pool);
  const short = pool && !node.minValuesRelaxed ? minValuesShortfalls(pool, options) : [];
  if (short.length > 0) {
    return {
      rejected: `the cheaper options span ${short[0].found} ${short[0].key} values; minValues asks ${short[0].minValues}`,
    };
  }
  const replacement = retarget(node, options, capacityTypes);
  return {
    command: {
      method,
      reason: "Underutilized",
      candidates,
      replacements: [replacement],
      explanation: `replace ${names} ($${price.toFixed(4)}/h) with one ${replacement.instanceType.name} ($${replacement.offering.price.toFixed(4)}/h)`,
      savingsPerHour: price - replacement.offering.price,
      destinations: sim.placedOnExisting,
    },
  };
}

/** Candidates consolidation may consider (not empty: emptiness handles those), in disruption-cost order. */
export function consolidationCandidates(
  index: ViewIndex,
  all: Candidate[],
  rejections: Rejection[],
  method: DisruptionCommand["method"],
): Candidate[] {
  const out: Candidate[] = [];
  for (const c of all) {
    if (c.reschedulable.length === 0) continue;
    const why = consolidationBlocker(c, index.view.now) ?? candidateBlocker(c, index, "graceful");
    if (why) rejections.push({ method, node: c.nodeName, reason: why });
    else out.push(c);
  }
  return out.sort(byDisruptionCost);
}

/**
 * Multi-node consolidation: the largest prefix (at least 2) of the cost-ordered candidates, within budgets, that
 * can be deleted or replaced by one cheaper node (binary search, as Karpenter: at most ⌈log₂ n⌉ simulations, fewer
 * when the simulation budget runs out, keeping the best prefix found so far).
 */
export function multiNodeConsolidation(
  index: ViewIndex,
  all: Candidate[],
  solver: Solver,
  rejections: Rejection[],
  opts: ConsolidationOptions = {},
  budget: SimulationBudget = unlimitedBudget(solver),
): DisruptionCommand | undefined {
  const method = "MultiNodeConsolidation";
  const budgets = budgetsFor(index, "Underutilized");
  const live = liveNodeCounts(index);
  const list: Candidate[] = [];
  for (const c of consolidationCandidates(index, all, [], method)) {
    if (list.length >= (opts.maxMultiNodeCandidates ?? 100)) break;
    if (!respectsMinNodes(index.poolsByName, live, [...list, c], [])) continue;
    if (budgets.take(c.pool.name)) list.push(c);
  }
  if (list.length < 2) return undefined;
  let lo = 1;
  let hi = list.length - 1;
  let best: DisruptionCommand | undefined;
  while (lo <= hi && budget.allow()) {
    const mid = (lo + hi) >> 1;
    const r = computeConsolidation(index, list.slice(0, mid + 1), budget.solver, method, opts);
    if ("command" in r && respectsMinNodes(index.poolsByName, live, r.command.candidates, r.command.replacements)) {
      best = r.command;
      lo = mid + 1;
    } else {
      if ("rejected" in r)
        rejections.push({
          method,
          node: list
            .slice(0, mid + 1)
            .map((c) => c.nodeName)
            .join(","),
          reason: r.rejected,
        });
      hi = mid - 1;
    }
  }
  return best;
}

/**
 * Single-node consolidation of one candidate (already past {@link consolidationCandidates}): the command, or
 * undefined with the rejection recorded. Budgets are counted on `index`, so commands projected into it count.
 */
export function consolidateOne(
  index: ViewIndex,
  c: Candidate,
  solver: Solver,
  rejections: Rejection[],
  opts: ConsolidationOptions = {},
): DisruptionCommand | undefined {
  const method = "SingleNodeConsolidation";
  if (budgetsFor(index, "Underutilized").left(c.pool.name) <= 0) {
    rejections.push({ method, node: c.nodeName, reason: `disruption budget of pool ${c.pool.name} is exhausted` });
    return undefined;
  }
  const r = computeConsolidation(index, [c], solver, method, opts);
  if ("rejected" in r) {
    rejections.push({ method, node: c.nodeName, reason: r.rejected });
    return undefined;
  }
  if (!respectsMinNodes(index.poolsByName, liveNodeCounts(index), r.command.candidates, r.command.replacements)) {
    rejections.push({ method, node: c.nodeName, reason: `pool ${c.pool.name} would drop below minNodes` });
    return undefined;
  }
  return r.command;
}

/** Single-node consolidation: the first candidate, in cost order and within budget, that can go. */
export function singleNodeConsolidation(
  index: ViewIndex,
  all: Candidate[],
  solver: Solver,
  rejections: Rejection[],
  opts: ConsolidationOptions = {},
  budget: SimulationBudget = unlimitedBudget(solver),
): DisruptionCommand | undefined {
  const method = "SingleNodeConsolidation";
  for (const c of consolidationCandidates(index, all, rejections, method)) {
    if (budgetsFor(index, "Underutilized").left(c.pool.name) > 0 && !budget.allow()) return undefined;
    const cmd = consolidateOne(index, c, budget.solver, rejections, opts);
    if (cmd) return cmd;
  }
  return undefined;
}
