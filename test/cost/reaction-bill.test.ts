/**
 * The cost model of the reaction modes against hand-computed numbers: the watcher bills its whole watch, the
 * provisioner bills bursts (an idle pass per scheduled run, working passes per churned node), metric series bill
 * by the share of hours they receive data (gauges every hour, only with full observability), and a run's measured
 * series hours replace the assumptions once the run is long enough.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeBill } from "../../lib/cost/controller-bill.js";
import { PROVISIONER_PASS_SECONDS } from "../../lib/cost/function-usage.js";
import { assumedMetricMonths, MIN_MEASURED_HOURS } from "../../lib/cost/metric-series.js";
import { assumedUsage, DEFAULT_ASSUMPTIONS, measuredUsage } from "../../lib/cost/monthly-usage.js";
import { DEFAULT_PRICES } from "../../lib/cost/price-table.js";
import { inventoryFromTemplate } from "../../lib/cost/stack-inventory.js";
import { reactionFixture } from "./fixture-template.js";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} != ${expected}`);

describe("reaction modes in the cost model", () => {
  const seconds = inventoryFromTemplate(reactionFixture("seconds", "full"));
  const minute = inventoryFromTemplate(reactionFixture("minute", "lean"));

  it("reads the watcher, its watch, the reaction and the observability from the template", () => {
    const watcher = seconds.functions.find((f) => f.role === "watcher");
    assert.deepEqual(watcher && { ...watcher }, {
      logicalId: "ControllersWatcherEEEE",
      role: "watcher",
      memoryMb: 128,
      architecture: "arm64",
      watchSeconds: 62,
      scheduleMinutes: 1,
      eventTriggered: false,
    });
    assert.deepEqual([seconds.reaction, seconds.observability], ["seconds", "full"]);
    assert.deepEqual([minute.reaction, minute.observability], ["minute", "lean"]);
    assert.deepEqual(seconds.notPriced, [], "the watcher is a known controller");
  });

  it("bills the watcher its whole watch: 43,800 × 62 s × 0.125 GB", () => {
    const u = assumedUsage(seconds).functions.ControllersWatcherEEEE;
    assert.equal(u?.invocations, 43_800);
    assert.equal(u?.gbSeconds, 43_800 * 62 * 0.125);
  });

  it("bills the provisioner bursts: idle passes, plus 2 triggered bursts of 2 passes per churned node (seconds)", () => {
    const churned = 2 * 730;
    const s = assumedUsage(seconds).functions.ControllersProvisionerAAAA;
    assert.equal(s?.invocations, 43_800 + churned * 2);
    assert.equal(s?.gbSeconds, (43_800 + churned * 2 * 2) * PROVISIONER_PASS_SECONDS);
    const m = assumedUsage(minute).functions.ControllersProvisionerAAAA;
    assert.equal(m?.invocations, 43_800, "no triggers with reaction minute");
    assert.equal(m?.gbSeconds, (43_800 + churned * 2) * PROVISIONER_PASS_SECONDS, "working passes join the bursts");
    assert.match(m?.note ?? "", /bursts/);
  });

  it("a stack from before the reaction modes still bills the provisioner's 50 s loop", () => {
    const legacy = inventoryFromTemplate(reactionFixture("minute", "full"));
    delete legacy.reaction;
    assert.equal(assumedUsage(legacy).functions.ControllersProvisionerAAAA?.gbSeconds, 43_800 * 50);
  });

  it("prices metric series by the hours they receive data: gauges all month only when full", () => {
    const still = { ...DEFAULT_ASSUMPTIONS, churnPerHour: 0 };
    // No churn: only the gauges publish — Nodes × 2 capacity types, FleetCostPerHour, PoolCostPerHour × 2 pools.
    assert.equal(assumedMetricMonths("full", still).value, 5);
    assert.equal(assumedMetricMonths("lean", still).value, 0);
    // Lean at 2 launches/hour: the decision latency, in the hours with a launch (1 − e^−2); the pending-pod age only
    // once a pod waits half its alarm's threshold, which the assumptions do not have.
    close(assumedMetricMonths("lean", DEFAULT_ASSUMPTIONS).value, 1 - Math.exp(-2), "lean series");
    const full = assumedMetricMonths("full", DEFAULT_ASSUMPTIONS).value;
    // 5 gauges; PendingPods, OldestPendingPodAge, DecisionLatency, PlanOptimalityGap, PodsPlaced in launch hours;
    // NodesLaunched per pool and NodesTerminated per reason at 1/hour each; Disruptions at 2/hour.
    close(full, 5 + 5 * (1 - Math.exp(-2)) + 4 * (1 - Math.exp(-1)) + (1 - Math.exp(-2)), "full series");
  });

  it("the bill: lean minute has no dashboard and four alarms; the metric line says how it was counted", () => {
    const bill = computeBill(minute, assumedUsage(minute), DEFAULT_PRICES);
    const line = (item: string) => bill.lines.find((l) => l.item === item);
    assert.equal(line("dashboards")?.quantity, 0);
    assert.equal(line("custom metrics (EMF)")?.unit, "metric-months");
    assert.match(line("custom metrics (EMF)")?.note ?? "", /no gauges, the pending-pod age only once/);
  });

  it("extrapolates measured series hours once the run is long enough", () => {
    const run = (periodMinutes: number) =>
      measuredUsage(
        seconds,
        { periodMinutes, functions: {}, metricSeriesHours: { Nodes: 4, PendingPods: 1 } },
        DEFAULT_ASSUMPTIONS,
      ).metricSeries;
    const long = run(4 * 60);
    assert.equal(long.basis, "measured");
    assert.equal(long.value, 1 + 0.25, "all 4 hours, and 1 of 4");
    const short = run((MIN_MEASURED_HOURS - 1) * 60);
    assert.equal(short.basis, "assumed", "too short to say anything about hours");
  });
});
