/** The provisioner's fleet gauges, from one view: live cost per hour (total and per pool) and nodes per capacity type. */
import type { ClusterView } from "../view/cluster-view.js";
import { METRIC, type Telemetry } from "./telemetry.js";

/** Reports the fleet's cost and node counts of `view`. */
export function reportFleet(view: Pick<ClusterView, "claims" | "pools">, telemetry: Telemetry): void {
  const { metrics } = telemetry;
  const live = view.claims.filter((c) => c.state !== "Pending" && c.state !== "Terminated");
  metrics.add(
    METRIC.fleetCostPerHour,
    live.reduce((s, c) => s + (c.pricePerHour ?? 0), 0),
    "None",
  );
  const perPool = new Map<string, number>(view.pools.map((p) => [p.name, 0]));
  for (const c of live) perPool.set(c.pool, (perPool.get(c.pool) ?? 0) + (c.pricePerHour ?? 0));
  for (const [pool, cost] of perPool) metrics.add(METRIC.poolCostPerHour, cost, "None", { pool });
  for (const capacityType of ["spot", "on-demand"]) {
    const n = live.filter((c) => c.capacityType === capacityType).length;
    metrics.add(METRIC.nodes, n, "Count", { capacityType });
  }
}
