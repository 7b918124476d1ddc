/**
 * The daily pattern against hand-computed months: a scenario's burst N times a day and a quiet tail's rate the rest
 * of the month, degenerating to the scenario back to back when the bursts fill the month and to the quiet month when
 * there are none.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeBill } from "../../lib/cost/controller-bill.js";
import { DAYS_PER_MONTH, dailyPatternRun, patternFactors } from "../../lib/cost/daily-pattern.js";
import { DEFAULT_ASSUMPTIONS, type MeasuredRun, measuredUsage } from "../../lib/cost/monthly-usage.js";
import { DEFAULT_PRICES } from "../../lib/cost/price-table.js";
import { inventoryFromTemplate } from "../../lib/cost/stack-inventory.js";
import { FIXTURE_TEMPLATE } from "./fixture-template.js";

const close = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(
    Math.abs((actual ?? Number.NaN) - expected) < 1e-6 * Math.max(1, expected),
    `${what}: ${actual} != ${expected}`,
  );

const P = "ControllersProvisionerAAAA";
const D = "ControllersDisruptorBBBB";

/** A 60-minute burst. */
const burst: MeasuredRun = {
  periodMinutes: 60,
  functions: { [P]: { invocations: 120, gbSeconds: 60 }, [D]: { invocations: 60, gbSeconds: 30 } },
  dynamoWriteUnits: 6000,
  decisionEvents: 40,
};
/** A 10-minute quiet tail: the disruptor idles, the provisioner does not run. */
const quiet: MeasuredRun = {
  periodMinutes: 10,
  functions: { [D]: { invocations: 10, gbSeconds: 2 } },
  dynamoWriteUnits: 20,
  logBytes: 5000,
};

describe("daily pattern", () => {
  it("bills the bursts of a month plus the quiet rate for the rest of it", () => {
    const month = dailyPatternRun(burst, quiet, 2);
    const bursts = 2 * (730 / 24); // 60.83 bursts of 60 min
    const quietMinutes = 43_800 - bursts * 60; // 40,150 min
    assert.equal(month.periodMinutes, 43_800);
    close(month.functions[P]?.invocations, 120 * bursts, "provisioner invocations: bursts only");
    close(month.functions[P]?.gbSeconds, 60 * bursts, "provisioner GB-s");
    close(month.functions[D]?.invocations, 60 * bursts + (10 * quietMinutes) / 10, "disruptor invocations");
    close(month.functions[D]?.gbSeconds, 30 * bursts + (2 * quietMinutes) / 10, "disruptor GB-s");
    close(month.dynamoWriteUnits, 6000 * bursts + (20 * quietMinutes) / 10, "write units");
    close(month.decisionEvents, 40 * bursts, "decision events: measured in the burst only");
    close(month.logBytes, (5000 * quietMinutes) / 10, "log bytes: measured in the tail only");
    assert.equal(month.dynamoReadUnits, undefined, "measured in neither window: left to the assumptions");
    // A month-long run: measuredUsage extrapolates it by 1.
    const usage = measuredUsage(inventoryFromTemplate(FIXTURE_TEMPLATE), month, DEFAULT_ASSUMPTIONS);
    close(usage.functions[D]?.gbSeconds, 30 * bursts + (2 * quietMinutes) / 10, "usage keeps the month");
    assert.equal(usage.dynamoReadUnits.basis, "assumed");
  });

  it("is the scenario back to back when the bursts fill the month", () => {
    const inv = inventoryFromTemplate(FIXTURE_TEMPLATE);
    const backToBack = computeBill(inv, measuredUsage(inv, burst, DEFAULT_ASSUMPTIONS), DEFAULT_PRICES);
    for (const burstsPerDay of [24, 100]) {
      assert.equal(patternFactors(60, 10, burstsPerDay).backToBack, true);
      const filled = computeBill(
        inv,
        measuredUsage(inv, dailyPatternRun(burst, quiet, burstsPerDay), DEFAULT_ASSUMPTIONS),
        DEFAULT_PRICES,
      );
      close(filled.monthlyUsd, backToBack.monthlyUsd, `${burstsPerDay} bursts a day`);
    }
    assert.equal(patternFactors(60, 0, 1).backToBack, true, "no quiet tail measured");
  });

  it("is the quiet month with no bursts", () => {
    const inv = inventoryFromTemplate(FIXTURE_TEMPLATE);
    const quietMonth = computeBill(inv, measuredUsage(inv, quiet, DEFAULT_ASSUMPTIONS), DEFAULT_PRICES);
    const none = dailyPatternRun(burst, quiet, 0);
    assert.equal(none.functions[P], undefined, "no burst: the provisioner was not measured, priced from its design");
    const bill = computeBill(inv, measuredUsage(inv, none, DEFAULT_ASSUMPTIONS), DEFAULT_PRICES);
    close(bill.monthlyUsd, quietMonth.monthlyUsd, "quiet all month");
    assert.equal(DAYS_PER_MONTH, 730 / 24);
  });
});
