/**
 * Human-readable rendering of a Plan: one row per new node, totals, then unschedulable pods with reasons. Pure.
 */
import type { PlanDocument } from "./plan-document.js";

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function podList(pods: string[], max = 4): string {
  const shown = pods.slice(0, max).join(", ");
  return pods.length > max ? `${shown} (+${pods.length - max} more)` : shown;
}

/** `60 types/5 families`, with `minValues relaxed` when a BestEffort launch fell short. */
function optionsCell(n: PlanDocument["newNodes"][number]): string {
  const types = n.instanceTypeOptions.length;
  const cell = `${types} ${types === 1 ? "type" : "types"}/${n.optionFamilies} ${n.optionFamilies === 1 ? "family" : "families"}`;
  return n.minValuesRelaxed ? `${cell} (minValues relaxed)` : cell;
}

/** Renders the plan as text tables. */
export function renderPlanTable(plan: PlanDocument): string {
  const out: string[] = [];
  const s = plan.summary;
  if (plan.newNodes.length > 0) {
    const rows = [["NODE", "POOL", "TYPE", "OPTIONS", "CAPACITY", "ZONE", "$/HOUR", "PODS", ""]];
    for (const n of plan.newNodes) {
      rows.push([
        n.name,
        n.provisioner,
        n.instanceType,
        optionsCell(n),
        n.capacityType,
        n.zone,
        n.pricePerHour.toFixed(4),
        String(n.pods.length),
        podList(n.pods),
      ]);
    }
    out.push(pad(rows));
  } else {
    out.push("No new nodes needed.");
  }
  if (plan.existingNodes.length > 0) {
    out.push("");
    out.push(
      pad([
        ["EXISTING NODE", "PODS", ""],
        ...plan.existingNodes.map((n) => [n.name, String(n.pods.length), podList(n.pods)]),
      ]),
    );
  }
  out.push("");
  const bound = s.lowerBoundPerHour !== undefined ? `, lower bound $${s.lowerBoundPerHour.toFixed(4)}/h` : "";
  out.push(
    `${s.scheduled}/${s.pods} pods scheduled, ${s.newNodes} new node(s), $${s.costPerHour.toFixed(4)}/h${bound}, solved in ${s.durationMs} ms`,
  );
  if (plan.unschedulable.length > 0) {
    out.push("");
    out.push(pad([["UNSCHEDULABLE POD", "REASON"], ...plan.unschedulable.map((u) => [u.pod, u.reason])]));
  }
  if (plan.warnings && plan.warnings.length > 0) {
    out.push("");
    for (const w of plan.warnings) out.push(`warning: ${w}`);
  }
  return `${out.join("\n")}\n`;
}
