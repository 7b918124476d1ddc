/** The run's own cost: the bill's measured lines at the run's quantities; monthly charges left out. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BillLine, ControllerBill } from "../../lib/cost/controller-bill.js";
import { MINUTES_PER_MONTH } from "../../lib/cost/monthly-usage.js";
import { runCost } from "../../lib/cost/run-cost.js";

const line = (service: BillLine["service"], usd: number, basis: BillLine["basis"]): BillLine => ({
  service,
  item: "x",
  quantity: 1,
  unit: "u",
  usd,
  basis,
});

describe("runCost", () => {
  test("prices the measured lines for the run's minutes and leaves the template's and assumed lines out", () => {
    const bill: ControllerBill = {
      region: "us-east-1",
      priceDate: "2025-06-01",
      hoursPerMonth: 730,
      lines: [
        line("Lambda", 438, "measured"),
        line("DynamoDB", 43.8, "measured"),
        line("CloudWatch", 0.4, "template"),
        line("CloudWatch", 0.6, "assumed"),
        line("Lambda", 2, "estimated"),
      ],
      byService: { Lambda: 440, DynamoDB: 43.8, SQS: 0, EventBridge: 0, CloudWatch: 1 },
      monthlyUsd: 484.8,
      notPriced: [],
    };
    const r = runCost(bill, 60);
    const share = 60 / MINUTES_PER_MONTH;
    assert.equal(r.scenarioMinutes, 60);
    assert.equal(r.scenarioByService.Lambda, Math.round(438 * share * 1e6) / 1e6);
    assert.equal(r.scenarioByService.DynamoDB, Math.round(43.8 * share * 1e6) / 1e6);
    assert.equal(r.scenarioByService.CloudWatch, 0);
    assert.equal(r.scenarioUsd, Math.round((438 + 43.8) * share * 1e6) / 1e6);
  });
});
