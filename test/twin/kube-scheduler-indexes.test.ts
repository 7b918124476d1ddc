/**
 * The indexed kube-scheduler must bind exactly as the naive one did: random clusters with zone spread, required
 * affinity and anti-affinity (both directions), taints, node selectors, host ports and bound pods, frozen like the
 * apiserver's objects so the per-object caches are exercised.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Node, Pod, PodSpec } from "../../lib/core/kube-objects.js";
import { seededRandom } from "../../lib/core/seeded-random.js";
import { schedulePass } from "../../lib/twin/kube-scheduler.js";
import { referenceSchedulePass } from "./reference-kube-scheduler.js";

const ZONES = ["a", "b", "c"];
const APPS = ["web", "db", "cache"];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function randomNode(i: number, random: () => number): Node {
  const zone = ZONES[Math.floor(random() * ZONES.length)];
  const name = `n${i}`;
  const labels: Record<string, string> = { "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone };
  if (random() < 0.1) delete labels["topology.kubernetes.io/zone"];
  const tainted = random() < 0.15;
  return {
    metadata: { name, labels },
    spec: tainted ? { taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }] } : {},
    status: {
      allocatable: { cpu: String(1 + Math.floor(random() * 4)), memory: "8Gi", pods: "6" },
      conditions: [{ type: "Ready", status: random() < 0.9 ? "True" : "False" }],
    },
  };
}

function randomSpec(app: string, random: () => number): PodSpec {
  const spec: PodSpec = {
    containers: [{ name: "c", resources: { requests: { cpu: `${100 + Math.floor(random() * 8) * 100}m` } } }],
  };
  const r = random();
  const selector = { matchLabels: { app } };
  if (r < 0.25) {
    spec.topologySpreadConstraints = [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: selector,
      },
    ];
  } else if (r < 0.4) {
    spec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: "kubernetes.io/hostname", labelSelector: selector },
        ],
      },
    };
  } else if (r < 0.5) {
    spec.affinity = {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "db" } } },
        ],
      },
    };
  } else if (r < 0.6) {
    spec.nodeSelector = { "topology.kubernetes.io/zone": ZONES[Math.floor(random() * ZONES.length)] };
  } else if (r < 0.65) {
    spec.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }];
  }
  if (random() < 0.2) spec.tolerations = [{ key: "dedicated", operator: "Exists" }];
  return spec;
}

function randomCluster(seed: number): { nodes: Node[]; pods: Pod[] } {
  const random = seededRandom(seed);
  const nodes = Array.from({ length: 3 + Math.floor(random() * 12) }, (_, i) => randomNode(i, random));
  // A few workload templates, many pods each, as Deployments make them.
  const templates = Array.from({ length: 4 }, () => {
    const app = APPS[Math.floor(random() * APPS.length)];
    return { app, spec: randomSpec(app, random) };
  });
  const pods: Pod[] = [];
  for (let i = 0; i < 10 + Math.floor(random() * 50); i++) {
    const t = templates[Math.floor(random() * templates.length)];
    const spec = structuredClone(t.spec);
    if (random() < 0.3) spec.nodeName = nodes[Math.floor(random() * nodes.length)].metadata.name;
    pods.push({
      metadata: { name: `p${String(i).padStart(3, "0")}`, namespace: "default", labels: { app: t.app } },
      spec,
    });
  }
  return { nodes: deepFreeze(nodes), pods: deepFreeze(pods) };
}

test("the indexed scheduler binds exactly as the naive reference does", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const { nodes, pods } = randomCluster(seed);
    const got = schedulePass(nodes, pods);
    const want = referenceSchedulePass(nodes, pods);
    const show = (r: typeof got) => ({
      bindings: r.bindings.map((b) => `${b.pod.metadata.name}->${b.nodeName}`),
      unschedulable: r.unschedulable.map((u) => `${u.pod.metadata.name}: ${u.message}`),
    });
    assert.deepEqual(show(got), show(want), `seed ${seed}`);
  }
});
