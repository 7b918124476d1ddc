/**
 * Metrics cost what they are worth: no zero counters (CloudWatch bills every hour a series receives a point), no
 * gauges unless observability is full, and lean publishes only what its alarms read (the pending-pod age from the
 * floor its alarm cannot breach under), the decision latency and the failure counters. The
 * classification matches the metrics contract the cost model and the stack read.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readSettings } from "../../lambdas/wiring.js";
import {
  GAUGE_METRICS,
  LEAN_METRICS,
  LEAN_PENDING_AGE_FLOOR_SECONDS,
  METRIC,
  MemoryTelemetry,
} from "../../lib/controllers/telemetry.js";
import { isPublished, observedTelemetry, seriesKey } from "../../lib/controllers/telemetry-observed.js";
import { PENDING_POD_ALARM_SECONDS } from "../../lib/infra/alarms.js";
import { PUBLISHED_METRICS } from "../../lib/infra/metrics-names.js";

describe("observed telemetry", () => {
  it("drops zero counters in every mode, and keeps non-zero ones", () => {
    for (const mode of ["full", "lean"] as const) {
      const memory = new MemoryTelemetry();
      const t = observedTelemetry(memory, mode);
      t.metrics.add(METRIC.decisionEventsFailed, 0);
      t.metrics.add(METRIC.kubeEventsNotWritten, 0, "Count");
      t.metrics.add(METRIC.launchFailures, 0, "Count", { errorClass: "X" });
      t.metrics.add(METRIC.decisionEventsFailed, 2);
      assert.deepEqual(
        memory.points.map((p) => [p.name, p.value]),
        [[METRIC.decisionEventsFailed, 2]],
        mode,
      );
    }
  });

  it("drops the pending-pod counts of an empty batch, keeps those of a real one", () => {
    const memory = new MemoryTelemetry();
    const t = observedTelemetry(memory, "full");
    t.metrics.add(METRIC.pendingPods, 0);
    t.metrics.add(METRIC.podsUnschedulable, 0);
    t.metrics.add(METRIC.podsPlaced, 0);
    t.metrics.add(METRIC.pendingPods, 3);
    t.metrics.add(METRIC.oldestPendingPodAge, 0, "Seconds");
    assert.deepEqual(memory.values(METRIC.pendingPods), [3]);
    assert.deepEqual(memory.values(METRIC.podsUnschedulable), []);
    assert.deepEqual(memory.values(METRIC.oldestPendingPodAge), [0], "an age of 0 s is a measurement");
  });

  it("publishes gauges, zeros included, only in full observability", () => {
    const full = new MemoryTelemetry();
    const lean = new MemoryTelemetry();
    for (const [memory, mode] of [
      [full, "full"],
      [lean, "lean"],
    ] as const) {
      const t = observedTelemetry(memory, mode);
      t.metrics.add(METRIC.nodes, 0, "Count", { capacityType: "spot" });
      t.metrics.add(METRIC.fleetCostPerHour, 1.5, "None");
      t.metrics.add(METRIC.poolCostPerHour, 0.5, "None", { pool: "default" });
    }
    assert.equal(full.points.length, 3);
    assert.equal(lean.points.length, 0);
  });

  it("lean publishes only the pending-pod age, the decision latency and failure counters", () => {
    const memory = new MemoryTelemetry();
    const t = observedTelemetry(memory, "lean");
    for (const name of Object.values(METRIC)) t.metrics.add(name, LEAN_PENDING_AGE_FLOOR_SECONDS, "Count");
    assert.deepEqual(new Set(memory.points.map((p) => p.name)), LEAN_METRICS);
    assert.ok(LEAN_METRICS.has(METRIC.decisionLatency), "an operator sees reaction time in lean observability too");
  });

  it("lean publishes the pending-pod age only from the floor its alarm cannot breach under; full always", () => {
    assert.ok(LEAN_PENDING_AGE_FLOOR_SECONDS <= PENDING_POD_ALARM_SECONDS, "every breaching value is published");
    for (const [mode, expected] of [
      ["lean", [LEAN_PENDING_AGE_FLOOR_SECONDS, PENDING_POD_ALARM_SECONDS + 1]],
      ["full", [0, 45, LEAN_PENDING_AGE_FLOOR_SECONDS, PENDING_POD_ALARM_SECONDS + 1]],
    ] as const) {
      const memory = new MemoryTelemetry();
      const t = observedTelemetry(memory, mode);
      for (const age of [0, 45, LEAN_PENDING_AGE_FLOOR_SECONDS, PENDING_POD_ALARM_SECONDS + 1])
        t.metrics.add(METRIC.oldestPendingPodAge, age, "Seconds");
      assert.deepEqual(memory.values(METRIC.oldestPendingPodAge), expected, mode);
    }
  });

  it("logs pass through and flush reaches the sink", () => {
    const memory = new MemoryTelemetry();
    const t = observedTelemetry(memory, "lean");
    t.logger.info("hello");
    t.metrics.flush();
    assert.deepEqual(memory.messages(), ["hello"]);
    assert.equal(memory.flushes, 1);
  });

  it("names a series by its metric and sorted dimensions", () => {
    assert.equal(seriesKey("Nodes"), "Nodes");
    assert.equal(seriesKey("X", { b: "2", a: "1" }), "X{a=1,b=2}");
  });
});

describe("the controllers' classification matches the metrics contract", () => {
  const specs = Object.values(PUBLISHED_METRICS);

  it("every metric the controllers publish is in the contract (so the cost model counts it)", () => {
    const known = new Set(specs.map((s) => s.name));
    assert.deepEqual(
      Object.values(METRIC).filter((n) => !known.has(n)),
      [],
    );
  });

  it("gauges and lean metrics are the same on both sides", () => {
    const names = (pick: (s: (typeof specs)[number]) => boolean) =>
      specs
        .filter(pick)
        .map((s) => s.name)
        .sort();
    assert.deepEqual(
      names((s) => s.emission === "gauge"),
      [...GAUGE_METRICS].sort(),
    );
    assert.deepEqual(
      names((s) => s.lean),
      [...LEAN_METRICS].sort(),
    );
  });

  it("failure counters are never published as zero", () => {
    for (const s of specs.filter((x) => x.emission === "failure")) {
      assert.equal(isPublished("full", s.name, 0, "Count"), false, s.name);
      assert.equal(isPublished("full", s.name, 1, "Count"), true, s.name);
      if (s.lean) assert.equal(isPublished("lean", s.name, 1, "Count"), true, s.name);
    }
  });
});

describe("the wiring reads the observability", () => {
  const env = {
    STEVEDORE_CLUSTER_NAME: "demo",
    STEVEDORE_TABLE: "t",
    STEVEDORE_INSTANCE_PROFILE: "p",
  };
  it("lean unless STEVEDORE_OBSERVABILITY is full", () => {
    assert.equal(readSettings(env).observability, "lean");
    assert.equal(readSettings({ ...env, STEVEDORE_OBSERVABILITY: "lean" }).observability, "lean");
    assert.equal(readSettings({ ...env, STEVEDORE_OBSERVABILITY: "full" }).observability, "full");
  });
});
