/**
 * Node auto-repair through the disruptor, against the fake kube-apiserver, dynalite and the AWS emulator: a node
 * NotReady past its 30-minute toleration is replaced (behind the `NodeRepair` gate), and repair holds off when more
 * than 20 % of the pool is unhealthy.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scheduledPassOptions } from "../../lib/controllers/disruptor-options.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import type { Node } from "../../lib/core/kube-objects.js";
import type { ControllerHarness } from "../support/controller-harness.js";
import { defaultConfigYaml, startControllerHarness } from "../support/controller-harness.js";
import { keepAlive, podNamed, spreadNodes, spreadPod } from "../support/disruption-world.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

const MIN = 60_000;
/** Consolidation off, so only repair acts. */
const CONFIG = defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: Never}");
/** The disruptor as deployed, with the `NodeRepair` gate on. */
const REPAIR = { ...scheduledPassOptions("seconds"), nodeRepair: true };

/** The kubelet stops reporting: Ready turns Unknown now. */
function stopKubelet(h: ControllerHarness, node: string): void {
  h.kube.server.store.mutate("nodes", node, undefined, (o) => {
    const status = (o as unknown as Node).status ?? {};
    (o as unknown as Node).status = status;
    status.conditions = [
      ...(status.conditions ?? []).filter((c) => c.type !== "Ready"),
      {
        type: "Ready",
        status: "Unknown",
        reason: "NodeStatusUnknown",
        lastTransitionTime: new Date(h.clock.now()).toISOString(),
      },
    ];
  });
}

describe("node repair", () => {
  test("a node NotReady for 30 minutes is replaced when the gate is on, and not before", async () => {
    const h = await startControllerHarness({ config: CONFIG });
    try {
      const nodes = await spreadNodes(h, 2);
      keepAlive(h, [
        ["spread-0", spreadPod()],
        ["spread-1", spreadPod()],
      ]);
      const sick = (await h.claims()).find((c) => c.nodeName === nodes[0]);
      assert.ok(sick);
      stopKubelet(h, nodes[0]);
      h.advance(29 * MIN);
      const early = await invokeDisruptor(h, { options: REPAIR, max: 2 });
      assert.deepEqual(early.repaired, [], "within the toleration");

      h.advance(2 * MIN);
      const gateOff = await invokeDisruptor(h, { max: 2 });
      assert.deepEqual(gateOff.repaired, [], "the gate is off by default");

      h.pdb("spread", { app: "spread" }, 2); // would block any eviction
      const r = await invokeDisruptor(h, { options: REPAIR, until: (run) => run.repaired.length > 0, max: 2 });
      assert.deepEqual(r.repaired, [sick.id]);
      assert.equal(r.invocations, 1, "repaired by the first invocation past the toleration");
      const [decision] = (await h.state.listDecisions(0)).filter((d) => d.action === "repair");
      assert.equal(decision.details.node, nodes[0]);
      assert.equal(decision.details.condition, "Ready");
      assert.equal(decision.details.status, "Unknown");
      assert.equal(decision.details.tolerationSeconds, 1800);
      assert.match(String(decision.details.reason), /^Ready=Unknown for 3\dm \(toleration 30m\)$/);
      const replacements = decision.details.replacementClaims as string[];
      assert.equal(replacements.length, 1, "a replacement is launched");
      const closed = (await h.claims(true)).find((c) => c.id === sick.id);
      assert.equal(closed?.disruptionReason, "Unhealthy");
      assert.equal(closed?.state, "Terminated", "forceful: drained at once, past the PDB");
      h.advance(30_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run(); // the replacement registers
      h.settle(); // kube-scheduler binds once the unregistered taint is gone
      const replacement = (await h.claims()).find((c) => c.id === replacements[0]);
      assert.equal(podNamed(h, "spread-0")?.spec.nodeName, replacement?.nodeName, "the pod runs on the replacement");
      assert.equal(h.liveInstances().length, 2);
    } finally {
      await h.close();
    }
  });

  test("holds off when more than 20% of the pool is unhealthy, and logs why", async () => {
    const h = await startControllerHarness({ config: CONFIG });
    try {
      const nodes = await spreadNodes(h, 2);
      for (const n of nodes) stopKubelet(h, n);
      h.advance(31 * MIN);
      const r = await invokeDisruptor(h, { options: REPAIR, max: 3, until: () => false });
      assert.deepEqual(r.repaired, []);
      assert.equal(h.liveInstances().length, 2, "nothing replaced");
      const blocked = (await h.state.listDecisions(0)).filter((d) => d.action === "repair-blocked");
      assert.equal(blocked.length, 1, "logged once, not every invocation");
      assert.equal(blocked[0].details.reason, "2 of 2 nodes are unhealthy; repair needs at most 1 (20%)");
    } finally {
      await h.close();
    }
  });
});
