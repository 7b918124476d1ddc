import assert from "node:assert/strict";
import { test } from "node:test";
import { cronError, formatDuration, parseDurationSeconds } from "../../lib/api/index.js";

test("Go-style durations", () => {
  assert.equal(parseDurationSeconds("720h"), 2592000);
  assert.equal(parseDurationSeconds("1h30m"), 5400);
  assert.equal(parseDurationSeconds("30s"), 30);
  assert.equal(parseDurationSeconds("10m0s"), 600);
  assert.equal(parseDurationSeconds("0s"), 0);
  assert.equal(parseDurationSeconds("0"), 0);
  for (const bad of ["", "1d", "30m1h", "1.5h", "h", "10", "1h 30m", "-1h"]) {
    assert.equal(parseDurationSeconds(bad), undefined, bad);
  }
  assert.equal(parseDurationSeconds("30s", "hm"), undefined);
  assert.equal(parseDurationSeconds("8h0s", "hm"), 28800);
  assert.equal(formatDuration(5400), "1h30m");
  assert.equal(formatDuration(0), "0s");
});

test("budget schedules", () => {
  for (const ok of [
    "@daily",
    "@hourly",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
    "@midnight",
    "0 9 * * 1-5",
    "*/15 * * * *",
    "0 0 1,15 jan-jun sun",
    "0-30/5 8-18 * * MON-FRI",
  ]) {
    assert.equal(cronError(ok), undefined, ok);
  }
  assert.equal(
    cronError("@reboot"),
    '"@reboot" is not a valid schedule (macros: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)',
  );
  assert.equal(cronError("0 24 * * *"), '"0 24 * * *" is not a valid schedule (hour 24 is out of range 0-23)');
  assert.equal(cronError("0 0 0 * *"), '"0 0 0 * *" is not a valid schedule (day of month 0 is out of range 1-31)');
  assert.equal(cronError("0 0 * foo *"), '"0 0 * foo *" is not a valid schedule (month field "foo" is not valid)');
  assert.equal(
    cronError("0 0 * * 5-1"),
    '"0 0 * * 5-1" is not a valid schedule (day of week range "5-1" is backwards)',
  );
  assert.equal(cronError("*/0 * * * *"), '"*/0 * * * *" is not a valid schedule (minute field "*/0" is not valid)');
});
