/**
 * The twin records, per metric series, the distinct virtual hours it would have received data in CloudWatch (what
 * the bill counts): only what the stack's observability publishes, never a zero counter, one entry per hour however
 * many points.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { METRIC, MemoryTelemetry } from "../../lib/controllers/telemetry.js";
import { type SeriesHours, seriesHourCounts, timedTelemetry } from "../../lib/twin/run/timed-telemetry.js";

const HOUR = 3_600_000;

function record(mode: SeriesHours["mode"]): { memory: MemoryTelemetry; series: SeriesHours } {
  let now = 0;
  const memory = new MemoryTelemetry();
  const series: SeriesHours = { mode, hours: new Map() };
  const t = timedTelemetry(memory, () => now, [], [], series);
  for (const at of [0, 10 * 60_000, 2 * HOUR + 5]) {
    now = at;
    t.metrics.add(METRIC.nodes, 3, "Count", { capacityType: "spot" });
    t.metrics.add(METRIC.oldestPendingPodAge, 200, "Seconds"); // over lean's floor: published in both modes
    t.metrics.add(METRIC.decisionEventsFailed, 0);
  }
  return { memory, series };
}

describe("twin metric series hours", () => {
  it("counts distinct hours per series, gauges included with full observability, zero counters never", () => {
    const { memory, series } = record("full");
    assert.deepEqual(seriesHourCounts(series), {
      "Nodes{capacityType=spot}": 2,
      OldestPendingPodAgeSeconds: 2,
    });
    assert.equal(memory.values(METRIC.decisionEventsFailed).length, 3, "the world's telemetry still sees every point");
  });

  it("with lean observability, gauges are not counted", () => {
    assert.deepEqual(seriesHourCounts(record("lean").series), { OldestPendingPodAgeSeconds: 2 });
  });
});
