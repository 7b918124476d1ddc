/**
 * The report's per-pool cost lines and event counts: what each pool runs and costs at the end of a run (from the
 * emulator's instances, by their pool tag), and how many decision events and Kubernetes events the controllers
 * emitted.
 */
import { LABEL_NODEPOOL, LABEL_PROVISIONER_NAME, TAG_STEVEDORE_CLAIM } from "../../core/well-known.js";
import type { InstanceSnapshot } from "../aws/index.js";
import type { PoolCost } from "../report.js";

const HOUR_MS = 3_600_000;

function poolOf(i: InstanceSnapshot): string {
  return i.tags[LABEL_NODEPOOL] ?? i.tags[LABEL_PROVISIONER_NAME] ?? "(none)";
}

/**
 * Per pool: nodes launched, nodes live at `now`, their $/hour now, and the cost accrued over the run (each instance's
 * running time at its current price; the fleet total in the report uses the moving spot price).
 */
export function poolCosts(
  instances: readonly InstanceSnapshot[],
  now: number,
  poolNames: readonly string[],
): PoolCost[] {
  const byPool = new Map<string, PoolCost>(
    poolNames.map((pool) => [pool, { pool, launched: 0, liveNodes: 0, costPerHour: 0, accruedCost: 0 }]),
  );
  for (const i of instances) {
    if (i.tags[TAG_STEVEDORE_CLAIM] === undefined) continue;
    const pool = poolOf(i);
    const row = byPool.get(pool) ?? { pool, launched: 0, liveNodes: 0, costPerHour: 0, accruedCost: 0 };
    byPool.set(pool, row);
    row.launched++;
    const live = i.state === "pending" || i.state === "running";
    if (live) {
      row.liveNodes++;
      row.costPerHour += i.pricePerHour;
    }
    const end = Math.min(now, i.shuttingDownAtMs ?? i.terminatedAtMs ?? now);
    row.accruedCost += (Math.max(0, end - i.launchTimeMs) / HOUR_MS) * i.pricePerHour;
  }
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return [...byPool.values()]
    .map((r) => ({ ...r, costPerHour: round(r.costPerHour), accruedCost: round(r.accruedCost) }))
    .sort((a, b) => a.pool.localeCompare(b.pool));
}

/** Kubernetes events in the fake cluster, summed by reason (their `count`s, so de-duplicated repeats count). */
export function kubeEventCounts(store: { list(resource: "events"): unknown[] }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of store.list("events") as { reason?: string; count?: number; source?: { component?: string } }[]) {
    if (e.source?.component !== "stevedore" || !e.reason) continue;
    out[e.reason] = (out[e.reason] ?? 0) + (e.count ?? 1);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
