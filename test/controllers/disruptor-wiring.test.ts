/**
 * The disruptor Lambda's wiring: one pass per invocation in both reaction modes (reaction is about pending pods
 * reaching CreateFleet; disruption advances a step a minute and validates on the next invocation), with a few seconds
 * of follow-up passes in reaction seconds while a disruption is in progress.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { disruptorOptions } from "../../lambdas/disruptor.js";
import { readSettings } from "../../lambdas/wiring.js";

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
    assert.equal(opts.singlePass, true, reaction);
    assert.equal(opts.memory, memory, "validations carry over through the container's memory");
    assert.equal(opts.loopSeconds, 50, "the lease TTL still derives from loopSeconds");
    assert.equal(opts.followUpMs, reaction === "seconds" ? 10_000 : 0, "a few seconds of follow-up in seconds only");
  }
});
