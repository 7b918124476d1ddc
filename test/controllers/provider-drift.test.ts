/**
 * The disruptor's provider drift checks between listings: a check keeps the instances it read, describes only those
 * it has not seen (by id), judges every instance again against the node class as resolved now, and lists every
 * instance again once its listing is `driftRelistIntervalMs` old, which is when a change made to a running
 * instance outside Stevedore is seen.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CloudInstance, CloudProvider } from "../../lib/cloud/provider.js";
import type { DisruptionMemory } from "../../lib/controllers/disruptor.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { type ControllerHarness, type PodSpecOptions, startControllerHarness } from "../support/controller-harness.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

const MIN = 60_000;

async function bringUp(h: ControllerHarness, pods: [string, PodSpecOptions][]): Promise<void> {
  for (const [name, o] of pods) h.pod(name, o);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.settle();
}

/** The harness's cloud, counting listings and describes by id, with `edit` applied to every instance it reads. */
function countingCloud(h: ControllerHarness) {
  const base = h.deps().cloud;
  const calls = { listings: 0, described: [] as string[][] };
  let edit = (i: CloudInstance) => i;
  const cloud = Object.create(base) as CloudProvider;
  cloud.list = async () => {
    calls.listings++;
    return (await base.list()).map((i) => edit(i));
  };
  cloud.getMany = async (ids) => {
    calls.described.push(ids);
    return new Map([...(await base.getMany(ids))].map(([id, i]) => [id, edit(i)]));
  };
  return { cloud, calls, setEdit: (e: (i: CloudInstance) => CloudInstance) => (edit = e) };
}

describe("provider drift between listings", () => {
  test("an instance launched after the listing is described by id, not listed again", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h, [["web-0", { cpu: "1" }]]);
      const { cloud, calls } = countingCloud(h);
      const memory: DisruptionMemory = {};
      const run = () => invokeDisruptor(h, { deps: () => h.deps({ cloud }), memory, max: 1 });
      await run();
      assert.equal(calls.listings, 1);
      await bringUp(h, [["web-1", { cpu: "3" }]]);
      const claims = await h.claims();
      assert.equal(claims.length, 2, "a second node");
      const second = claims.find((c) => !memory.drift?.instances?.byId.has(c.instanceId ?? ""));
      h.advance(MIN);
      await run();
      assert.equal(calls.listings, 1, "no second listing");
      assert.deepEqual(calls.described, [[second?.instanceId]], "only the new instance is described");
      assert.equal(memory.drift?.instances?.byId.size, 2, "both instances are kept for the next check");
      h.advance(MIN);
      await run();
      assert.deepEqual([calls.listings, calls.described.length], [1, 1], "nothing new: nothing asked");
    } finally {
      await h.close();
    }
  });

  test("a change made to a running instance outside Stevedore is seen at the next listing", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h, [["web-0", { cpu: "1" }]]);
      const [claim] = await h.claims();
      const { cloud, calls, setEdit } = countingCloud(h);
      const memory: DisruptionMemory = {};
      const options = { driftRelistIntervalMs: 3 * MIN, followUpMs: 0 };
      const run = () => invokeDisruptor(h, { deps: () => h.deps({ cloud }), memory, options, max: 1 });
      await run();
      assert.equal(memory.drift?.reasons.size, 0, "not drifted");
      setEdit((i) => ({ ...i, securityGroupIds: ["sg-added-by-hand"] }));
      h.advance(MIN);
      await run();
      assert.equal(memory.drift?.reasons.size, 0, "judged on the instance as read by the listing");
      h.advance(2 * MIN);
      await run();
      assert.equal(calls.listings, 2, "the listing is 3 minutes old: listed again");
      assert.equal(memory.drift?.reasons.get(claim.id), "SecurityGroupDrifted");
    } finally {
      await h.close();
    }
  });

  test("an instance gone since the listing is no longer judged", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h, [["web-0", { cpu: "1" }]]);
      const { cloud } = countingCloud(h);
      const memory: DisruptionMemory = {};
      const run = () => invokeDisruptor(h, { deps: () => h.deps({ cloud }), memory, max: 1 });
      await run();
      assert.equal(memory.drift?.instances?.byId.size, 1);
      const [claim] = await h.claims();
      await h.state.updateClaim(claim, { state: "Terminated", terminatedAt: h.clock.now() });
      h.advance(MIN);
      await run();
      assert.equal(memory.drift?.instances?.byId.size, 0, "instances of claims no longer live are forgotten");
    } finally {
      await h.close();
    }
  });
});
