/** KubeClusterClient.watchNodes against the fake kube-apiserver: initial list, live changes, 410 re-list, memory. */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { nodeEssentials } from "../../lib/cluster/node-watch.js";
import type { NodeEvent, WatchHandle } from "../../lib/cluster/types.js";
import type { Node } from "../../lib/core/kube-objects.js";
import type { KubeObject } from "../../lib/twin/kube-apiserver/index.js";
import { eventually, type FakeKube, startFakeKube } from "../support/kube.js";

const node = (name: string, ready: "True" | "False"): KubeObject => ({
  metadata: { name, labels: { "karpenter.sh/nodepool": "default" } },
  spec: {
    providerID: `aws:///us-east-1a/i-${name}`,
    taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }],
  },
  status: {
    conditions: [{ type: "Ready", status: ready, reason: "KubeletReady", lastHeartbeatTime: "2026-01-01T00:00:00Z" }],
    images: [{ names: ["registry.example/big-image:1"], sizeBytes: 123456789 }],
    capacity: { cpu: "2", memory: "4Gi", pods: "29" },
  },
});

const summary = (events: NodeEvent[]) => events.map((e) => `${e.type} ${e.node.metadata.name}`);

describe("watchNodes", () => {
  let kube: FakeKube | undefined;
  let handle: WatchHandle | undefined;

  afterEach(async () => {
    handle?.stop();
    await handle?.done.catch(() => {});
    await kube?.close();
    handle = undefined;
    kube = undefined;
  });

  it("emits the listed nodes as ADDED (cut down to their essentials), then live changes with whole nodes", async () => {
    kube = await startFakeKube();
    const { server } = kube;
    server.store.put("nodes", node("a", "True"));
    const events: NodeEvent[] = [];
    handle = await kube.client.watchNodes((e) => events.push(e));
    assert.deepEqual(summary(events), ["ADDED a"]);
    const listed = events[0].node as Node & { status: { images?: unknown } };
    assert.equal(listed.status.images, undefined, "a listed node keeps no images");
    assert.deepEqual(listed.status.conditions, [{ type: "Ready", status: "True" }]);
    assert.deepEqual(listed.spec?.taints, [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }]);
    assert.equal(listed.metadata.labels?.["karpenter.sh/nodepool"], "default");
    await eventually(() => server.activeWatches === 1);
    const watch = server.requests.filter((r) => r.watch)[0];
    assert.equal(watch.path, "/api/v1/nodes");
    assert.equal(watch.query.allowWatchBookmarks, "true");

    server.store.put("nodes", node("b", "False"));
    server.store.mutate("nodes", "b", undefined, (n) => {
      (n.status as { conditions: { status: string }[] }).conditions[0].status = "True";
    });
    server.store.delete("nodes", "a", undefined);
    await eventually(() => events.length === 4);
    assert.deepEqual(summary(events), ["ADDED a", "ADDED b", "MODIFIED b", "DELETED a"]);
    assert.equal(events[2].node.status?.conditions?.[0].status, "True");
  });

  it("re-lists after 410 Gone and emits the difference", async () => {
    kube = await startFakeKube();
    const { server } = kube;
    server.store.put("nodes", node("stays", "False"));
    server.store.put("nodes", node("leaves", "True"));
    const events: NodeEvent[] = [];
    handle = await kube.client.watchNodes((e) => events.push(e));
    await eventually(() => server.activeWatches === 1);
    server.faults.startOutage(503);
    server.dropWatches();
    server.store.mutate("nodes", "stays", undefined, (n) => {
      (n.status as { conditions: { status: string }[] }).conditions[0].status = "True";
    });
    server.store.delete("nodes", "leaves", undefined);
    server.store.put("nodes", node("arrives", "False"));
    server.store.compact();
    await eventually(() => server.requests.filter((r) => r.watch).length >= 2, 3000, "a failed reconnect");
    server.faults.endOutage();
    await eventually(() => events.length === 5, 3000, "re-list events");
    assert.deepEqual(summary(events).slice(2).sort(), ["ADDED arrives", "DELETED leaves", "MODIFIED stays"]);
  });

  it("keeps of a node only identity, labels, taints and condition statuses", () => {
    const kept = nodeEssentials({
      metadata: {
        name: "n",
        uid: "u",
        resourceVersion: "7",
        labels: { a: "b" },
        annotations: { big: "x".repeat(1000) },
      },
      spec: { providerID: "aws:///z/i-1", taints: [{ key: "k", effect: "NoSchedule" }] },
      status: {
        capacity: { cpu: "2" },
        conditions: [
          { type: "Ready", status: "True", reason: "KubeletReady", lastTransitionTime: "2026-01-01T00:00:00Z" },
        ],
      },
    });
    assert.deepEqual(kept, {
      metadata: { name: "n", uid: "u", resourceVersion: "7", labels: { a: "b" } },
      spec: { taints: [{ key: "k", effect: "NoSchedule" }] },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    });
  });
});
