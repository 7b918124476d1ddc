/**
 * `stevedore explain pod`: why a pending pod waits, and where the plan would put it. Per pool, the first thing that
 * keeps it off (`explain-pools.ts`); then the packer's own plan for all pending pods, and this pod's place in it
 * (`explain-placement.ts`), or the packer's one-line diagnosis when it cannot be placed. Pure.
 */
import type { Pod } from "../core/kube-objects.js";
import { effectiveOf } from "../scheduling/packer/pod-class.js";
import { solve } from "../scheduling/packer/solve.js";
import { SolveContext } from "../scheduling/packer/solve-context.js";
import type { SolveInput } from "../scheduling/types.js";
import { type Placement, placementOf, podKey } from "./explain-placement.js";
import { explainPools, type PoolVerdict } from "./explain-pools.js";
import { renderTextTable } from "./text-table.js";

/** What `explain pod` found. */
export interface PodExplanation {
  pod: string;
  /** Per pool, in the order the packer tries them. */
  pools: PoolVerdict[];
  placement: Placement;
  /** The whole plan's cost, and with a bound, the LP lower bound and the plan's gap to it. */
  plan: { costPerHour: number; lowerBoundPerHour?: number; gapPercent?: number };
}

/** Explains `pod`, which must be one of `input.pods` (the same object). */
export function explainPod(input: SolveInput, pod: Pod, lowerBoundPerHour?: number): PodExplanation {
  const key = podKey(pod);
  const ctx = new SolveContext(input);
  const ps = ctx.pending.find((p) => p.pod === pod);
  const result = solve(input);
  const plan: PodExplanation["plan"] = { costPerHour: result.costPerHour };
  if (lowerBoundPerHour !== undefined) {
    plan.lowerBoundPerHour = lowerBoundPerHour;
    plan.gapPercent = lowerBoundPerHour > 0 ? (result.costPerHour / lowerBoundPerHour - 1) * 100 : 0;
  }
  if (!ps || ps.cls.unsupported) {
    const reason = ps?.cls.unsupported ?? "the pod is not one the packer plans (DaemonSet-owned or nominated)";
    return { pod: key, pools: [], placement: { kind: "unschedulable", reason }, plan };
  }
  const reqs = effectiveOf(ps.cls, ps.relax).reqs;
  const placement = placementOf(result, key, (name) => ctx.pools.find((p) => p.name === name), reqs);
  return { pod: key, pools: explainPools(ctx, ps), placement, plan };
}

function placementText(p: Placement): string {
  if (p.kind === "existing-node") return `Placement: existing node ${p.node}\n`;
  if (p.kind === "unschedulable") return `Placement: none. The packer: ${p.reason}\n`;
  const others = p.pods.length - 1;
  const head =
    `Placement: new node ${p.node} of NodePool "${p.pool}": ${p.instanceType} ${p.capacityType} ${p.zone} ` +
    `$${p.pricePerHour.toFixed(4)}/h${others > 0 ? `, with ${others} other pod${others === 1 ? "" : "s"}` : ""}\n`;
  const excluded =
    p.excludedByPool > 0
      ? `${p.excludedByPool} cheaper types of the catalog are outside the pool's requirements.\n`
      : "";
  if (p.cheaperCount === 0) return `${head}No cheaper instance type the pool allows.\n${excluded}`;
  const rows = p.rejectedCheaper.map((r) => [`  ${r.instanceType}`, r.pricePerHour.toFixed(4), r.reason]);
  const shown =
    p.cheaperCount > rows.length ? `the ${rows.length} nearest in price of ${p.cheaperCount}` : `${p.cheaperCount}`;
  return `${head}Cheaper types the pool allows, passed over (${shown}):\n${renderTextTable([["  TYPE", "$/HOUR", "WHY"], ...rows])}${excluded}`;
}

function boundText(x: PodExplanation): string {
  const { costPerHour, lowerBoundPerHour, gapPercent } = x.plan;
  if (lowerBoundPerHour === undefined) return "";
  const note =
    (gapPercent ?? 0) < 0 ? " — the bound ignores pool limits, so it also counts pods the plan cannot place" : "";
  return `Plan: $${costPerHour.toFixed(4)}/h for all pending pods; LP lower bound $${lowerBoundPerHour.toFixed(4)}/h (gap ${(gapPercent ?? 0).toFixed(1)}%)${note}\n`;
}

/** The explanation as text. */
export function renderExplanation(x: PodExplanation): string {
  const pools =
    x.pools.length === 0
      ? ""
      : `NodePools (in the order the packer tries them):\n${renderTextTable(x.pools.map((v) => [`  ${v.pool}`, v.kind, v.message]))}`;
  return `Pod ${x.pod} is pending.\n${pools}${placementText(x.placement)}${boundText(x)}`;
}
