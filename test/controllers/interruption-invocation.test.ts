/**
 * The interruption function's two payloads: an EventBridge event invoked directly by a rule (reaction minute) is
 * handled as a batch of one; a retryable failure, or no time left, throws so Lambda retries it; a payload that is not
 * an event, or an event the parser cannot read, is dropped. The SQS batch (reaction seconds) is the handler's own
 * test (`interruption.test.ts`).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ControllerDeps } from "../../lib/controllers/deps.js";
import { InterruptionHandler } from "../../lib/controllers/interruption.js";
import {
  handleDirectEvent,
  isDirectEvent,
  isQueueBatch,
  RetryableInterruptionError,
} from "../../lib/controllers/interruption-invocation.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { type ControllerHarness, startControllerHarness } from "../support/controller-harness.js";

async function bringUp(h: ControllerHarness): Promise<void> {
  for (const name of ["web-0", "web-1"]) h.pod(name, { cpu: "500m" });
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(60_000);
}

/** The state store with `claimsByInstance` failing (a throttled or unreachable table). */
function failingLookups(state: ControllerDeps["state"]): ControllerDeps["state"] {
  return new Proxy(state, {
    get(t, p) {
      const v = Reflect.get(t, p) as unknown;
      if (p === "claimsByInstance")
        return async () => {
          throw new Error("ProvisionedThroughputExceededException");
        };
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
}

describe("interruption invocation", () => {
  test("tells an SQS batch from a direct EventBridge event", () => {
    assert.equal(isQueueBatch({ Records: [] }), true);
    assert.equal(isQueueBatch({ "detail-type": "x", source: "aws.ec2", detail: {} }), false);
    assert.equal(isDirectEvent({ "detail-type": "x", source: "aws.ec2", detail: {} }), true);
    for (const bad of [null, "text", { source: "aws.ec2" }, { "detail-type": "x", source: "aws.ec2", detail: null }])
      assert.equal(isDirectEvent(bad), false, JSON.stringify(bad));
  });

  test("a direct spot warning: replaced and drained; delivered again, it changes nothing", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h);
      const [claim] = await h.claims();
      const warning = h.aws.emulator.interruptSpot(claim.instanceId ?? "");
      const result = await handleDirectEvent(new InterruptionHandler(h.deps()), warning, h.deps().telemetry.logger);
      assert.deepEqual(result.acted, [claim.id]);
      assert.equal(result.drained.length, 1);
      const claims = await h.claims(true);
      assert.equal(claims.find((c) => c.id === claim.id)?.state, "Terminated");
      const again = await handleDirectEvent(new InterruptionHandler(h.deps()), warning, h.deps().telemetry.logger);
      assert.deepEqual(again.acted, []);
      assert.equal((await h.claims(true)).length, claims.length, "no second replacement");
    } finally {
      await h.close();
    }
  });

  test("a retryable failure or no time left throws for Lambda's retry; the retry handles it", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h);
      const [claim] = await h.claims();
      const warning = h.aws.emulator.interruptSpot(claim.instanceId ?? "");
      const logger = h.deps().telemetry.logger;
      const failing = new InterruptionHandler(h.deps({ state: failingLookups(h.state) }));
      await assert.rejects(
        handleDirectEvent(failing, warning, logger),
        (err) => err instanceof RetryableInterruptionError && err.reason === "failed" && err.eventId === warning.id,
      );
      const late = new InterruptionHandler(h.deps(), { deadline: h.clock.now() - 1 });
      await assert.rejects(
        handleDirectEvent(late, warning, logger),
        (err) => err instanceof RetryableInterruptionError && err.reason === "no-time-left",
      );
      assert.equal((await h.claims())[0]?.disruptionReason, undefined, "nothing done yet");
      const retried = await handleDirectEvent(new InterruptionHandler(h.deps()), warning, logger);
      assert.deepEqual(retried.acted, [claim.id]);
    } finally {
      await h.close();
    }
  });

  test("a payload that is no event, or an event the parser cannot read, is dropped, not retried", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h);
      const handler = new InterruptionHandler(h.deps());
      const logger = h.deps().telemetry.logger;
      const unreadable = { source: "aws.ec2", "detail-type": "EC2 Spot Instance Interruption Warning", detail: {} };
      for (const payload of [{ hello: "world" }, unreadable]) {
        const result = await handleDirectEvent(handler, payload, logger);
        assert.deepEqual([result.acted, result.ignored, result.batchItemFailures], [[], 1, []]);
      }
      assert.equal(h.liveInstances().length, 1);
      assert.equal((await h.claims())[0]?.disruptionReason, undefined);
    } finally {
      await h.close();
    }
  });
});
