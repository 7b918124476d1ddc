/**
 * The disruptor's single pass per invocation (reaction minute: no follow-up passes) against the fake
 * kube-apiserver, dynalite and the AWS emulator: each invocation runs one pass and never waits; a command that needs
 * validation is planned by one invocation and validated and carried out by the next (on the fresh cluster), a change
 * in between drops it, and an invocation that lost the memory (a new container) plans again rather than acting
 * unvalidated. A drain held by a PDB advances one step per invocation and completes once the budget allows, with
 * each pod evicted once; reaction seconds adds a few seconds of follow-up passes while a disruption is in progress.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEADLINE_SAFETY_MARGIN_MS } from "../../lib/controllers/deadline.js";
import { STALE_VALIDATION_MS } from "../../lib/controllers/deferred-validation.js";
import { type DisruptionMemory, Disruptor } from "../../lib/controllers/disruptor.js";
import {
  LEASE_TTL_MARGIN_MS,
  scheduledPassOptions,
  UNBOUNDED_LAST_PASS_MS,
} from "../../lib/controllers/disruptor-options.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { Terminator } from "../../lib/controllers/termination.js";
import { type ControllerHarness, defaultConfigYaml, startControllerHarness } from "../support/controller-harness.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

const MIN = 60_000;
const EMPTY_AFTER_5M = defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 5m}");

/** One node running job-0; then job-0 is deleted and the node is past its emptiness TTL. */
async function emptyNodePastTtl(h: ControllerHarness, memory: DisruptionMemory): Promise<void> {
  h.pod("job-0", { cpu: "1" });
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.settle();
  h.deletePod("job-0");
  await singlePass(h, memory); // stamps emptySince
  h.advance(5 * MIN + 30_000);
}

/** One scheduled invocation in reaction minute; asserts it ran one pass and did not wait on the clock. */
async function singlePass(h: ControllerHarness, memory: DisruptionMemory) {
  const before = h.clock.now();
  const r = await invokeDisruptor(h, { memory, options: scheduledPassOptions("minute"), max: 1 });
  assert.equal(r.passes, 1, "one pass per invocation");
  assert.equal(h.clock.now(), before, "a single pass never sleeps");
  return r;
}

describe("disruptor, single pass (both reaction modes)", () => {
  test("plans on one invocation, validates and acts on the next", async () => {
    const h = await startControllerHarness({ config: EMPTY_AFTER_5M });
    try {
      const memory: DisruptionMemory = {};
      await emptyNodePastTtl(h, memory);
      const planned = await singlePass(h, memory);
      assert.deepEqual(planned.commands, [], "nothing acts before validation");
      assert.equal(h.liveInstances().length, 1);
      assert.deepEqual(
        memory.awaitingValidation?.commands.map((c) => c.method),
        ["Emptiness"],
      );
      h.advance(10_000);
      assert.deepEqual((await singlePass(h, memory)).commands, [], "not before the validation delay");
      h.advance(MIN - 10_000);
      const acted = await singlePass(h, memory);
      assert.deepEqual(
        acted.commands.map((c) => c.method),
        ["Emptiness"],
      );
      assert.equal(memory.awaitingValidation, undefined);
      assert.equal(h.liveInstances().length, 0, "the empty node is terminated");
    } finally {
      await h.close();
    }
  });

  test("a pod landing before the next invocation drops the command at validation", async () => {
    const h = await startControllerHarness({ config: EMPTY_AFTER_5M });
    try {
      const memory: DisruptionMemory = {};
      await emptyNodePastTtl(h, memory);
      await singlePass(h, memory);
      assert.ok(memory.awaitingValidation);
      h.pod("job-1", { cpu: "1" });
      h.settle();
      h.advance(MIN);
      const r = await singlePass(h, memory);
      assert.deepEqual(r.commands, []);
      assert.equal(memory.awaitingValidation, undefined, "the rejected command is forgotten");
      assert.equal(h.liveInstances().length, 1, "the node that took a pod stays");
    } finally {
      await h.close();
    }
  });

  test("a new container plans again, and a stale plan is planned again, never acted on unvalidated", async () => {
    const h = await startControllerHarness({ config: EMPTY_AFTER_5M });
    try {
      const memory: DisruptionMemory = {};
      await emptyNodePastTtl(h, memory);
      await singlePass(h, memory);
      h.advance(MIN);
      const fresh: DisruptionMemory = {};
      assert.deepEqual((await singlePass(h, fresh)).commands, [], "a lost memory means planning again");
      assert.ok(fresh.awaitingValidation);
      h.advance(STALE_VALIDATION_MS + 1);
      assert.deepEqual((await singlePass(h, memory)).commands, [], "a stale plan is not acted on");
      assert.ok((memory.awaitingValidation?.plannedAt ?? 0) === h.clock.now(), "it was planned again");
      assert.equal(h.liveInstances().length, 1);
    } finally {
      await h.close();
    }
  });

  test("a drain held by a PDB advances one step per invocation and completes once the budget allows", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: Never}"),
    });
    try {
      const memory: DisruptionMemory = {};
      h.pod("db-0", { cpu: "1", labels: { app: "db" } });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      h.advance(10_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      h.settle();
      h.pdb("db", { app: "db" }, 1);
      const [claim] = await h.claims();
      const t = new Terminator(h.deps());
      await t.startDrain(await t.mark(claim, "Expired", "v1"), h.config.nodePools[0]);
      for (let i = 0; i < 3; i++) {
        await singlePass(h, memory);
        h.advance(MIN);
      }
      assert.ok(
        h.pods().some((p) => p.metadata.name === "db-0"),
        "the PDB keeps the pod",
      );
      assert.equal((await h.claims())[0].state, "Draining");
      // A second replica running elsewhere makes one disruption allowed.
      h.pod("db-1", { cpu: "100m", labels: { app: "db" }, nodeName: "elsewhere" });
      const terminated: string[] = [];
      for (let i = 0; i < 2 && terminated.length === 0; i++) {
        terminated.push(...(await singlePass(h, memory)).terminated);
        h.advance(MIN);
        h.settle();
      }
      assert.deepEqual(terminated, [claim.id], "the drain completes once the budget allows");
      assert.ok(!h.pods().some((p) => p.metadata.name === "db-0"), "db-0 was evicted");
      assert.equal(h.liveInstances().length, 0);
    } finally {
      await h.close();
    }
  });

  test("follow-up passes: a few seconds more while a disruption is in progress, none when idle", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: Never}"),
    });
    try {
      h.pod("db-0", { cpu: "1", labels: { app: "db" } });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      h.advance(10_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      h.settle();
      const followUp = scheduledPassOptions("seconds");
      assert.equal(followUp.followUpMs, 10_000);
      let before = h.clock.now();
      const idle = await new Disruptor(h.deps(), followUp).run();
      assert.equal(idle.passes, 1, "an idle pass ends the invocation");
      assert.equal(idle.idle, true);
      assert.equal(h.clock.now(), before);
      h.pdb("db", { app: "db" }, 1);
      const [claim] = await h.claims();
      const t = new Terminator(h.deps());
      await t.startDrain(await t.mark(claim, "Expired", "v1"), h.config.nodePools[0]);
      before = h.clock.now();
      const busy = await new Disruptor(h.deps(), followUp).run();
      assert.ok(busy.passes > 1, "a drain in progress takes follow-up passes");
      assert.equal(busy.idle, false, "the drain is still in progress");
      assert.ok(h.clock.now() - before <= 10_000, `within the follow-up (${h.clock.now() - before} ms)`);
    } finally {
      await h.close();
    }
  });

  test("the lease covers the longest invocation: the Lambda timeout with a deadline, the follow-ups without", async () => {
    const h = await startControllerHarness();
    try {
      const ttls: number[] = [];
      const state = new Proxy(h.state, {
        get(target, p) {
          const v = Reflect.get(target, p) as unknown;
          if (typeof v !== "function") return v;
          if (p !== "acquireLease") return v.bind(target);
          return (...args: Parameters<typeof h.state.acquireLease>) => {
            ttls.push(args[2]);
            return h.state.acquireLease(...args);
          };
        },
      });
      const deadline = h.clock.now() + 100_000;
      await new Disruptor(h.deps({ state }), { deadline }).run();
      await new Disruptor(h.deps({ state }), scheduledPassOptions("seconds")).run();
      assert.deepEqual(ttls, [
        100_000 + DEADLINE_SAFETY_MARGIN_MS + LEASE_TTL_MARGIN_MS,
        10_000 + UNBOUNDED_LAST_PASS_MS + LEASE_TTL_MARGIN_MS,
      ]);
    } finally {
      await h.close();
    }
  });
});
