/**
 * Metric series under the daily pattern: a burst's launches fall in the clock hours it touches, so series that
 * publish on launches and terminations are billed for those hours, not for every hour of a month over which the
 * bursts' launches were averaged.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HOURS_PER_MONTH } from "../../lib/cost/assumptions.js";
import { burstHourShare, burstPatternMetricMonths, hoursPerBurst } from "../../lib/cost/burst-metric-series.js";
import { DAYS_PER_MONTH } from "../../lib/cost/daily-pattern.js";
import { assumedMetricMonths } from "../../lib/cost/metric-series.js";

const cluster = { nodes: 100, pods: 2000, pools: 2 };
const busy = { ...cluster, churnPerHour: 1000 };
const still = { ...cluster, churnPerHour: 0 };

describe("metric series of the daily pattern", () => {
  it("counts the clock hours a burst touches", () => {
    assert.equal(hoursPerBurst(0), 1);
    assert.equal(hoursPerBurst(90), 2.5);
    const share = burstHourShare(60, 1);
    assert.ok(Math.abs(share - (DAYS_PER_MONTH * 2) / HOURS_PER_MONTH) < 1e-9, String(share));
    assert.equal(burstHourShare(60, 24), 1, "bursts filling every hour");
  });

  it("bills event series for the bursts' hours only when nothing launches in between", () => {
    const month = burstPatternMetricMonths({
      observability: "lean",
      burst: busy,
      quiet: still,
      burstMinutes: 60,
      burstsPerDay: 1,
    });
    const allMonth = assumedMetricMonths("lean", busy).value;
    assert.ok(allMonth >= 1, `a lean series publishes in every busy hour: ${allMonth}`);
    const share = burstHourShare(60, 1);
    assert.ok(Math.abs(month.value - allMonth * share) < 1e-9, `${month.value} vs ${allMonth} × ${share}`);
    // Averaging the same launches over the month's hours would bill nearly every series all month.
    const launches = busy.churnPerHour * hoursPerBurst(60) * DAYS_PER_MONTH;
    const averaged = assumedMetricMonths("lean", { ...cluster, churnPerHour: launches / HOURS_PER_MONTH }).value;
    assert.ok(month.value < averaged / 5, `${month.value} vs averaged ${averaged}`);
    assert.match(month.note, /61 of the month's 730 h/);
  });

  it("keeps full observability's gauges in every hour", () => {
    const gauges = assumedMetricMonths("full", still).value;
    assert.ok(gauges > 0);
    const month = burstPatternMetricMonths({
      observability: "full",
      burst: busy,
      quiet: still,
      burstMinutes: 30,
      burstsPerDay: 2,
    });
    const share = burstHourShare(30, 2);
    const expected = assumedMetricMonths("full", busy).value * share + gauges * (1 - share);
    assert.ok(Math.abs(month.value - expected) < 1e-9);
    assert.ok(month.value > gauges);
  });
});
