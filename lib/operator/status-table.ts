/**
 * The text form of `stevedore status`: one section per concern (pools, disruption budgets, leases, unavailable
 * offerings, last activity), each an aligned table.
 */
import { formatDuration } from "../api/duration.js";
import type { DisruptionReason } from "../api/model.js";
import type { PoolBudgets } from "./budget-status.js";
import type { PoolStatus } from "./pool-status.js";
import type { StatusReport } from "./status-report.js";
import { formatAge, isoSeconds, renderTextTable } from "./text-table.js";

function claimsCell(p: PoolStatus): string {
  const parts = Object.entries(p.claims).map(([state, n]) => `${state} ${n}`);
  return parts.length > 0 ? parts.join(", ") : "-";
}

function limitsCell(p: PoolStatus): string {
  if (!p.configured) return "(pool not in config)";
  if (p.limits.length === 0) return "none";
  return p.limits.map((l) => `${l.resource} ${l.unknownClaims > 0 ? "≥" : ""}${l.used} of ${l.limit}`).join(", ");
}

/** `1` when every reason allows the same, else `Empty 1, Underutilized 0, …`; `-` = no budget limits it. */
function allowedCell(b: PoolBudgets | undefined): string {
  if (!b) return "-";
  const entries = Object.entries(b.allowedNow) as [DisruptionReason, number | null][];
  const shown = entries.map(([r, n]) => [r, n === null ? "any" : String(n)] as const);
  if (new Set(shown.map(([, n]) => n)).size === 1) return shown[0][1];
  return shown.map(([r, n]) => `${r} ${n}`).join(", ");
}

function poolsSection(r: StatusReport): string {
  const withCluster = r.pools.some((p) => p.clusterNodes !== undefined);
  const header = ["POOL", "NODES", ...(withCluster ? ["IN CLUSTER"] : []), "CLAIMS", "LIMITS", "$/HOUR", "DISRUPTABLE"];
  const rows = r.pools.map((p) => [
    p.name,
    String(p.nodes),
    ...(withCluster ? [p.clusterNodes ? `${p.clusterNodes.total} (${p.clusterNodes.ready} ready)` : "-"] : []),
    claimsCell(p),
    limitsCell(p),
    p.pricePerHour.toFixed(4),
    allowedCell(r.budgets.find((b) => b.pool === p.name)),
  ]);
  if (rows.length === 0) return "POOLS\nno pools configured and no claims\n";
  const total = r.pools.reduce((s, p) => s + p.pricePerHour, 0);
  return `POOLS\n${renderTextTable([header, ...rows])}total $/hour: ${total.toFixed(4)}\n`;
}

function budgetsSection(r: StatusReport): string {
  const rows = r.budgets.flatMap((pb) =>
    pb.budgets.map((b) => [
      b.pool,
      b.isDefault ? `${b.nodes} (default)` : b.nodes,
      b.schedule ? `${b.schedule} for ${formatDuration(b.durationSeconds ?? 0)}` : "always",
      b.reasons ? b.reasons.join(",") : "all",
      b.active ? "yes" : "no",
      `${b.allowsNodes} of ${pb.counts.numNodes}`,
    ]),
  );
  if (rows.length === 0) return "";
  return `\nDISRUPTION BUDGETS\n${renderTextTable([["POOL", "NODES", "SCHEDULE (UTC)", "REASONS", "IN FORCE", "ALLOWS"], ...rows])}`;
}

function leasesSection(r: StatusReport): string {
  if (r.leases.length === 0) return "\nLEASES\nnone taken yet\n";
  const rows = r.leases.map((l) => [
    l.name,
    l.state,
    l.owner || "-",
    String(l.token),
    l.acquiredAt !== undefined && l.state !== "released" ? formatAge(r.now - l.acquiredAt) : "-",
    l.state === "held" ? `in ${formatAge(l.expiresAt - r.now)}` : "-",
  ]);
  return `\nLEASES\n${renderTextTable([["LEASE", "STATE", "HOLDER", "TOKEN", "AGE", "EXPIRES"], ...rows])}`;
}

function offeringsSection(r: StatusReport): string {
  if (r.unavailableOfferings.length === 0) return "\nUNAVAILABLE OFFERINGS\nnone\n";
  const rows = r.unavailableOfferings.map((o) => [
    o.instanceType,
    o.zone,
    o.capacityType,
    `${isoSeconds(o.until)} (in ${formatAge(o.until - r.now)})`,
    o.reason,
  ]);
  return `\nUNAVAILABLE OFFERINGS\n${renderTextTable([["TYPE", "ZONE", "CAPACITY", "UNTIL", "REASON"], ...rows])}`;
}

function activitySection(r: StatusReport): string {
  const rows = Object.entries(r.lastActivity).map(([controller, at]) => [
    controller,
    at === null ? "none in 7d" : isoSeconds(at),
    at === null ? "-" : `${formatAge(r.now - at)} ago`,
  ]);
  return `\nLAST ACTIVITY\n${renderTextTable([["CONTROLLER", "LAST DECISION (UTC)", "AGO"], ...rows])}`;
}

/** The whole status as text. */
export function renderStatusTable(r: StatusReport): string {
  const warnings = r.warnings.map((w) => `warning: ${w}\n`).join("");
  return [
    poolsSection(r),
    budgetsSection(r),
    leasesSection(r),
    offeringsSection(r),
    activitySection(r),
    warnings ? `\n${warnings}` : "",
  ].join("");
}
