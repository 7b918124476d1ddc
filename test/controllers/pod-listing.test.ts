/**
 * One pod listing per provisioner pass: registration, recovery and every solve round of a pass read the same
 * cluster view, counted as pod LIST requests served by the fake kube-apiserver.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { type CloudProvider, InsufficientCapacityError } from "../../lib/cloud/provider.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { type ControllerHarness, startControllerHarness } from "../support/controller-harness.js";

/**
 * First pages of pod LISTs (not watches, not continuation pages, not the quiet-pass check for one unbound pod) served
 * since `from`.
 */
function podLists(h: ControllerHarness, from: number): number {
  return h.kube.server.requests
    .slice(from)
    .filter(
      (r) =>
        r.method === "GET" &&
        !r.watch &&
        /^\/api\/v1\/(namespaces\/[^/]+\/)?pods$/.test(r.path) &&
        r.query.continue === undefined &&
        r.query.limit !== "1",
    ).length;
}

/** Runs one provisioner pass (no watch) and returns how many pod LISTs it made. */
async function onePass(h: ControllerHarness, cloud?: CloudProvider): Promise<number> {
  const from = h.kube.server.requests.length;
  const r = await new Provisioner(h.deps(cloud ? { cloud } : {}), { loopSeconds: 0, watch: false }).run();
  assert.equal(r.passes, 1);
  return podLists(h, from);
}

describe("provisioner: one pod listing per pass", () => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = await startControllerHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  test("a pass that launches lists pods once", async () => {
    h.pod("web-0", { cpu: "500m" });
    assert.equal(await onePass(h), 1);
    assert.equal(h.liveInstances().length, 1);
  });

  test("a pass whose registration changes claims and nodes still lists pods once, and solves on the synced nodes", async () => {
    h.pod("web-0", { cpu: "500m" });
    await onePass(h);
    h.advance(10_000); // the node registers; the scheduler binds web-0
    const nodeName = h.nodes()[0].metadata.name ?? "";
    await h.kube.client.addNodeTaint(nodeName, { key: "karpenter.sh/unregistered", effect: "NoExecute" });
    h.pod("web-1", { cpu: "100m" });
    assert.equal(await onePass(h), 1);
    const claims = await h.claims();
    assert.equal(claims.length, 1, "web-1 fits on the node whose unregistered taint the pass removed");
    assert.equal(claims[0].state, "Initialized");
  });

  test("a pass that re-solves after insufficient capacity lists pods once", async () => {
    h.pod("web-0", { cpu: "1" });
    let first = true;
    const cloud: CloudProvider = Object.create(h.cloud);
    cloud.create = async (req) => {
      if (first) {
        first = false;
        const t = req.instanceTypes[0];
        const offerings = t.offerings.map((o) => ({
          instanceType: t.name,
          zone: o.zone,
          capacityType: o.capacityType,
        }));
        throw new InsufficientCapacityError(`no ${t.name}`, offerings);
      }
      return h.cloud.create(req);
    };
    assert.equal(await onePass(h, cloud), 1);
    assert.equal(h.liveInstances().length, 1, "launched on the second round");
  });
});
