/**
 * The wind-down before a deployed run's quiet tail: it ends once the watched state has been still for its period
 * and nothing the scenario left is outstanding, and never runs past its maximum.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { windDown } from "../../lib/twin/run/loop.js";
import { VirtualClock } from "../../lib/twin/virtual-clock.js";

const MINUTE = 60_000;

test("a still state ends the wind-down after its still period", async () => {
  const clock = new VirtualClock({ start: 0 });
  const ms = await windDown(clock, { stillForMs: 3 * MINUTE, maxMs: 30 * MINUTE, state: () => "same" });
  assert.equal(ms, 3 * MINUTE);
});

test("the wind-down waits while work is outstanding, even when the state is still", async () => {
  const clock = new VirtualClock({ start: 0 });
  const outstanding = async () => clock.now() < 11 * MINUTE; // say, closed claims collected at minute 11
  const ms = await windDown(clock, { stillForMs: 3 * MINUTE, maxMs: 30 * MINUTE, state: () => "same", outstanding });
  assert.equal(ms, 11 * MINUTE);
});

test("a change restarts the still period; the maximum caps the wind-down", async () => {
  const clock = new VirtualClock({ start: 0 });
  const changing = () => (clock.now() < 5 * MINUTE ? String(clock.now()) : "settled");
  assert.equal(await windDown(clock, { stillForMs: 3 * MINUTE, maxMs: 30 * MINUTE, state: changing }), 8 * MINUTE);
  const never = async () => true;
  const capped = await windDown(clock, { stillForMs: MINUTE, maxMs: 4 * MINUTE, state: () => "x", outstanding: never });
  assert.equal(capped, 4 * MINUTE);
});
