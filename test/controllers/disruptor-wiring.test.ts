/**
 * The disruptor Lambda's wiring: one pass per invocation in both reaction modes (reaction is about pending pods
 * reaching CreateFleet; disruption advances a step a minute and validates on the next invocation), with a few seconds
 * of follow-up passes in reaction seconds while a disruption is in progress; the lease outlives the function's timeout.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { disruptorOptions } from "../../lambdas/disruptor.js";
import { readSettings } from "../../lambdas/wiring.js";
import { lambdaDeadline } from "../../lib/controllers/deadline.js";
import { disruptorLeaseTtlMs, LEASE_TTL_MARGIN_MS } from "../../lib/controllers/disruptor-options.js";
import { loopTimeoutSeconds } from "../../lib/infra/function-timeouts.js";

const env = {
  STEVEDORE_CLUSTER_NAME: "prod",
  STEVEDORE_TABLE: "t",
  STEVEDORE_INSTANCE_PROFILE: "node",
  AWS_REGION: "eu-west-1",
};

test("the disruptor runs a single pass in reaction seconds and in reaction minute", () => {
  for (const reaction of ["seconds", "minute"]) {
    const settings = readSettings({ ...env, STEVEDORE_REACTION: reaction, STEVEDORE_LOOP_SECONDS: "50" });
    const memory = {};
    const opts = disruptorOptions(settings, 1_000, memory);
    assert.equal(opts.memory, memory, "validations carry over through the container's memory");
    assert.equal(opts.deadline, 1_000);
    assert.equal(opts.followUpMs, reaction === "seconds" ? 10_000 : 0, "a few seconds of follow-up in seconds only");
  }
});

test("the disruptor's lease outlives its function's timeout, which bounds the invocation", () => {
  for (const loopSeconds of [5, 50, 840]) {
    const settings = readSettings({ ...env, STEVEDORE_LOOP_SECONDS: String(loopSeconds) });
    const timeoutMs = loopTimeoutSeconds(settings.loopSeconds) * 1000;
    const start = 1_000_000;
    const clock = { now: () => start, sleep: async () => {} };
    const deadline = lambdaDeadline(clock, { getRemainingTimeInMillis: () => timeoutMs });
    const opts = disruptorOptions(settings, deadline, {});
    const ttl = disruptorLeaseTtlMs(opts, start);
    assert.equal(ttl, timeoutMs + LEASE_TTL_MARGIN_MS, `loopSeconds ${loopSeconds}`);
    assert.ok(ttl > timeoutMs);
  }
  const unbounded = disruptorLeaseTtlMs({ followUpMs: 10_000 }, 0);
  assert.ok(unbounded > 10_000, "without a deadline it still covers the follow-up passes");
  assert.equal(disruptorLeaseTtlMs({ leaseTtlMs: 5_000, deadline: 90_000 }, 0), 5_000, "an explicit TTL wins");
});
