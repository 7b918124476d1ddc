import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cronMatches,
  InvalidCronError,
  isWindowActive,
  lastFiringAtOrBefore,
  parseCron,
} from "../../lib/disruption/cron.js";

const at = (iso: string) => Date.parse(iso);

describe("cron matcher", () => {
  const cases: [string, string, boolean][] = [
    ["* * * * *", "2026-03-04T05:06:00Z", true],
    ["0 9 * * *", "2026-03-04T09:00:00Z", true],
    ["0 9 * * *", "2026-03-04T09:01:00Z", false],
    ["*/15 * * * *", "2026-03-04T09:45:00Z", true],
    ["*/15 * * * *", "2026-03-04T09:46:00Z", false],
    ["0 9-17/4 * * *", "2026-03-04T13:00:00Z", true],
    ["0 9-17/4 * * *", "2026-03-04T15:00:00Z", false],
    ["30 2 * * mon-fri", "2026-03-06T02:30:00Z", true], // Friday
    ["30 2 * * mon-fri", "2026-03-07T02:30:00Z", false], // Saturday
    ["0 0 * * 7", "2026-03-08T00:00:00Z", true], // 7 = Sunday
    ["0 0 1 jan *", "2026-01-01T00:00:00Z", true],
    ["0 0 1 JAN *", "2026-02-01T00:00:00Z", false],
    // Both day fields restricted: either matches (classic cron).
    ["0 0 13 * fri", "2026-03-13T00:00:00Z", true], // the 13th
    ["0 0 13 * fri", "2026-03-06T00:00:00Z", true], // a Friday
    ["0 0 13 * fri", "2026-03-07T00:00:00Z", false],
    // One restricted: both must match.
    ["0 0 * * fri", "2026-03-07T00:00:00Z", false],
    ["@daily", "2026-03-07T00:00:00Z", true],
    ["@hourly", "2026-03-07T05:00:00Z", true],
    ["@weekly", "2026-03-08T00:00:00Z", true],
    ["@monthly", "2026-03-01T00:00:00Z", true],
    ["@yearly", "2026-03-01T00:00:00Z", false],
    ["5,10 * * * *", "2026-03-01T00:10:00Z", true],
    ["5/20 * * * *", "2026-03-01T00:45:00Z", true],
  ];
  for (const [expr, time, want] of cases) {
    it(`${expr} at ${time} → ${want}`, () => {
      assert.equal(cronMatches(parseCron(expr), at(time)), want);
    });
  }

  const invalid: [string, RegExp][] = [
    ["* * * *", /expected 5 fields/],
    ["60 * * * *", /minute value 60 is outside 0-59/],
    ["* 24 * * *", /hour value 24/],
    ["* * 0 * *", /day-of-month value 0/],
    ["* * * 13 *", /month value 13/],
    ["*/0 * * * *", /step "0"/],
    ["5-1 * * * *", /range start 5 is after end 1/],
    ["@sometimes", /unknown macro/],
    ["a * * * *", /minute value "a" is not a number/],
  ];
  for (const [expr, re] of invalid) {
    it(`rejects ${JSON.stringify(expr)}`, () => {
      assert.throws(
        () => parseCron(expr),
        (e: unknown) => e instanceof InvalidCronError && re.test(e.message),
      );
    });
  }

  it("finds the last firing across days without scanning minute by minute", () => {
    const s = parseCron("0 22 * * sun");
    const last = lastFiringAtOrBefore(s, at("2026-03-11T10:00:00Z"), 14 * 24 * 3600_000);
    assert.equal(last, at("2026-03-08T22:00:00Z"));
    assert.equal(lastFiringAtOrBefore(s, at("2026-03-11T10:00:00Z"), 24 * 3600_000), undefined);
  });

  it("a window is open from a firing for its duration, and closed at its end", () => {
    const s = parseCron("0 9 * * *");
    const hour = 3600_000;
    assert.equal(isWindowActive(s, 8 * hour, at("2026-03-04T08:59:00Z")), false);
    assert.equal(isWindowActive(s, 8 * hour, at("2026-03-04T09:00:00Z")), true);
    assert.equal(isWindowActive(s, 8 * hour, at("2026-03-04T16:59:59Z")), true);
    assert.equal(isWindowActive(s, 8 * hour, at("2026-03-04T17:00:00Z")), false);
    assert.equal(isWindowActive(s, 0, at("2026-03-04T09:00:00Z")), false);
  });
});
