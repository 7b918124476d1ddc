/**
 * The provisioner against the fake kube-apiserver, dynalite and the AWS emulator through the real adapters.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { type ControllerHarness, startControllerHarness } from "../support/controller-harness.js";

describe("provisioner", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness();
  });
  after(async () => {
    await h.close();
  });

  test("a pending pod leads to exactly one launch, then registration and initialization", async () => {
    h.pod("web-0", { cpu: "500m" });
    const r1 = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(r1.launched.length, 1);
    assert.equal(h.liveInstances().length, 1);
    const [claim] = await h.claims();
    assert.equal(claim.state, "Launched");
    assert.deepEqual(claim.pods, ["default/web-0"]);
    assert.equal(claim.instanceId, h.liveInstances()[0].instanceId);
    // A second pass before the node registers must not launch again: the pod is nominated to the in-flight claim.
    const r2 = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(r2.launched.length, 0);
    assert.equal(h.liveInstances().length, 1);
    h.advance(10_000); // boot; the kubelet registers the Node, the scheduler binds the pod
    assert.equal(h.nodes().length, 1);
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const [after] = await h.claims();
    assert.equal(after.state, "Initialized");
    assert.equal(after.nodeName, h.nodes()[0].metadata.name);
    assert.equal(h.nodes()[0].metadata.labels?.["karpenter.sh/initialized"], "true");
    assert.equal(h.pods().find((p) => p.metadata.name === "web-0")?.spec.nodeName, after.nodeName);
    const decisions = await h.state.listDecisions(0);
    const launch = decisions.find((d) => d.action === "launch");
    assert.deepEqual(launch?.details.pods, ["default/web-0"]);
    assert.ok(Array.isArray(launch?.details.options), "options logged");
  });
});
