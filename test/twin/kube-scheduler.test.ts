import assert from "node:assert/strict";
import { test } from "node:test";
import type { Node, Pod } from "../../lib/core/kube-objects.js";
import { schedulePass } from "../../lib/twin/kube-scheduler.js";

function node(name: string, zone: string, cpu = "2", extra: Partial<Node["spec"]> = {}): Node {
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone } },
    spec: { ...extra },
    status: { allocatable: { cpu, memory: "4Gi", pods: "10" }, conditions: [{ type: "Ready", status: "True" }] },
  };
}

function pod(name: string, cpu: string, extra: Partial<Pod["spec"]> = {}, labels: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace: "default", labels },
    spec: { containers: [{ name: "c", resources: { requests: { cpu } } }], ...extra },
  };
}

test("binds pods that fit and reports the rest as unschedulable", () => {
  const r = schedulePass([node("n1", "a", "2")], [pod("p1", "1500m"), pod("p2", "1")]);
  assert.deepEqual(
    r.bindings.map((b) => `${b.pod.metadata.name}->${b.nodeName}`),
    ["p1->n1"],
  );
  assert.equal(r.unschedulable[0].pod.metadata.name, "p2");
});

test("untolerated taints, cordons and not-ready nodes are filtered", () => {
  const tainted = node("t", "a", "8", { taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }] });
  const cordoned = node("c", "a", "8", { unschedulable: true });
  const notReady = node("r", "a", "8");
  notReady.status!.conditions = [{ type: "Ready", status: "False" }];
  const r = schedulePass([tainted, cordoned, notReady], [pod("p", "1")]);
  assert.equal(r.bindings.length, 0);
  const tolerating = pod("q", "1", { tolerations: [{ key: "gpu", operator: "Exists" }] });
  assert.equal(schedulePass([tainted], [tolerating]).bindings[0].nodeName, "t");
});

test("zone topology spread with maxSkew 1 is enforced", () => {
  const spread = {
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { app: "web" } },
      },
    ],
  };
  const pods = [0, 1, 2].map((i) => pod(`w${i}`, "100m", spread, { app: "web" }));
  const r = schedulePass([node("a1", "a", "8"), node("b1", "b", "8")], pods);
  const zones = r.bindings.map((b) => b.nodeName);
  assert.equal(zones.length, 3);
  assert.ok(Math.abs(zones.filter((z) => z === "a1").length - zones.filter((z) => z === "b1").length) <= 1);
});

test("required hostname anti-affinity puts one pod per node", () => {
  const anti = {
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "db" } } },
        ],
      },
    },
  };
  const pods = [0, 1, 2].map((i) => pod(`d${i}`, "100m", anti, { app: "db" }));
  const r = schedulePass([node("n1", "a", "8"), node("n2", "b", "8")], pods);
  assert.equal(r.bindings.length, 2);
  assert.notEqual(r.bindings[0].nodeName, r.bindings[1].nodeName);
  assert.equal(r.unschedulable.length, 1);
});

test("node selector and required node affinity must match", () => {
  const r = schedulePass(
    [node("n1", "a", "8"), node("n2", "b", "8")],
    [
      pod("sel", "1", { nodeSelector: { "topology.kubernetes.io/zone": "b" } }),
      pod("aff", "1", {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["a"] }] },
              ],
            },
          },
        },
      }),
    ],
  );
  assert.deepEqual(
    r.bindings.map((b) => `${b.pod.metadata.name}->${b.nodeName}`),
    ["sel->n2", "aff->n1"],
  );
});

test("pods are scheduled oldest first, not in the store's name order", () => {
  const at = (p: Pod, iso: string): Pod => ({ ...p, metadata: { ...p.metadata, creationTimestamp: iso } });
  // Listed by name (as the apiserver lists them): "a-young" first, though "z-old" has waited longer.
  const pods = [at(pod("a-young", "1500m"), "2026-01-05T12:02:00Z"), at(pod("z-old", "1500m"), "2026-01-05T12:00:00Z")];
  const r = schedulePass([node("n1", "a", "2")], pods);
  assert.deepEqual(
    r.bindings.map((b) => `${b.pod.metadata.name}->${b.nodeName}`),
    ["z-old->n1"],
  );
  assert.equal(r.unschedulable[0].pod.metadata.name, "a-young");
});
