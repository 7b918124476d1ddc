/**
 * Pods placed on the spare capacity of an in-flight claim, against the fake kube-apiserver, dynalite and the AWS
 * emulator: the provisioner records them on the claim (nothing is launched for them), so they hold that space, are
 * nominated to the claim's Node at registration, and land there.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { startControllerHarness } from "../support/controller-harness.js";

test("a pod placed on an in-flight claim's spare capacity keeps its place when the node registers", async () => {
  const h = await startControllerHarness();
  try {
    h.pod("first", { cpu: "500m" });
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const [claim] = await h.claims();
    assert.deepEqual(claim.pods, ["default/first"]);

    h.pod("late", { cpu: "500m" }); // fits in the spare capacity of the node still launching
    const r = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(r.launched.length, 0, "nothing launched for the late pod");
    const [recorded] = await h.claims();
    assert.equal(recorded.id, claim.id);
    assert.deepEqual(recorded.pods, ["default/first", "default/late"], "the claim records the late pod");

    // The third pass neither plans the late pod again nor writes the claim again.
    const again = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(again.launched.length, 0);
    assert.equal((await h.claims())[0].version, recorded.version, "an unchanged claim is not written");

    h.advance(10_000); // the instance boots; the kubelet registers the Node, still tainted
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run(); // registration: nominate, then lift the taint
    const nodeName = (await h.claims())[0].nodeName;
    assert.ok(nodeName);
    const late = h.pods().find((p) => p.metadata.name === "late");
    assert.equal(late?.status?.nominatedNodeName, nodeName, "the late pod is nominated to the node");
    h.advance(1000); // the scheduler binds
    for (const p of h.pods()) assert.equal(p.spec.nodeName, nodeName, p.metadata.name);
  } finally {
    await h.close();
  }
});
