import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../../lib/core/kube-objects.js";
import { MAX_POD_CREATIONS_PER_PASS, WorkloadControllers } from "../../lib/twin/workload-controllers.js";
import { MemoryTwinStore } from "../support/memory-twin-store.js";

const template = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "c", resources: { requests: { cpu: "100m" } } }] },
};

function readyNode(name: string) {
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    spec: {},
    status: { conditions: [{ type: "Ready", status: "True" }] },
  };
}

test("deployments keep their replicas, scale down unscheduled pods first and replace deleted pods", () => {
  const store = new MemoryTwinStore();
  const wc = new WorkloadControllers(store);
  store.put("deployments", { metadata: { name: "web", namespace: "default" }, spec: { replicas: 3, template } });
  wc.reconcile(0);
  let pods = store.list<Pod>("pods");
  assert.equal(pods.length, 3);
  assert.deepEqual(pods[0].metadata.labels, { app: "web" });
  store.remove("pods", "default", pods[0].metadata.name ?? "");
  wc.reconcile(1);
  assert.equal(store.list("pods").length, 3);
  store.put("deployments", { metadata: { name: "web", namespace: "default" }, spec: { replicas: 1, template } });
  wc.reconcile(2);
  pods = store.list("pods");
  assert.equal(pods.length, 1);
});

test("statefulsets use ordinals; jobs run to completion; daemonsets land on every node", () => {
  const store = new MemoryTwinStore();
  const started: number[] = [];
  const wc = new WorkloadControllers(store, { podStarted: (_p, ms) => started.push(ms) });
  store.put("statefulsets", { metadata: { name: "db", namespace: "default" }, spec: { replicas: 2, template } });
  store.put("jobs", {
    metadata: { name: "train", namespace: "ml", annotations: { "twin.stevedore.dev/run-for": "5m" } },
    spec: { completions: 1, template },
  });
  store.put("daemonsets", { metadata: { name: "agent", namespace: "kube-system" }, spec: { template } });
  store.put("nodes", readyNode("n1"));
  wc.reconcile(0);
  const names = store
    .list("pods")
    .map((p) => p.metadata.name)
    .sort();
  assert.deepEqual(
    names.filter((n) => n?.startsWith("db-")),
    ["db-0", "db-1"],
  );
  assert.ok(names.includes("agent-n1"));
  const job = store.list<Pod>("pods").find((p) => p.metadata.namespace === "ml") as Pod;
  store.put("pods", { ...job, spec: { ...job.spec, nodeName: "n1" } } as never);
  wc.reconcile(60_000);
  assert.equal(store.get<Pod>("pods", "ml", job.metadata.name ?? "")?.status?.phase, "Running");
  assert.deepEqual(started, [60_000]);
  wc.reconcile(60_000 + 5 * 60_000);
  assert.equal(store.get<Pod>("pods", "ml", job.metadata.name ?? "")?.status?.phase, "Succeeded");
  wc.reconcile(60_000 + 6 * 60_000);
  assert.equal(
    store.list<Pod>("pods").filter((p) => p.metadata.namespace === "ml").length,
    1,
    "no new pod after completion",
  );
});

test("pods on a node that disappeared are garbage-collected and recreated pending", () => {
  const store = new MemoryTwinStore();
  const wc = new WorkloadControllers(store);
  store.put("deployments", { metadata: { name: "web", namespace: "default" }, spec: { replicas: 1, template } });
  wc.reconcile(0);
  const [pod] = store.list<Pod>("pods");
  store.put("pods", { ...pod, spec: { ...pod.spec, nodeName: "gone" } } as never);
  wc.reconcile(1);
  wc.reconcile(2);
  const pods = store.list<Pod>("pods");
  assert.equal(pods.length, 1);
  assert.equal(pods[0].spec.nodeName, undefined);
});

test("a huge Deployment grows by a bounded batch of pods per pass instead of all at once", () => {
  const store = new MemoryTwinStore();
  const wc = new WorkloadControllers(store);
  store.put("deployments", { metadata: { name: "huge", namespace: "default" }, spec: { replicas: 1_200, template } });
  wc.reconcile(0);
  assert.equal(store.list("pods").length, MAX_POD_CREATIONS_PER_PASS);
  wc.reconcile(1);
  wc.reconcile(2);
  assert.equal(store.list("pods").length, 1_200);
});
