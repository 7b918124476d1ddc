/** KubeClusterClient (the ClusterClient over @kubernetes/client-node) against the fake kube-apiserver. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ClusterApiError } from "../../lib/cluster/errors.js";
import { KubeClusterClient } from "../../lib/cluster/kube-client.js";
import { RetryableClusterError } from "../../lib/cluster/types.js";
import type { KubeObject } from "../../lib/twin/kube-apiserver/index.js";
import { type FakeKube, startFakeKube } from "../support/kube.js";

const unschedulable = {
  phase: "Pending",
  conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
};

function pod(
  name: string,
  extra: { meta?: Partial<KubeObject["metadata"]>; spec?: object; status?: object } = {},
): KubeObject {
  return {
    metadata: { name, namespace: "apps", ...extra.meta },
    spec: { containers: [{ name: "c", image: "x" }], ...extra.spec },
    status: extra.status ?? unschedulable,
  };
}

describe("KubeClusterClient", () => {
  let kube: FakeKube;
  let client: KubeClusterClient;

  before(async () => {
    kube = await startFakeKube();
    client = kube.client;
    const { store } = kube.server;
    store.put("pods", pod("wanted"));
    store.put("pods", pod("bound", { spec: { nodeName: "n1" }, status: { phase: "Running" } }));
    store.put("pods", pod("nominated", { status: { ...unschedulable, nominatedNodeName: "n1" } }));
    store.put(
      "pods",
      pod("ds", { meta: { ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "d", uid: "1" }] } }),
    );
    store.put(
      "pods",
      pod("mirror", { meta: { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "2" }] } }),
    );
    store.put("pods", pod("static", { meta: { annotations: { "kubernetes.io/config.mirror": "abc" } } }));
    store.put("pods", pod("failed", { status: { ...unschedulable, phase: "Failed" } }));
    store.put("pods", pod("untried", { status: { phase: "Pending" } }));
    store.put(
      "pods",
      pod("gated", {
        status: {
          phase: "Pending",
          conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
        },
      }),
    );
    store.put("pods", pod("deleting", { meta: { finalizers: ["x/y"] } }));
    store.requestDelete("pods", "deleting", "apps");
    store.put("pods", pod("on-n2", { spec: { nodeName: "n2" }, status: { phase: "Running" } }));
  });
  after(() => kube.close());

  it("lists provisionable pods with Karpenter's filter over a spec.nodeName= field selector", async () => {
    const pods = await client.listProvisionablePods();
    assert.deepEqual(
      pods.map((p) => p.metadata.name),
      ["wanted"],
    );
    assert.equal(typeof pods[0].metadata.creationTimestamp, "string", "plain API JSON, not client classes");
    const list = kube.server.requests.filter((r) => r.path === "/api/v1/pods").at(-1)!;
    assert.equal(list.query.fieldSelector, "spec.nodeName=");
  });

  it("lists all pods or the pods of one node, across pages", async () => {
    const paged = new KubeClusterClient({ kubeConfig: kube.kubeConfig, pageSize: 3 });
    const before = kube.server.requests.length;
    const all = await paged.listPods();
    assert.equal(all.length, 11);
    const pages = kube.server.requests.slice(before);
    assert.equal(pages.length, 4);
    assert.ok(pages.every((r) => r.query.limit === "3"));
    assert.ok(pages.slice(1).every((r) => r.query.continue));
    assert.deepEqual(
      (await client.listPods({ nodeName: "n2" })).map((p) => p.metadata.name),
      ["on-n2"],
    );
    assert.equal(kube.server.requests.at(-1)!.query.fieldSelector, "spec.nodeName=n2");
  });

  it("takes a pod list's JSON as the apiserver sent it, with no model round trip", async () => {
    kube.server.store.put("pods", {
      ...pod("as-sent", { spec: { nodeName: "n3" }, status: { phase: "Running", startTime: "2026-01-02T03:04:05Z" } }),
      // A field the client's model does not know: the generated client would drop it.
      extra: { kept: true },
    } as KubeObject);
    const [listed] = await client.listPods({ nodeName: "n3" });
    assert.equal((listed as unknown as { extra?: { kept: boolean } }).extra?.kept, true);
    const status = listed.status as { startTime?: unknown } | undefined;
    assert.equal(status?.startTime, "2026-01-02T03:04:05Z", "the timestamp's own text, not a Date's");
    kube.server.store.delete("pods", "as-sent", "apps");
  });

  it("maps a failed JSON list to the client's errors: 500s are retried, a 403 is a ClusterApiError", async () => {
    kube.server.failNext(2, 500, { method: "GET", pathIncludes: "/api/v1/pods" });
    assert.ok((await client.listPods()).length > 0, "two 500s are absorbed by three attempts");
    kube.server.failNext(1, 403, { method: "GET", pathIncludes: "/api/v1/pods" });
    await assert.rejects(client.listPods(), (e) => e instanceof ClusterApiError && e.statusCode === 403);
  });

  it("lists and gets nodes, DaemonSets and PDBs", async () => {
    const { store } = kube.server;
    store.put("nodes", {
      metadata: { name: "node-a", labels: { zone: "a" } },
      spec: { providerID: "aws:///us-east-1a/i-1" },
    });
    store.put("daemonsets", {
      metadata: { name: "agent", namespace: "kube-system" },
      spec: { selector: {}, template: { spec: { containers: [] } } },
    });
    store.put("poddisruptionbudgets", {
      metadata: { name: "pdb", namespace: "apps" },
      spec: { minAvailable: 1, selector: { matchLabels: { a: "b" } } },
    });
    assert.ok((await client.listNodes()).some((n) => n.metadata.name === "node-a"));
    assert.equal((await client.getNode("node-a"))?.spec?.providerID, "aws:///us-east-1a/i-1");
    assert.equal(await client.getNode("missing"), undefined);
    assert.deepEqual(
      (await client.listDaemonSets()).map((d) => d.metadata.name),
      ["agent"],
    );
    const pdbs = await client.listPodDisruptionBudgets();
    assert.equal(pdbs[0].status?.expectedPods, 0);
  });

  it("adds taints preserving others, replaces by key+effect, is idempotent, and removes by key", async () => {
    kube.server.store.put("nodes", {
      metadata: { name: "tainted" },
      spec: { taints: [{ key: "keep", value: "1", effect: "NoSchedule" }] },
    });
    await client.addNodeTaint("tainted", { key: "karpenter.sh/disrupted", effect: "NoSchedule" });
    await client.addNodeTaint("tainted", { key: "karpenter.sh/disrupted", effect: "NoExecute" });
    await client.addNodeTaint("tainted", { key: "keep", value: "2", effect: "NoSchedule" });
    const taints = (await client.getNode("tainted"))?.spec?.taints?.map((t) => `${t.key}=${t.value ?? ""}:${t.effect}`);
    assert.deepEqual(taints, [
      "karpenter.sh/disrupted=:NoSchedule",
      "karpenter.sh/disrupted=:NoExecute",
      "keep=2:NoSchedule",
    ]);
    const patch = kube.server.requests.filter((r) => r.method === "PATCH").at(-1)!;
    assert.equal(patch.contentType, "application/merge-patch+json");
    assert.ok((patch.body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion, "optimistic lock");

    const rv = kube.server.store.get("nodes", "tainted")?.metadata.resourceVersion;
    const writes = kube.server.requests.filter((r) => r.method === "PATCH").length;
    await client.addNodeTaint("tainted", { key: "keep", value: "2", effect: "NoSchedule" });
    assert.equal(kube.server.requests.filter((r) => r.method === "PATCH").length, writes, "no write when present");
    assert.equal(kube.server.store.get("nodes", "tainted")?.metadata.resourceVersion, rv);

    await client.removeNodeTaint("tainted", "karpenter.sh/disrupted");
    assert.deepEqual(
      (await client.getNode("tainted"))?.spec?.taints?.map((t) => t.key),
      ["keep"],
    );
    await client.removeNodeTaint("tainted", "keep");
    assert.equal((await client.getNode("tainted"))?.spec?.taints, undefined);
    await client.removeNodeTaint("tainted", "absent");
    await client.removeNodeTaint("no-such-node", "keep");
    await assert.rejects(
      client.addNodeTaint("no-such-node", { key: "a", effect: "NoSchedule" }),
      (e) => e instanceof ClusterApiError && e.statusCode === 404,
    );
  });

  it("re-reads and retries a taint write that hits 409 Conflict", async () => {
    kube.server.store.put("nodes", { metadata: { name: "raced" } });
    kube.server.failNext(2, 409, { method: "PATCH", pathIncludes: "/nodes/raced" });
    await client.addNodeTaint("raced", { key: "a", effect: "NoSchedule" });
    assert.deepEqual(
      (await client.getNode("raced"))?.spec?.taints?.map((t) => t.key),
      ["a"],
    );
  });

  it("cordons, uncordons, labels and annotates nodes (null removes)", async () => {
    kube.server.store.put("nodes", { metadata: { name: "meta", labels: { old: "1" }, annotations: { note: "x" } } });
    await client.cordonNode("meta", true);
    assert.equal((await client.getNode("meta"))?.spec?.unschedulable, true);
    await client.cordonNode("meta", false);
    assert.equal((await client.getNode("meta"))?.spec?.unschedulable, undefined);
    await client.patchNodeMetadata("meta", {
      labels: { old: null, "karpenter.sh/initialized": "true" },
      annotations: { note: null, other: "y" },
    });
    const node = await client.getNode("meta");
    assert.deepEqual(node?.metadata.labels, { "karpenter.sh/initialized": "true" });
    assert.deepEqual(node?.metadata.annotations, { other: "y" });
    await assert.rejects(client.cordonNode("ghost", true), (e) => e instanceof ClusterApiError && e.statusCode === 404);
  });

  it("evicts: evicted, blocked by a PDB (429), gone (404)", async () => {
    const { store } = kube.server;
    for (const name of ["e1", "e2"]) {
      store.put("pods", {
        metadata: { name, namespace: "evict", labels: { app: "e" } },
        spec: { nodeName: "n1", containers: [{ name: "c" }] },
        status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
      });
    }
    store.put("poddisruptionbudgets", {
      metadata: { name: "e", namespace: "evict" },
      spec: { minAvailable: 1, selector: { matchLabels: { app: "e" } } },
    });
    assert.equal(await client.evictPod("evict", "e1"), "evicted");
    assert.equal(await client.evictPod("evict", "e2"), "blocked");
    assert.equal(await client.evictPod("evict", "e1"), "gone");
    assert.ok(store.get("pods", "e2", "evict"));
  });

  it("deletes nodes (missing is fine) and pods", async () => {
    kube.server.store.put("nodes", { metadata: { name: "doomed" } });
    await client.deleteNode("doomed");
    assert.equal(kube.server.store.get("nodes", "doomed"), undefined);
    await client.deleteNode("doomed");
    kube.server.store.put("pods", pod("victim", { spec: { nodeName: "n1" } }));
    assert.equal(await client.deletePod("apps", "victim", { gracePeriodSeconds: 0 }), "deleted");
    assert.equal(await client.deletePod("apps", "victim"), "gone");
  });

  it("retries reads on transient failures and maps what is left to RetryableClusterError", async () => {
    kube.server.failNext(2, 500, { method: "GET", pathIncludes: "/nodes" });
    assert.ok((await client.listNodes()).length > 0, "two 500s are absorbed by three attempts");
    kube.server.failNext(1, "reset", { method: "GET" });
    await client.getNode("meta");
    kube.server.failNext(3, 503, { method: "GET" });
    await assert.rejects(client.listNodes(), RetryableClusterError);
    kube.server.failNext(1, 429, { method: "GET" });
    await client.listNodes();

    kube.server.failNext(1, 500, { method: "PATCH" });
    await assert.rejects(
      client.cordonNode("meta", true),
      (e) => e instanceof RetryableClusterError && /HTTP 500/.test(e.message),
    );
    kube.server.failNext(1, 429, { method: "PATCH" });
    await assert.rejects(client.patchNodeMetadata("meta", { labels: { a: "b" } }), RetryableClusterError);
    kube.server.failNext(1, 503, { pathIncludes: "/eviction" });
    await assert.rejects(client.evictPod("evict", "e2"), RetryableClusterError);
    kube.server.failNext(1, 403, { method: "GET" });
    await assert.rejects(
      client.listNodes(),
      (e) => e instanceof ClusterApiError && e.statusCode === 403 && !(e instanceof RetryableClusterError),
    );
  });

  it("maps a refused connection to RetryableClusterError", async () => {
    const gone = await startFakeKube();
    const kubeConfig = gone.kubeConfig;
    await gone.close();
    const orphan = new KubeClusterClient({ kubeConfig, readAttempts: 2, retryBaseDelayMs: 1 });
    await assert.rejects(
      orphan.listNodes(),
      (e) => e instanceof RetryableClusterError && /ECONNREFUSED/.test(e.message),
    );
  });
});
