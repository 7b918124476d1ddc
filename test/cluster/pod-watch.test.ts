/** KubeClusterClient.watchUnscheduledPods: initial list, live events, resume, 410 re-list, backoff, fatal errors. */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { ClusterApiError } from "../../lib/cluster/errors.js";
import type { PodEvent, WatchHandle } from "../../lib/cluster/types.js";
import type { KubeObject } from "../../lib/twin/kube-apiserver/index.js";
import { eventually, type FakeKube, startFakeKube } from "../support/kube.js";

const pending = (name: string, nodeName?: string): KubeObject => ({
  metadata: { name, namespace: "w" },
  spec: { containers: [{ name: "c" }], ...(nodeName ? { nodeName } : {}) },
  status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
});

const summary = (events: PodEvent[]) => events.map((e) => `${e.type} ${e.pod.metadata.name}`);

describe("watchUnscheduledPods", () => {
  let kube: FakeKube | undefined;
  let handle: WatchHandle | undefined;

  afterEach(async () => {
    handle?.stop();
    await handle?.done.catch(() => {});
    await kube?.close();
    handle = undefined;
    kube = undefined;
  });

  const watchRequests = () => kube!.server.requests.filter((r) => r.watch);

  it("emits the initial list as ADDED, then live changes; binding leaves the set as DELETED", async () => {
    kube = await startFakeKube();
    const { store } = kube.server;
    store.put("pods", pending("a"));
    store.put("pods", pending("bound", "n1"));
    const events: PodEvent[] = [];
    handle = await kube.client.watchUnscheduledPods((e) => events.push(e));
    assert.deepEqual(summary(events), ["ADDED a"]);
    await eventually(() => kube!.server.activeWatches === 1);
    const watch = watchRequests()[0];
    assert.equal(watch.query.fieldSelector, "spec.nodeName=");
    assert.equal(watch.query.allowWatchBookmarks, "true");
    assert.ok(watch.query.resourceVersion);

    store.put("pods", pending("b"));
    store.mutate("pods", "a", "w", (p) => {
      p.metadata.labels = { touched: "1" };
    });
    store.mutate("pods", "b", "w", (p) => {
      (p.spec as { nodeName?: string }).nodeName = "n2";
    });
    await eventually(() => events.length === 4);
    assert.deepEqual(summary(events), ["ADDED a", "ADDED b", "MODIFIED a", "DELETED b"]);
    assert.equal(typeof events[1].pod.metadata.creationTimestamp, "string");

    handle.stop();
    await handle.done;
    await eventually(() => kube!.server.activeWatches === 0, 3000, "the client to close its stream");
  });

  it("resumes from the last resourceVersion (including bookmarks) when the server drops the stream", async () => {
    kube = await startFakeKube();
    const { server } = kube;
    server.store.put("pods", pending("a"));
    const events: PodEvent[] = [];
    handle = await kube.client.watchUnscheduledPods((e) => events.push(e));
    await eventually(() => server.activeWatches === 1);
    server.store.put("pods", pending("b"));
    await eventually(() => events.length === 2);
    const rvOfB = events[1].pod.metadata.resourceVersion;

    server.dropWatches();
    await eventually(() => server.activeWatches === 1 && watchRequests().length === 2);
    assert.equal(watchRequests()[1].query.resourceVersion, rvOfB);
    server.store.put("pods", pending("c"));
    await eventually(() => events.length === 3);
    assert.deepEqual(summary(events), ["ADDED a", "ADDED b", "ADDED c"], "nothing replayed twice");

    server.store.put("nodes", { metadata: { name: "unrelated" } });
    server.sendBookmarks();
    const bookmarkRv = String(server.store.resourceVersion);
    await new Promise((r) => setTimeout(r, 50));
    server.dropWatches();
    await eventually(() => watchRequests().length === 3);
    assert.equal(watchRequests()[2].query.resourceVersion, bookmarkRv);
  });

  it("re-lists after 410 Gone and emits the difference", async () => {
    kube = await startFakeKube();
    const { server } = kube;
    server.store.put("pods", pending("stays"));
    server.store.put("pods", pending("leaves"));
    const events: PodEvent[] = [];
    handle = await kube.client.watchUnscheduledPods((e) => events.push(e));
    await eventually(() => server.activeWatches === 1);
    const listsBefore = server.requests.filter((r) => r.path === "/api/v1/pods" && !r.watch).length;

    server.faults.startOutage(503);
    server.dropWatches();
    server.store.mutate("pods", "stays", "w", (p) => {
      p.metadata.labels = { v: "2" };
    });
    server.store.delete("pods", "leaves", "w");
    server.store.put("pods", pending("arrives"));
    server.store.compact();
    await eventually(() => watchRequests().length >= 2, 3000, "a failed reconnect");
    server.faults.endOutage();

    await eventually(() => events.length === 5, 3000, "re-list events");
    assert.deepEqual(summary(events).slice(2).sort(), ["ADDED arrives", "DELETED leaves", "MODIFIED stays"]);
    const listsAfter = server.requests.filter((r) => r.path === "/api/v1/pods" && !r.watch).length;
    assert.equal(listsAfter, listsBefore + 1, "one re-list");
    await eventually(() => server.activeWatches === 1);
    server.store.put("pods", pending("later"));
    await eventually(() => events.length === 6);
  });

  it("backs off and reconnects after transient watch failures", async () => {
    kube = await startFakeKube();
    const { server } = kube;
    server.failNext(3, 500, { watch: true });
    const events: PodEvent[] = [];
    handle = await kube.client.watchUnscheduledPods((e) => events.push(e));
    await eventually(() => server.activeWatches === 1, 3000, "a watch after three failures");
    assert.equal(watchRequests().length, 4);
    server.store.put("pods", pending("x"));
    await eventually(() => events.length === 1);
  });

  it("ends with a ClusterApiError on a permanent failure and rejects when the first list fails", async () => {
    kube = await startFakeKube({ client: { readAttempts: 1 } });
    const { server } = kube;
    server.failNext(1, 403, { watch: true });
    handle = await kube.client.watchUnscheduledPods(() => {});
    await assert.rejects(handle.done, (e) => e instanceof ClusterApiError && e.statusCode === 403);

    server.failNext(1, 503, { method: "GET", watch: false });
    await assert.rejects(
      kube.client.watchUnscheduledPods(() => {}),
      /transient/,
    );
  });

  it("keeps watching when the event handler throws", async () => {
    kube = await startFakeKube();
    let calls = 0;
    handle = await kube.client.watchUnscheduledPods(() => {
      calls++;
      throw new Error("handler bug");
    });
    await eventually(() => kube!.server.activeWatches === 1);
    kube.server.store.put("pods", pending("a"));
    kube.server.store.put("pods", pending("b"));
    await eventually(() => calls === 2);
  });
});
