/** The fake kube-apiserver's patches, eviction with PDBs, graceful deletion and fault injection. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
} from "@kubernetes/client-node";
import type { FakeKubeApiServer } from "../../lib/twin/kube-apiserver/index.js";
import { apiFailure, startFakeKube } from "../support/kube.js";

const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
const jsonPatch = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);

const ready = [{ type: "Ready", status: "True" }];

describe("fake kube-apiserver: patches, eviction, deletion, faults", () => {
  let server: FakeKubeApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let close: () => Promise<void>;

  before(async () => {
    const kube = await startFakeKube();
    ({ server, kubeConfig: kc, close } = kube);
    core = kc.makeApiClient(CoreV1Api);
  });
  after(() => close());

  it("applies merge patches (null deletes) and logs the content type", async () => {
    await core.createNode({ body: { metadata: { name: "mp", labels: { a: "1", b: "2" } } } });
    const n = await core.patchNode({ name: "mp", body: { metadata: { labels: { a: null, c: "3" } } } }, merge);
    assert.deepEqual(n.metadata?.labels, { b: "2", c: "3" });
    const last = server.requests.at(-1)!;
    assert.equal(last.method, "PATCH");
    assert.equal(last.contentType, "application/merge-patch+json");
  });

  it("applies strategic merge patches: atomic taints, conditions and containers by key, directives", async () => {
    await core.createNode({
      body: {
        metadata: { name: "smp", labels: { x: "1", y: "2" }, finalizers: ["a/one", "b/two"] },
        spec: { taints: [{ key: "a", effect: "NoSchedule" }] },
      },
    });
    const t = await core.patchNode(
      { name: "smp", body: { spec: { taints: [{ key: "b", value: "v", effect: "NoExecute" }] } } },
      strategic,
    );
    assert.deepEqual(
      t.spec?.taints?.map((x) => x.key),
      ["b"],
      "spec.taints has no merge key upstream: replaced",
    );
    const d = await core.patchNode(
      {
        name: "smp",
        body: { metadata: { "$deleteFromPrimitiveList/finalizers": ["a/one"], finalizers: ["c/three"] } },
      },
      strategic,
    );
    assert.deepEqual(d.metadata?.finalizers, ["b/two", "c/three"]);
    const r = await core.patchNode(
      { name: "smp", body: { metadata: { labels: { $patch: "replace", z: "9" } } } },
      strategic,
    );
    assert.deepEqual(r.metadata?.labels, { z: "9" });
    const u = await core.patchNode({ name: "smp", body: { spec: { unschedulable: true } } }, strategic);
    assert.equal(u.spec?.unschedulable, true);

    await core.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "smp-pod" },
        spec: {
          containers: [
            { name: "app", image: "v1" },
            { name: "sidecar", image: "s1" },
          ],
        },
        status: { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
      },
    });
    server.store.mutate("pods", "smp-pod", "default", (p) => {
      p.status = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] };
    });
    const ps = await core.patchNamespacedPodStatus(
      {
        name: "smp-pod",
        namespace: "default",
        body: {
          status: {
            conditions: [
              { type: "Ready", status: "False" },
              { type: "PodScheduled", status: "True", reason: null },
            ],
          },
        },
      },
      strategic,
    );
    const conditions = Object.fromEntries(
      (ps.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason ?? ""}`]),
    );
    assert.deepEqual(conditions, { PodScheduled: "True/", Ready: "False/" });

    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { name: "smp-deploy" },
        spec: {
          selector: { matchLabels: { app: "d" } },
          template: {
            metadata: { labels: { app: "d" } },
            spec: {
              containers: [
                { name: "app", image: "v1" },
                { name: "sidecar", image: "s1" },
              ],
            },
          },
        },
      },
    });
    const dep = await apps.patchNamespacedDeployment(
      {
        name: "smp-deploy",
        namespace: "default",
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: "app", image: "v2" },
                  { name: "sidecar", $patch: "delete" },
                ],
              },
            },
          },
        },
      },
      strategic,
    );
    assert.deepEqual(
      dep.spec?.template.spec?.containers.map((c) => `${c.name}:${c.image}`),
      ["app:v2"],
    );
    assert.equal(dep.metadata?.generation, 2, "spec change bumps generation");
  });

  it("applies JSON patches (add, replace, remove, test) and answers 422 when a test fails", async () => {
    await core.createNode({ body: { metadata: { name: "jp", labels: { a: "1" } }, spec: { taints: [] } } });
    const n = await core.patchNode(
      {
        name: "jp",
        body: [
          { op: "test", path: "/metadata/labels/a", value: "1" },
          { op: "add", path: "/metadata/labels/karpenter.sh~1nodepool", value: "default" },
          { op: "replace", path: "/metadata/labels/a", value: "2" },
          { op: "add", path: "/spec/taints/-", value: { key: "k", effect: "NoSchedule" } },
        ],
      },
      jsonPatch,
    );
    assert.deepEqual(n.metadata?.labels, { a: "2", "karpenter.sh/nodepool": "default" });
    assert.deepEqual(
      n.spec?.taints?.map((t) => t.key),
      ["k"],
    );
    const removed = await core.patchNode({ name: "jp", body: [{ op: "remove", path: "/spec/taints/0" }] }, jsonPatch);
    assert.deepEqual(removed.spec?.taints, []);
    const failed = await apiFailure(
      core.patchNode({ name: "jp", body: [{ op: "test", path: "/metadata/labels/a", value: "1" }] }, jsonPatch),
    );
    assert.equal(failed.code, 422);
    assert.equal(server.store.get("nodes", "jp")?.metadata.labels?.a, "2", "a failed patch changes nothing");
  });

  it("answers 409 to a patch carrying a stale resourceVersion and 415 to server-side apply", async () => {
    const n = await core.createNode({ body: { metadata: { name: "occ" } } });
    await core.patchNode({ name: "occ", body: { metadata: { labels: { a: "1" } } } }, merge);
    const stale = await apiFailure(
      core.patchNode(
        { name: "occ", body: { metadata: { resourceVersion: n.metadata?.resourceVersion, labels: { b: "1" } } } },
        merge,
      ),
    );
    assert.equal(stale.code, 409);
    const res = await fetch(`${server.url}/api/v1/nodes/occ`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${server.token}`, "Content-Type": "application/apply-patch+yaml" },
      body: "metadata: {}",
    });
    assert.equal(res.status, 415);
  });

  it("evicts through pods/eviction, enforcing a PDB's computed disruptionsAllowed", async () => {
    const policy = kc.makeApiClient(PolicyV1Api);
    for (const name of ["w1", "w2", "w3"]) {
      await core.createNamespacedPod({
        namespace: "evict",
        body: { metadata: { name, labels: { app: "w" } }, spec: { nodeName: "n1", containers: [{ name: "c" }] } },
      });
      server.store.mutate("pods", name, "evict", (p) => {
        p.status = { phase: "Running", conditions: ready };
      });
    }
    await policy.createNamespacedPodDisruptionBudget({
      namespace: "evict",
      body: { metadata: { name: "w-pdb" }, spec: { minAvailable: 2, selector: { matchLabels: { app: "w" } } } },
    });
    const pdb = await policy.readNamespacedPodDisruptionBudget({ name: "w-pdb", namespace: "evict" });
    assert.deepEqual(
      [
        pdb.status?.expectedPods,
        pdb.status?.currentHealthy,
        pdb.status?.desiredHealthy,
        pdb.status?.disruptionsAllowed,
      ],
      [3, 3, 2, 1],
    );
    const evicted = await core.createNamespacedPodEviction({
      name: "w1",
      namespace: "evict",
      body: { metadata: { name: "w1", namespace: "evict" } },
    });
    assert.equal(evicted.kind, "Status");
    assert.equal(server.store.get("pods", "w1", "evict"), undefined, "the evicted pod is deleted");
    const afterOne = await policy.readNamespacedPodDisruptionBudget({ name: "w-pdb", namespace: "evict" });
    assert.equal(afterOne.status?.disruptionsAllowed, 0);

    const blocked = await apiFailure(
      core.createNamespacedPodEviction({ name: "w2", namespace: "evict", body: { metadata: { name: "w2" } } }),
    );
    assert.equal(blocked.code, 429);
    assert.equal(blocked.status.reason, "TooManyRequests");
    assert.equal(blocked.status.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual((blocked.status.details as { causes: unknown[] }).causes, [
      { reason: "DisruptionBudget", message: "The disruption budget w-pdb needs 2 healthy pods and has 2 currently" },
    ]);
    assert.ok(server.store.get("pods", "w2", "evict"), "a blocked eviction deletes nothing");
    const counts = [...server.store.evictionsByUid.values()];
    assert.deepEqual(counts, [1], "one successful eviction counted (for the twin's evicted-twice invariant)");

    const missing = await apiFailure(
      core.createNamespacedPodEviction({ name: "nope", namespace: "evict", body: { metadata: { name: "nope" } } }),
    );
    assert.equal(missing.code, 404);

    await core.createNamespacedPod({
      namespace: "evict",
      body: { metadata: { name: "pending", labels: { app: "w" } }, spec: { containers: [{ name: "c" }] } },
    });
    await core.createNamespacedPodEviction({
      name: "pending",
      namespace: "evict",
      body: { metadata: { name: "pending" } },
    });
    assert.equal(server.store.get("pods", "pending", "evict"), undefined, "pending pods skip the PDB check");

    await policy.createNamespacedPodDisruptionBudget({
      namespace: "evict",
      body: { metadata: { name: "second" }, spec: { maxUnavailable: "50%", selector: { matchLabels: { app: "w" } } } },
    });
    const twoPdbs = await apiFailure(
      core.createNamespacedPodEviction({ name: "w3", namespace: "evict", body: { metadata: { name: "w3" } } }),
    );
    assert.equal(twoPdbs.code, 500);
    assert.match(String(twoPdbs.status.message), /more than one PodDisruptionBudget/);
  });

  it("keeps PDB status current as pods change readiness and labels and as the selector changes", async () => {
    const policy = kc.makeApiClient(PolicyV1Api);
    const { store } = server;
    for (const name of ["r1", "r2", "r3"]) {
      store.put("pods", {
        metadata: { name, namespace: "pdbs", labels: { app: "r" } },
        spec: { nodeName: "n", containers: [] },
        status: { phase: "Running", conditions: ready },
      });
    }
    await policy.createNamespacedPodDisruptionBudget({
      namespace: "pdbs",
      body: { metadata: { name: "r" }, spec: { maxUnavailable: "34%", selector: { matchLabels: { app: "r" } } } },
    });
    const counts = async () => {
      const s = (await policy.readNamespacedPodDisruptionBudget({ name: "r", namespace: "pdbs" })).status!;
      return [s.expectedPods, s.currentHealthy, s.desiredHealthy, s.disruptionsAllowed];
    };
    assert.deepEqual(await counts(), [3, 3, 1, 2], "34% of 3 rounds up to 2 unavailable");
    store.mutate("pods", "r1", "pdbs", (p) => {
      p.status = { phase: "Running", conditions: [{ type: "Ready", status: "False" }] };
    });
    assert.deepEqual(await counts(), [3, 2, 1, 1]);
    store.mutate("pods", "r2", "pdbs", (p) => {
      p.metadata.labels = { app: "other" };
    });
    assert.deepEqual(await counts(), [2, 1, 1, 0], "34% of 2 rounds up to 1 unavailable");
    await policy.patchNamespacedPodDisruptionBudget(
      {
        name: "r",
        namespace: "pdbs",
        body: { spec: { maxUnavailable: null, minAvailable: 1, selector: { matchLabels: { app: "other" } } } },
      },
      merge,
    );
    assert.deepEqual(await counts(), [1, 1, 1, 0]);
  });

  it("optionally deletes bound pods gracefully (deletionTimestamp until a grace-0 delete)", async () => {
    const graceful = await startFakeKube({ gracefulPodDeletion: true });
    const c = graceful.kubeConfig.makeApiClient(CoreV1Api);
    await c.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "g" }, spec: { nodeName: "n", containers: [{ name: "c" }] } },
    });
    const terminating = await c.deleteNamespacedPod({ name: "g", namespace: "default", gracePeriodSeconds: 30 });
    assert.ok(terminating.metadata?.deletionTimestamp);
    assert.equal(terminating.metadata?.deletionGracePeriodSeconds, 30);
    await c.deleteNamespacedPod({ name: "g", namespace: "default", gracePeriodSeconds: 0 });
    assert.equal(graceful.server.store.get("pods", "g", "default"), undefined);
    await graceful.close();
  });

  it("injects failures: the next N requests, matching requests, outages and connection resets", async () => {
    server.failNext(2, 500);
    assert.equal((await apiFailure(core.listNode())).code, 500);
    const second = await apiFailure(core.listNode());
    assert.equal(second.status.reason, "InternalError");
    await core.listNode();

    server.faults.failNext(1, 503, { method: "PATCH", pathIncludes: "/nodes/" });
    await core.listNode();
    assert.equal((await apiFailure(core.patchNode({ name: "mp", body: {} }, merge))).code, 503);

    server.faults.startOutage(503);
    assert.equal((await apiFailure(core.readNode({ name: "mp" }))).code, 503);
    server.faults.endOutage();
    await core.readNode({ name: "mp" });

    server.failNext(1, "reset");
    await assert.rejects(core.listNode(), (err: { code?: string }) => err.code === "ECONNRESET");
    await core.listNode();
  });
});
