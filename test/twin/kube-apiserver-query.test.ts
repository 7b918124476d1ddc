/** The fake kube-apiserver's list and watch: selectors, pagination, resourceVersions, bookmarks, 410 Gone. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CoreV1Api, type KubeConfig, Watch } from "@kubernetes/client-node";
import type { FakeKubeApiServer } from "../../lib/twin/kube-apiserver/index.js";
import { apiFailure, eventually, startFakeKube } from "../support/kube.js";

interface Seen {
  type: string;
  name?: string;
  rv?: string;
  object: Record<string, unknown>;
}

async function watchEvents(kc: KubeConfig, path: string, query: Record<string, string | boolean | number>) {
  const events: Seen[] = [];
  let resolveDone!: (err: unknown) => void;
  const done = new Promise<unknown>((resolve) => {
    resolveDone = resolve;
  });
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, object: { metadata?: { name?: string; resourceVersion?: string } }) =>
      events.push({ type, name: object.metadata?.name, rv: object.metadata?.resourceVersion, object }),
    (err) => resolveDone(err),
  );
  return { events, done, stop: () => controller.abort() };
}

const podBody = (name: string, labels: Record<string, string> = {}, nodeName?: string) => ({
  metadata: { name, labels },
  spec: { containers: [{ name: "c", image: "busybox" }], ...(nodeName ? { nodeName } : {}) },
});

describe("fake kube-apiserver: list and watch", () => {
  let server: FakeKubeApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let close: () => Promise<void>;

  before(async () => {
    const kube = await startFakeKube();
    ({ server, kubeConfig: kc, close } = kube);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: "sel", body: podBody("web-a", { app: "web", tier: "a" }) });
    await core.createNamespacedPod({ namespace: "sel", body: podBody("web-b", { app: "web", tier: "b" }, "n1") });
    await core.createNamespacedPod({ namespace: "sel", body: podBody("db-c", { app: "db", tier: "c" }, "n2") });
    await core.createNamespacedPod({ namespace: "sel", body: podBody("bare") });
    server.store.mutate("pods", "db-c", "sel", (p) => {
      p.status = { phase: "Running" };
    });
  });
  after(() => close());

  const names = async (labelSelector?: string, fieldSelector?: string) =>
    (await core.listNamespacedPod({ namespace: "sel", labelSelector, fieldSelector })).items
      .map((p) => p.metadata?.name)
      .sort();

  it("evaluates every label selector operator", async () => {
    assert.deepEqual(await names("app=web"), ["web-a", "web-b"]);
    assert.deepEqual(await names("app==web"), ["web-a", "web-b"]);
    assert.deepEqual(await names("app!=web"), ["bare", "db-c"]);
    assert.deepEqual(await names("tier in (a,c)"), ["db-c", "web-a"]);
    assert.deepEqual(await names("tier notin (a)"), ["bare", "db-c", "web-b"]);
    assert.deepEqual(await names("tier"), ["db-c", "web-a", "web-b"]);
    assert.deepEqual(await names("!tier"), ["bare"]);
    assert.deepEqual(await names("app=web, tier in (b)"), ["web-b"]);
    const bad = await apiFailure(core.listNamespacedPod({ namespace: "sel", labelSelector: "app in web" }));
    assert.equal(bad.code, 400);
    assert.equal(bad.status.reason, "BadRequest");
  });

  it("evaluates field selectors and rejects unsupported fields", async () => {
    assert.deepEqual(await names(undefined, "spec.nodeName="), ["bare", "web-a"]);
    assert.deepEqual(await names(undefined, "spec.nodeName=n1"), ["web-b"]);
    assert.deepEqual(await names(undefined, "spec.nodeName!="), ["db-c", "web-b"]);
    assert.deepEqual(await names(undefined, "metadata.name=bare"), ["bare"]);
    assert.deepEqual(await names(undefined, "status.phase=Running"), ["db-c"]);
    assert.deepEqual(await names(undefined, "status.phase!=Running,spec.nodeName="), ["bare", "web-a"]);
    const all = await core.listPodForAllNamespaces({ fieldSelector: "metadata.namespace=sel" });
    assert.equal(all.items.length, 4);
    const bad = await apiFailure(core.listNamespacedPod({ namespace: "sel", fieldSelector: "spec.priority=1" }));
    assert.equal(bad.code, 400);
    assert.equal(bad.status.message, "field label not supported: spec.priority");
    await core.createNode({ body: { metadata: { name: "cordoned" }, spec: { unschedulable: true } } });
    await core.createNode({ body: { metadata: { name: "open" } } });
    const cordoned = await core.listNode({ fieldSelector: "spec.unschedulable=true" });
    assert.deepEqual(
      cordoned.items.map((n) => n.metadata?.name),
      ["cordoned"],
    );
    const open = await core.listNode({ fieldSelector: "spec.unschedulable=false" });
    assert.deepEqual(
      open.items.map((n) => n.metadata?.name),
      ["open"],
    );
  });

  it("paginates with limit/continue over a consistent snapshot, and 410s a compacted one", async () => {
    for (let i = 0; i < 7; i++) await core.createNamespacedPod({ namespace: "page", body: podBody(`p${i}`) });
    const first = await core.listNamespacedPod({ namespace: "page", limit: 3 });
    assert.deepEqual(
      first.items.map((p) => p.metadata?.name),
      ["p0", "p1", "p2"],
    );
    assert.equal(first.metadata?.remainingItemCount, 4);
    assert.ok(first.metadata?._continue);
    // Changes after the first page do not show up in later pages of the same list.
    await core.deleteNamespacedPod({ name: "p5", namespace: "page" });
    await core.createNamespacedPod({ namespace: "page", body: podBody("p35") });
    const second = await core.listNamespacedPod({ namespace: "page", limit: 3, _continue: first.metadata?._continue });
    assert.deepEqual(
      second.items.map((p) => p.metadata?.name),
      ["p3", "p4", "p5"],
    );
    assert.equal(second.metadata?.resourceVersion, first.metadata?.resourceVersion);
    const third = await core.listNamespacedPod({ namespace: "page", limit: 3, _continue: second.metadata?._continue });
    assert.deepEqual(
      third.items.map((p) => p.metadata?.name),
      ["p6"],
    );
    assert.equal(third.metadata?._continue, undefined);

    server.store.compact();
    const expired = await apiFailure(
      core.listNamespacedPod({ namespace: "page", limit: 3, _continue: first.metadata?._continue }),
    );
    assert.equal(expired.code, 410);
    assert.equal(expired.status.reason, "Expired");
  });

  it("streams ADDED for existing objects without a resourceVersion, then live changes", async () => {
    const w = await watchEvents(kc, "/api/v1/namespaces/sel/pods", { labelSelector: "app=web" });
    await eventually(() => w.events.length === 2, 3000, "initial events");
    assert.deepEqual(
      w.events.map((e) => `${e.type} ${e.name}`),
      ["ADDED web-a", "ADDED web-b"],
    );
    server.store.mutate("pods", "web-a", "sel", (p) => {
      p.metadata.annotations = { touched: "yes" };
    });
    await eventually(() => w.events.length === 3);
    assert.equal(w.events[2].type, "MODIFIED");
    assert.equal(w.events[2].object.kind, "Pod", "watch objects carry kind");
    w.stop();
  });

  it("replays history after a resourceVersion, in order", async () => {
    const created = await core.createNamespacedPod({ namespace: "hist", body: podBody("h") });
    const rv = created.metadata!.resourceVersion!;
    server.store.mutate("pods", "h", "hist", (p) => {
      p.metadata.labels = { v: "2" };
    });
    await core.deleteNamespacedPod({ name: "h", namespace: "hist" });
    const w = await watchEvents(kc, "/api/v1/namespaces/hist/pods", { resourceVersion: rv });
    await eventually(() => w.events.length === 2);
    assert.deepEqual(
      w.events.map((e) => e.type),
      ["MODIFIED", "DELETED"],
    );
    assert.ok(Number(w.events[1].rv) > Number(w.events[0].rv));
    w.stop();
  });

  it("turns selector transitions into ADDED/DELETED, like the watch cache", async () => {
    await core.createNamespacedPod({ namespace: "trans", body: podBody("t") });
    const w = await watchEvents(kc, "/api/v1/pods", {
      fieldSelector: "spec.nodeName=,metadata.namespace=trans",
      resourceVersion: String(server.store.resourceVersion),
    });
    await core.createNamespacedPodBinding({
      name: "t",
      namespace: "trans",
      body: { metadata: { name: "t" }, target: { kind: "Node", name: "n9" } },
    });
    await eventually(() => w.events.length === 1);
    assert.equal(w.events[0].type, "DELETED");
    assert.equal(w.events[0].rv, String(server.store.resourceVersion), "carries the change's resourceVersion");
    assert.equal((w.events[0].object.spec as { nodeName?: string }).nodeName, undefined, "previous content");
    const bound = await core.readNamespacedPod({ name: "t", namespace: "trans" });
    assert.equal(bound.spec?.nodeName, "n9");
    assert.ok(bound.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "True"));
    const again = await apiFailure(
      core.createNamespacedPodBinding({
        name: "t",
        namespace: "trans",
        body: { metadata: { name: "t" }, target: { kind: "Node", name: "n8" } },
      }),
    );
    assert.equal(again.code, 409);
    w.stop();
  });

  it("sends bookmarks only to watches that allow them", async () => {
    const withBookmarks = await watchEvents(kc, "/api/v1/nodes", {
      allowWatchBookmarks: true,
      resourceVersion: String(server.store.resourceVersion),
    });
    const without = await watchEvents(kc, "/api/v1/nodes", { resourceVersion: String(server.store.resourceVersion) });
    await eventually(() => server.activeWatches >= 2);
    server.sendBookmarks();
    await eventually(() => withBookmarks.events.length === 1);
    assert.equal(withBookmarks.events[0].type, "BOOKMARK");
    assert.equal(withBookmarks.events[0].rv, String(server.store.resourceVersion));
    assert.equal(without.events.length, 0);
    withBookmarks.stop();
    without.stop();
  });

  it("sends a 410 Expired ERROR event for a compacted resourceVersion and ends the stream", async () => {
    const small = await startFakeKube({ historyLimit: 3 });
    const smallCore = small.kubeConfig.makeApiClient(CoreV1Api);
    const first = await smallCore.createNode({ body: { metadata: { name: "n0" } } });
    for (let i = 1; i <= 4; i++) await smallCore.createNode({ body: { metadata: { name: `n${i}` } } });
    const w = await watchEvents(small.kubeConfig, "/api/v1/nodes", {
      resourceVersion: first.metadata!.resourceVersion!,
    });
    assert.equal(await w.done, null);
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0].type, "ERROR");
    assert.equal(w.events[0].object.code, 410);
    assert.equal(w.events[0].object.reason, "Expired");
    await small.close();
  });

  it("ends streams on timeoutSeconds and when the server drops them", async () => {
    const timed = await watchEvents(kc, "/api/v1/nodes", {
      timeoutSeconds: 1,
      resourceVersion: String(server.store.resourceVersion),
    });
    assert.equal(await timed.done, null);
    const dropped = await watchEvents(kc, "/api/v1/nodes", { resourceVersion: String(server.store.resourceVersion) });
    await eventually(() => server.activeWatches === 1);
    server.dropWatches();
    assert.equal(await dropped.done, null);
    assert.equal(server.activeWatches, 0);
  });
});
