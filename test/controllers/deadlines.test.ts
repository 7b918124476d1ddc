/**
 * Invocation deadlines against the fake kube-apiserver, dynalite and the AWS emulator: a controller whose deadline
 * is near stops starting new work, says so (`deadlineStops`), leaves a state the next invocation picks up, and the
 * next invocation finishes the work. Slow calls are modelled by wrappers that move the test clock.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DisruptionMemory } from "../../lib/controllers/disruptor.js";
import { scheduledPassOptions } from "../../lib/controllers/disruptor-options.js";
import { InterruptionHandler } from "../../lib/controllers/interruption.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import type { AwsEvent } from "../../lib/twin/aws/index.js";
import { type ControllerHarness, defaultConfigYaml, startControllerHarness } from "../support/controller-harness.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

/** `target` whose method `name` first moves the clock by `ms` (a slow call). */
function slow<T extends object>(h: ControllerHarness, target: T, name: string, ms: number): T {
  return new Proxy(target, {
    get(t, p) {
      const v = Reflect.get(t, p) as unknown;
      if (typeof v !== "function") return v;
      if (p !== name) return v.bind(t);
      return async (...args: unknown[]) => {
        h.clock.advance(ms);
        return (v as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}

async function bringUp(h: ControllerHarness, pods: string[]): Promise<void> {
  for (const name of pods) h.pod(name, { cpu: "500m" });
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(60_000);
}

describe("invocation deadlines", () => {
  test("the provisioner starts no solve once its deadline is near; the next invocation launches", async () => {
    const h = await startControllerHarness();
    try {
      h.pod("web-0", { cpu: "500m" });
      const cloud = slow(h, h.cloud, "getInstanceTypes", 5_000);
      const deadline = h.clock.now() + 3_000;
      const first = await new Provisioner(h.deps({ cloud }), { loopSeconds: 30, deadline }).run();
      assert.ok(first.deadlineStops >= 1, "it reports the stop");
      assert.deepEqual(first.launched, []);
      assert.deepEqual(await h.claims(), [], "no claim half-written");
      assert.ok(h.clock.now() - deadline < 10_000, "it returned instead of looping on");
      const second = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.equal(second.deadlineStops, 0);
      assert.equal(second.launched.length, 1, "the next invocation launches for the pod");
    } finally {
      await h.close();
    }
  });

  test("the disruptor does not validate or start a command it has no time for; the next invocation acts", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 0s}"),
    });
    try {
      await bringUp(h, ["job-0"]);
      h.deletePod("job-0");
      const memory: DisruptionMemory = {};
      const options = { ...scheduledPassOptions("seconds"), providerDrift: false };
      const planned = await invokeDisruptor(h, { memory, options, max: 1 }); // stamps emptiness, plans
      assert.deepEqual(planned.commands, []);
      assert.ok(memory.awaitingValidation, "the command waits for the next invocation's validation");
      h.advance(60_000);
      const cloud = slow(h, h.cloud, "getInstanceTypes", 5_000); // the snapshot runs past the deadline
      const deadline = h.clock.now() + 3_000;
      const first = await invokeDisruptor(h, {
        memory,
        options: { ...options, deadline },
        deps: () => h.deps({ cloud }),
        max: 1,
      });
      assert.ok(first.deadlineStops >= 1);
      assert.deepEqual(first.commands, []);
      const [claim] = await h.claims();
      assert.equal(claim.disruptionReason, undefined, "nothing marked");
      assert.equal(h.liveInstances().length, 1);
      assert.ok(memory.awaitingValidation, "the command is left for the next invocation");
      h.advance(60_000);
      const second = await invokeDisruptor(h, { memory, options, max: 1 });
      assert.equal(second.deadlineStops, 0);
      assert.deepEqual(
        second.commands.map((c) => c.method),
        ["Emptiness"],
      );
      assert.equal(h.liveInstances().length, 0, "the next invocation removes the empty node");
    } finally {
      await h.close();
    }
  });

  test("the interruption handler hands back the messages it has no time for, and drains what it took", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h, ["web-0", "web-1"]);
      const [claim] = await h.claims();
      const warning = h.aws.emulator.interruptSpot(claim.instanceId ?? "");
      const copy = (id: string): AwsEvent => ({ ...warning, id });
      const records = ["m1", "m2", "m3"].map((id) => ({ messageId: id, body: JSON.stringify(copy(`event-${id}`)) }));
      const state = slow(h, h.state, "recordEventOnce", 4_000);
      const deadline = h.clock.now() + 6_000;
      const handler = new InterruptionHandler(h.deps({ state }), { deadline, messageEstimateMs: 1_000 });
      const first = await handler.handleRecords(records);
      assert.deepEqual(
        first.batchItemFailures.map((f) => f.itemIdentifier),
        ["m2", "m3"],
        "only the unprocessed messages go back to SQS",
      );
      assert.equal(first.deferred, 2);
      assert.ok(first.deadlineStops >= 1);
      assert.deepEqual(first.acted, [claim.id]);
      const marked = (await h.claims(true)).find((c) => c.id === claim.id);
      assert.ok(marked?.state === "Draining" || marked?.state === "Terminated", `claim is ${marked?.state}`);
      // A Terminated claim's tombstone keeps the first replacement's id only.
      assert.ok(marked?.replacementClaimId, "the replacement was launched before the stop");
      const second = await new InterruptionHandler(h.deps()).handleRecords(records.slice(1));
      assert.deepEqual(second.batchItemFailures, []);
      assert.equal(second.deferred, 0);
      await invokeDisruptor(h, { options: { providerDrift: false }, max: 1 });
      const closed = (await h.claims(true)).find((c) => c.id === claim.id);
      assert.equal(closed?.state, "Terminated", "the drain is finished");
    } finally {
      await h.close();
    }
  });
});
