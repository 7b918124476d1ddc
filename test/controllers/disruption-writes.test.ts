/**
 * The disruptor's claim writes when it starts a command, and crashes between them: an empty node's deletion marks
 * and starts its drain in one write; a replacement's id is recorded with the mark, before the replacement is
 * launched. Each is stepped one scheduled invocation a minute, as deployed, against the fake kube-apiserver,
 * dynalite and the AWS emulator.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DisruptionMemory } from "../../lib/controllers/disruptor.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import type { NodeClaim } from "../../lib/state/types.js";
import {
  type ControllerHarness,
  defaultConfigYaml,
  type PodSpecOptions,
  startControllerHarness,
} from "../support/controller-harness.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

const MIN = 60_000;

/** Provisions nodes for the pods and lets them register, initialize and run the pods. */
async function bringUp(h: ControllerHarness, pods: [string, PodSpecOptions][]): Promise<void> {
  for (const [name, o] of pods) h.pod(name, o);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.settle();
}

/** A write of a disruption's own fields (not the node-activity record every pass keeps). */
function disruptionWrite(patch: Partial<NodeClaim>): boolean {
  return ["disruptionReason", "replacementClaimIds", "state"].some((k) => k in patch);
}

/** Claim writes through `h`'s store, in order; `crash` makes the matching write (or create) fail as a crash would. */
function recordingDeps(h: ControllerHarness, crash: { when?: (op: string, patch: Partial<NodeClaim>) => boolean }) {
  const writes: { op: string; id: string; patch: Partial<NodeClaim> }[] = [];
  const deps = () => {
    const base = h.deps();
    const state = Object.create(base.state) as typeof base.state;
    state.updateClaim = (claim, patch, fence) => {
      writes.push({ op: "update", id: claim.id, patch });
      if (crash.when?.("update", patch)) throw new Error("the invocation died here");
      return base.state.updateClaim(claim, patch, fence);
    };
    state.createClaim = (claim, fence) => {
      writes.push({ op: "create", id: claim.id, patch: claim });
      if (crash.when?.("create", claim)) throw new Error("the invocation died here");
      return base.state.createClaim(claim, fence);
    };
    return { ...base, state };
  };
  return { writes, deps };
}

describe("disruption writes", () => {
  test("an empty node's deletion is marked and starts draining in one claim write; a crash before it is repaired", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 1m}"),
    });
    try {
      await bringUp(h, [["job-0", { cpu: "1" }]]);
      const [claim] = await h.claims();
      h.deletePod("job-0");
      const memory: DisruptionMemory = {};
      const crash: { when?: (op: string, patch: Partial<NodeClaim>) => boolean } = {};
      const { writes, deps } = recordingDeps(h, crash);
      await invokeDisruptor(h, { memory, deps }); // stamps emptiness
      h.advance(2 * MIN);
      crash.when = (op, patch) => op === "update" && patch.disruptionReason !== undefined;
      await assert.rejects(invokeDisruptor(h, { memory, deps, until: () => false, max: 3 }));
      const [stuck] = await h.claims();
      assert.equal(stuck.disruptionReason, undefined, "the crash left the claim unmarked");
      assert.equal(stuck.state, "Initialized");
      crash.when = undefined;
      writes.length = 0;
      const r = await invokeDisruptor(h, { memory: {}, deps, until: (run) => run.terminated.length > 0 });
      assert.deepEqual(r.terminated, [claim.id], "the next invocations plan it again and remove it");
      const mine = writes.filter((w) => w.id === claim.id && disruptionWrite(w.patch)).map((w) => w.patch);
      assert.deepEqual(
        mine.map((p) => [p.disruptionReason, p.state]),
        [
          ["Empty", "Draining"],
          [undefined, "Terminated"],
        ],
        "one write marks it and starts its drain, one closes it",
      );
      assert.equal(h.liveInstances().length, 0);
    } finally {
      await h.close();
    }
  });

  test("a replacement's id is recorded with the mark, before it is launched; a crash between them is repaired", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml({
        spec: "  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: Never}",
        templateSpec: "      expireAfter: 1h",
      }),
    });
    try {
      const pods: [string, PodSpecOptions][] = [["api-0", { cpu: "1" }]];
      await bringUp(h, pods);
      const [old] = await h.claims();
      h.advance(61 * MIN);
      const crash: { when?: (op: string, patch: Partial<NodeClaim>) => boolean } = {
        when: (op) => op === "create",
      };
      const { writes, deps } = recordingDeps(h, crash);
      await assert.rejects(invokeDisruptor(h, { deps, until: () => false, max: 3 }));
      const [markedFirst] = writes.filter((w) => w.id === old.id && disruptionWrite(w.patch)).map((w) => w.patch);
      const created = writes.find((w) => w.op === "create");
      assert.equal(markedFirst?.disruptionReason, "Expired");
      assert.deepEqual(markedFirst?.replacementClaimIds, [created?.id], "the mark names the replacement to come");
      assert.ok(
        writes.findIndex((w) => w.patch === markedFirst) < writes.findIndex((w) => w.op === "create"),
        "written before the replacement's intent",
      );
      assert.equal(h.liveInstances().length, 1, "nothing launched");
      crash.when = undefined;
      writes.length = 0;
      const r = await invokeDisruptor(h, {
        deps,
        until: (run) => run.terminated.length > 0,
        between: () => new Provisioner(h.deps(), { loopSeconds: 0 }).run(),
      });
      assert.deepEqual(r.terminated, [old.id], "the expired node goes anyway: its replacement never came");
      const decisions = await h.state.listDecisions(0);
      assert.ok(decisions.some((d) => d.action === "drain-without-replacement"));
      const later = writes.filter((w) => w.id === old.id).map((w) => w.patch);
      assert.ok(
        later.every((p) => p.replacementClaimIds === undefined),
        "no second write of replacement ids when the launch went as planned (none was launched here)",
      );
    } finally {
      await h.close();
    }
  });

  test("a replace command takes one claim write per candidate before its drain", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml({
        spec: "  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: Never}",
        templateSpec: "      expireAfter: 1h",
      }),
    });
    try {
      await bringUp(h, [["api-0", { cpu: "1" }]]);
      const [old] = await h.claims();
      h.advance(61 * MIN);
      const { writes, deps } = recordingDeps(h, {});
      const r = await invokeDisruptor(h, { deps, until: (run) => run.commands.length > 0 });
      const [replacement] = r.commands[0].replacements;
      const mine = writes.filter((w) => w.id === old.id && disruptionWrite(w.patch)).map((w) => w.patch);
      assert.equal(mine.length, 1, "the mark and the replacement's id in one write");
      assert.deepEqual(mine[0].replacementClaimIds, [replacement]);
      assert.ok(
        (await h.claims()).some((c) => c.id === replacement),
        "the replacement has the id recorded",
      );
    } finally {
      await h.close();
    }
  });
});
