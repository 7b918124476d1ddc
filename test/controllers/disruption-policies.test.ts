/**
 * Karpenter v1 disruption semantics through the disruptor, against the fake kube-apiserver, dynalite and the AWS
 * emulator: `consolidationPolicy: Balanced`, spot-to-spot consolidation behind its gate, budgets scoped by `reasons`,
 * and `consolidateAfter` counted from the node's last pod event.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DisruptionMemory, scheduledPassOptions } from "../../lib/controllers/disruptor-options.js";
import { defaultConfigYaml, startControllerHarness } from "../support/controller-harness.js";
import {
  bringUp,
  keepAlive,
  podNamed,
  rejectionReasons,
  shrinkToSmallPods,
  spreadNodes,
} from "../support/disruption-world.js";
import { type DisruptorRun, invokeDisruptor } from "../support/disruptor-invocations.js";

const MIN = 60_000;

/** Until a command started (planned by one invocation, validated by the next when it needs validation). */
const started = (run: DisruptorRun) => run.commands.length > 0;

/** A v1 pool limited to one capacity type, with extra `spec.disruption` fields. */
function poolYaml(capacityType: "on-demand" | "spot", disruption: string): string {
  return defaultConfigYaml({ spec: `  disruption: {${disruption}}` }).replace(
    "values: [spot, on-demand]",
    `values: [${capacityType}]`,
  );
}

/** One on-demand m5.large (memory-bound pod) now running a single small pod: it could move to a c5.large. */
async function oversizedNodeWorld(policy: string) {
  const h = await startControllerHarness({ config: poolYaml("on-demand", `consolidationPolicy: ${policy}`) });
  await bringUp(h, [["cache-0", { cpu: "500m", memory: "5Gi" }]]);
  const [claim] = await h.claims();
  assert.equal(claim.instanceType, "m5.large");
  h.deletePod("cache-0");
  const small: [string, { cpu: string; memory: string; nodeName?: string }][] = [
    ["api-0", { cpu: "250m", memory: "256Mi", nodeName: claim.nodeName }],
  ];
  for (const [name, o] of small) h.pod(name, o);
  keepAlive(h, small);
  h.advance(MIN);
  return h;
}

describe("Balanced consolidation", () => {
  test("declines a replacement that saves 11% of the pool's cost for all of its pods", async () => {
    const control = await oversizedNodeWorld("WhenEmptyOrUnderutilized");
    try {
      const r = await invokeDisruptor(control, { until: started, max: 3 });
      assert.deepEqual(
        r.commands.map((c) => c.method),
        ["SingleNodeConsolidation"],
        "WhenEmptyOrUnderutilized takes the move",
      );
    } finally {
      await control.close();
    }
    const h = await oversizedNodeWorld("Balanced");
    try {
      const r = await invokeDisruptor(h, { max: 3 });
      assert.deepEqual(r.commands, [], "Balanced declines it");
      assert.equal(h.liveInstances().length, 1);
      const reasons = rejectionReasons(h);
      assert.ok(
        reasons.some((why) =>
          /^Balanced: saves 11\.5% of pool default's cost for 100\.0% .*score 0\.11 < 0\.5/.test(why),
        ),
        reasons.join("\n"),
      );
    } finally {
      await h.close();
    }
  });

  test("takes a delete that saves half the pool's cost for half of its disruption", async () => {
    const h = await startControllerHarness({ config: poolYaml("on-demand", "consolidationPolicy: Balanced") });
    try {
      const nodes = await spreadNodes(h, 2);
      shrinkToSmallPods(h, nodes);
      h.advance(MIN);
      const r = await invokeDisruptor(h, { max: 5 }); // until the node is gone and nothing is left to do
      assert.deepEqual(
        r.commands.map((c) => [c.method, c.replacements.length]),
        [["SingleNodeConsolidation", 0]],
      );
      h.advance(10_000);
      assert.equal(h.liveInstances().length, 1, "one node left");
      for (const name of ["small-0", "small-1"]) assert.ok(podNamed(h, name)?.spec.nodeName, `${name} runs`);
    } finally {
      await h.close();
    }
  });
});

/** Twenty instance types: a 16-vCPU node running one small pod has well over 15 cheaper spot options. */
const MANY_TYPES = [
  "c5.4xlarge",
  "m5.large",
  "m5.xlarge",
  "m5.2xlarge",
  "c5.large",
  "c5.xlarge",
  "c5.2xlarge",
  "r5.large",
  "r5.xlarge",
  "m6i.large",
  "m6i.xlarge",
  "m6i.2xlarge",
  "c6i.large",
  "c6i.xlarge",
  "c6i.2xlarge",
  "t3.medium",
  "t3.large",
  "t3.xlarge",
  "m5a.large",
  "c5a.large",
];

/** A spot c5.4xlarge (a 14-CPU pod) now running one small pod. */
async function bigSpotNodeWorld(instanceTypes: string[]) {
  const h = await startControllerHarness({
    config: poolYaml("spot", "consolidationPolicy: WhenEmptyOrUnderutilized"),
    emulator: { instanceTypes },
  });
  await bringUp(h, [["batch-0", { cpu: "14", memory: "4Gi" }]]);
  const [claim] = await h.claims();
  assert.equal(claim.capacityType, "spot");
  assert.equal(claim.instanceType, "c5.4xlarge");
  h.deletePod("batch-0");
  const small: [string, { cpu: string; nodeName?: string }][] = [["api-0", { cpu: "250m", nodeName: claim.nodeName }]];
  for (const [name, o] of small) h.pod(name, o);
  keepAlive(h, small);
  h.advance(MIN);
  return h;
}

describe("spot-to-spot consolidation", () => {
  test("off: a spot node is never replaced by spot; on: replaced with its 15 cheapest spot options", async () => {
    const h = await bigSpotNodeWorld(MANY_TYPES);
    try {
      const off = await invokeDisruptor(h, { max: 3 });
      assert.deepEqual(off.commands, [], "gate off: no replacement");
      assert.ok(rejectionReasons(h).includes("spot-to-spot consolidation is disabled"));
      assert.equal(h.liveInstances().length, 1);

      const spotToSpot = { ...scheduledPassOptions("seconds"), spotToSpot: true };
      const on = await invokeDisruptor(h, { options: spotToSpot, until: started, max: 3 });
      assert.deepEqual(
        on.commands.map((c) => [c.method, c.replacements.length]),
        [["SingleNodeConsolidation", 1]],
      );
      const [decision] = (await h.state.listDecisions(0)).filter((d) => d.action === "replace");
      const [rep] = decision.details.replacements as { instanceType: string; options: string[]; price: number }[];
      assert.equal(rep.options.length, 15, "the launch carries the 15 cheapest options");
      assert.ok(!rep.options.includes("c5.4xlarge"));
      const replacement = (await h.claims()).find((c) => c.id === on.commands[0].replacements[0]);
      assert.equal(replacement?.capacityType, "spot");
      // A launched claim keeps no options; its launch decision names what CreateFleet was given.
      const launch = (await h.state.listDecisions(0)).find(
        (d) => d.action === "launch" && d.details.claimId === replacement?.id,
      );
      const launched = (launch?.details.options ?? []) as string[];
      assert.deepEqual(launched, rep.options, "CreateFleet gets the same 15 options");
    } finally {
      await h.close();
    }
  });

  test("on, with fewer than 15 cheaper spot types: no single-node replacement", async () => {
    const h = await bigSpotNodeWorld(MANY_TYPES.slice(0, 8));
    try {
      const r = await invokeDisruptor(h, { options: { ...scheduledPassOptions("seconds"), spotToSpot: true }, max: 3 });
      assert.deepEqual(r.commands, []);
      assert.ok(
        rejectionReasons(h).includes("spot-to-spot needs 15 cheaper options, found 7"),
        rejectionReasons(h).join("\n"),
      );
      assert.equal(h.liveInstances().length, 1);
    } finally {
      await h.close();
    }
  });
});

describe("disruption budgets with reasons", () => {
  test("a zero budget for Underutilized stops consolidation but not the removal of an empty node", async () => {
    const h = await startControllerHarness({
      config: poolYaml("on-demand", 'budgets: [{nodes: "0", reasons: [Underutilized]}]'),
    });
    try {
      const nodes = await spreadNodes(h, 3);
      shrinkToSmallPods(h, nodes.slice(0, 2));
      h.deletePod("spread-2"); // the third node is empty
      h.advance(MIN);
      const run = await invokeDisruptor(h, { max: 4, until: () => false });
      const methods = run.commands.map((c) => c.method);
      assert.deepEqual(methods, ["Emptiness"], "only the empty node goes");
      assert.equal(h.liveInstances().length, 2, "the two under-used nodes stay");
      assert.ok(rejectionReasons(h).includes("disruption budget of pool default is exhausted"));
    } finally {
      await h.close();
    }
  });
});

describe("consolidateAfter", () => {
  test("counts from the last pod scheduled to or removed from the node, not from initialization", async () => {
    const h = await startControllerHarness({
      config: poolYaml("on-demand", "consolidationPolicy: WhenEmptyOrUnderutilized, consolidateAfter: 10m"),
    });
    try {
      const nodes = await spreadNodes(h, 2);
      h.advance(20 * MIN); // long past initialization + consolidateAfter
      shrinkToSmallPods(h, nodes); // pods scheduled now
      for (const [i, n] of nodes.entries()) h.pod(`extra-${i}`, { cpu: "100m", nodeName: n });
      h.advance(MIN);
      const memory: DisruptionMemory = {};
      const first = await invokeDisruptor(h, { memory, max: 3 });
      assert.deepEqual(first.commands, [], "pods were just scheduled");
      assert.ok(rejectionReasons(h).includes("consolidateAfter has not passed since the node's last pod event"));
      assert.equal(memory.podSets?.size, 2, "the pod sets are remembered for the next pass");

      h.advance(8 * MIN);
      for (let i = 0; i < nodes.length; i++) h.deletePod(`extra-${i}`); // pods removed: a pod event
      const removedAt = h.clock.now();
      await invokeDisruptor(h, { memory, max: 3 });
      for (const c of await h.claims()) assert.ok((c.lastPodEventAt ?? 0) >= removedAt, "the removal is stamped");

      h.advance(3 * MIN); // 10 minutes after the pods were scheduled, 3 after the removal
      const early = await invokeDisruptor(h, { memory, max: 3 });
      assert.deepEqual(early.commands, [], "the removal restarted the clock");

      h.advance(8 * MIN);
      const later = await invokeDisruptor(h, { memory, until: started, max: 3 });
      assert.deepEqual(
        later.commands.map((c) => c.method),
        ["SingleNodeConsolidation"],
      );
    } finally {
      await h.close();
    }
  });
});
