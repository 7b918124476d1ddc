/**
 * The twin kube-scheduler honours `status.nominatedNodeName` as the real one does: a nominated pod is tried on its
 * node first, the pods nominated to a node hold their resources there against pods of no higher priority, and a
 * nomination ends (is cleared) when the pod is bound elsewhere or its node is gone.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Node, Pod } from "../../lib/core/kube-objects.js";
import { ClusterSimulation } from "../../lib/twin/cluster-simulation.js";
import { schedulePass } from "../../lib/twin/kube-scheduler.js";
import { Kubelets } from "../../lib/twin/kubelets.js";
import { WorkloadControllers } from "../../lib/twin/workload-controllers.js";
import { MemoryTwinStore } from "../support/memory-twin-store.js";

function node(name: string, cpu: string, ready = true): Node {
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    spec: {},
    status: {
      allocatable: { cpu, memory: "8Gi", pods: "10" },
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  };
}

let created = 0;

function pod(name: string, cpu: string, nominated?: string, priority?: number): Pod {
  created++;
  return {
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      creationTimestamp: new Date(Date.UTC(2026, 0, 5, 12, 0, created)).toISOString(),
    },
    spec: {
      containers: [{ name: "c", resources: { requests: { cpu } } }],
      ...(priority !== undefined ? { priority } : {}),
    },
    status: { phase: "Pending", ...(nominated ? { nominatedNodeName: nominated } : {}) },
  };
}

function placements(r: ReturnType<typeof schedulePass>): string[] {
  return r.bindings.map((b) => `${b.pod.metadata.name}->${b.nodeName}`);
}

test("pods nominated to nodes keep their places there against older pods that would take them", () => {
  const nodes = [node("a", "2"), node("b", "2")];
  // Without nominations the oldest pod takes a node that another pod was planned for.
  const plain = schedulePass(nodes, [pod("x", "1500m"), pod("y", "1500m"), pod("z", "1500m")]);
  assert.deepEqual(placements(plain), ["x->a", "y->b"]);

  const r = schedulePass(nodes, [pod("x", "1500m"), pod("y", "1500m", "a"), pod("z", "1500m", "b")]);
  assert.deepEqual(placements(r), ["y->a", "z->b"]);
  assert.deepEqual(
    r.unschedulable.map((u) => u.pod.metadata.name),
    ["x"],
  );
  assert.ok(r.bindings.every((b) => !b.clearNomination));
});

test("a nominated pod is tried on its node first, even when another node scores better", () => {
  const r = schedulePass([node("small", "2"), node("big", "16")], [pod("p", "500m", "small")]);
  assert.deepEqual(placements(r), ["p->small"]);
});

test("a nomination holds nothing against pods of higher priority", () => {
  const r = schedulePass([node("a", "2")], [pod("urgent", "1500m", undefined, 100), pod("planned", "1500m", "a")]);
  assert.deepEqual(placements(r), ["urgent->a"]);
  assert.deepEqual(
    r.unschedulable.map((u) => [u.pod.metadata.name, u.clearNomination ?? false]),
    [["planned", false]],
  );
});

test("a nominated pod that no longer fits its node is bound elsewhere and its nomination cleared", () => {
  const full = { ...pod("filler", "2"), spec: { ...pod("f", "2").spec, nodeName: "a" } };
  const r = schedulePass([node("a", "2"), node("b", "2")], [full, pod("p", "1", "a")]);
  assert.deepEqual(placements(r), ["p->b"]);
  assert.equal(r.bindings[0].clearNomination, true);
});

test("a nomination to a node that is gone is cleared; one to a node not yet Ready is kept and holds its place", () => {
  const gone = schedulePass([node("a", "1")], [pod("p", "2", "vanished")]);
  assert.equal(gone.unschedulable[0].clearNomination, true);

  const waiting = schedulePass([node("a", "2", false), node("b", "2")], [pod("x", "1500m"), pod("p", "1500m", "a")]);
  assert.deepEqual(placements(waiting), ["x->b"]);
  assert.deepEqual(
    waiting.unschedulable.map((u) => [u.pod.metadata.name, u.clearNomination ?? false]),
    [["p", false]],
  );
});

test("the cluster tick writes the cleared nominations through the store", () => {
  const store = new MemoryTwinStore();
  store.put("nodes", node("a", "2"));
  store.put("nodes", node("b", "2"));
  store.put("pods", { ...pod("filler", "2"), spec: { ...pod("f", "2").spec, nodeName: "a" } });
  store.put("pods", pod("moved", "1", "a"));
  store.put("pods", pod("orphan", "4", "vanished"));
  const sim = new ClusterSimulation(
    store,
    new Kubelets(store, { region: "us-east-1", bootTimeMs: 0 }),
    new WorkloadControllers(store),
  );
  sim.tick(Date.UTC(2026, 0, 5, 12, 1), []);
  const byName = new Map(store.list<Pod>("pods").map((p) => [p.metadata.name, p]));
  assert.equal(byName.get("moved")?.spec.nodeName, "b");
  assert.equal(byName.get("moved")?.status?.nominatedNodeName, undefined);
  assert.equal(byName.get("orphan")?.spec.nodeName, undefined);
  assert.equal(byName.get("orphan")?.status?.nominatedNodeName, undefined);
  assert.equal(byName.get("orphan")?.status?.conditions?.[0]?.reason, "Unschedulable");
});
