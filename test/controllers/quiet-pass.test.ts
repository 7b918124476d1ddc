/**
 * The provisioner's quiet pass: with every pod bound, every claim initialized and no pool asking for capacity on its
 * own, a pass asks for one unbound pod and reads the claims instead of listing the cluster, and reports what the
 * full pass reports; anything to do (a pending pod, a claim in flight, a pool with `minNodes`) still gets the full
 * pass.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ClusterClient } from "../../lib/cluster/types.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { MemoryTelemetry, type MetricRecord } from "../../lib/controllers/telemetry.js";
import { type ControllerHarness, defaultConfigYaml, startControllerHarness } from "../support/controller-harness.js";

/** Full LISTs of pods and nodes (first pages) served since `from`; the one-pod probe is not one. */
function clusterListings(h: ControllerHarness, from: number): number {
  return h.kube.server.requests
    .slice(from)
    .filter(
      (r) =>
        r.method === "GET" &&
        !r.watch &&
        /^\/api\/v1\/(pods|nodes)$/.test(r.path) &&
        r.query.continue === undefined &&
        r.query.limit !== "1",
    ).length;
}

/** One burst-mode provisioner invocation; its metrics and how many full listings it made. */
async function invoke(h: ControllerHarness, cluster?: ClusterClient) {
  const telemetry = new MemoryTelemetry();
  const from = h.kube.server.requests.length;
  const deps = h.deps({ telemetry, ...(cluster ? { cluster } : {}) });
  const result = await new Provisioner(deps, { stopWhenIdle: true, watch: false }).run();
  const metrics = telemetry.points.map((p: MetricRecord) => `${p.name}${JSON.stringify(p.dimensions)}=${p.value}`);
  return { result, listings: clusterListings(h, from), metrics, telemetry };
}

/** Brings up one node running `web-0`. */
async function atRest(h: ControllerHarness): Promise<void> {
  h.pod("web-0", { cpu: "1" });
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.settle();
  const [claim] = await h.claims();
  assert.equal(claim.state, "Initialized");
  assert.ok(h.pods().every((p) => p.spec.nodeName));
}

describe("provisioner: quiet pass", () => {
  test("at rest a pass lists nothing and reports what the full pass reports", async () => {
    const h = await startControllerHarness();
    try {
      await atRest(h);
      const quiet = await invoke(h);
      assert.equal(quiet.listings, 0, "no pod or node listing");
      assert.equal(quiet.result.idle, true);
      assert.equal(quiet.result.launched.length, 0);
      const full = Object.create(h.kube.client) as ClusterClient;
      full.anyUnboundPod = undefined; // a client that cannot answer: the full pass
      const listed = await invoke(h, full);
      assert.ok(listed.listings >= 2, "the full pass lists pods and nodes");
      assert.deepEqual(quiet.metrics, listed.metrics, "the same metrics");
      assert.deepEqual(quiet.result, listed.result, "the same result");
    } finally {
      await h.close();
    }
  });

  test("a pending pod gets the full pass", async () => {
    const h = await startControllerHarness();
    try {
      await atRest(h);
      h.pod("web-1", { cpu: "3" });
      const r = await invoke(h);
      assert.ok(r.listings >= 2);
      assert.equal(r.result.launched.length, 1, "launched for web-1");
    } finally {
      await h.close();
    }
  });

  test("a claim in flight gets the full pass, which registers its node", async () => {
    const h = await startControllerHarness();
    try {
      await atRest(h);
      h.pod("web-1", { cpu: "3" });
      await invoke(h);
      h.deletePod("web-1"); // no unbound pod left; the claim is still Launched
      h.advance(10_000);
      const r = await invoke(h);
      assert.ok(r.listings >= 2);
      assert.deepEqual(
        (await h.claims()).map((c) => c.state),
        ["Initialized", "Initialized"],
      );
    } finally {
      await h.close();
    }
  });

  test("a pool with minNodes gets the full pass", async () => {
    const h = await startControllerHarness({ config: defaultConfigYaml("  minNodes: 1") });
    try {
      await atRest(h);
      const r = await invoke(h);
      assert.ok(r.listings >= 2);
    } finally {
      await h.close();
    }
  });
});
