import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "../../lib/core/kube-objects.js";
import { parseResourceList } from "../../lib/core/quantity.js";
import { seededRandom } from "../../lib/core/seeded-random.js";
import { lowerBound } from "../../lib/scheduling/bound/lower-bound.js";
import type { InstanceType } from "../../lib/scheduling/types.js";
import { fakeType, input, pod, pool } from "./fixtures.js";

const rng = seededRandom;

/** Exact optimum by enumerating every partition of the pods into nodes (each block on its cheapest fitting type). */
function bruteForce(pods: Pod[], types: InstanceType[]): number {
  const req = pods.map((p) => ({ ...parseResourceList(p.spec.containers[0].resources?.requests), pods: 1 }));
  const blockCost = (block: number[]): number => {
    let best = Number.POSITIVE_INFINITY;
    for (const t of types) {
      const ok = block.every((i) =>
        Object.entries(pods[i].spec.nodeSelector ?? {}).every(([k, v]) => t.labels[k] === v),
      );
      if (!ok) continue;
      const sum: Record<string, number> = {};
      for (const i of block) for (const [k, v] of Object.entries(req[i])) sum[k] = (sum[k] ?? 0) + v;
      if (Object.entries(sum).every(([k, v]) => v <= (t.allocatable[k] ?? 0))) {
        best = Math.min(best, ...t.offerings.map((o) => o.price));
      }
    }
    return best;
  };
  let best = Number.POSITIVE_INFINITY;
  const blocks: number[][] = [];
  const rec = (i: number, cost: number) => {
    if (cost >= best) return;
    if (i === pods.length) {
      best = cost;
      return;
    }
    for (const b of blocks) {
      const before = blockCost(b);
      b.push(i);
      const after = blockCost(b);
      if (Number.isFinite(after)) rec(i + 1, cost - before + after);
      b.pop();
    }
    blocks.push([i]);
    const c = blockCost([i]);
    if (Number.isFinite(c)) rec(i + 1, cost + c);
    blocks.pop();
  };
  rec(0, 0);
  return best;
}

const EPS = 1e-6;

describe("cost lower bound", () => {
  it("is ≤ the brute-force optimum on 30 random small instances (and ≥ the LP optimum)", async () => {
    const cpus = ["250m", "500m", "1", "1500m", "2"];
    const mems = ["256Mi", "1Gi", "2Gi", "3Gi", "6Gi"];
    let tight = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(seed);
      const types = [0, 1, 2].map((i) => {
        const cpu = 1 + Math.floor(r() * 4);
        const mem = cpu * (1 + Math.floor(r() * 4));
        const gpu = i === 2 && r() < 0.5;
        return fakeType(
          `t${i}`,
          cpu,
          mem,
          Math.round((0.04 * cpu + 0.01 * mem + (gpu ? 0.5 : 0)) * (0.8 + r() * 0.4) * 1e4) / 1e4,
          {
            pods: 2 + Math.floor(r() * 4),
            labels: { tier: i === 0 ? "a" : "b" },
            extra: gpu ? { "nvidia.com/gpu": 1 } : {},
          },
        );
      });
      const pods = Array.from({ length: 2 + Math.floor(r() * 5) }, (_, i) => {
        const requests: Record<string, string> = { cpu: cpus[Math.floor(r() * 3)], memory: mems[Math.floor(r() * 5)] };
        if (types[2].allocatable["nvidia.com/gpu"] && r() < 0.2) requests["nvidia.com/gpu"] = "1";
        return pod(`p${i}`, requests, r() < 0.25 ? { nodeSelector: { tier: "b" } } : {});
      });
      const opt = bruteForce(pods, types);
      if (!Number.isFinite(opt)) continue;
      const lb = await lowerBound(input(pods, [{ pool: pool("default"), instanceTypes: types }]), {
        timeLimitSeconds: 5,
      });
      assert.equal(lb.excludedPods, 0, `seed ${seed}`);
      assert.ok(lb.costPerHour <= opt * (1 + EPS) + EPS, `seed ${seed}: bound ${lb.costPerHour} > optimum ${opt}`);
      assert.ok(lb.costPerHour >= lb.lpCostPerHour - EPS, `seed ${seed}: integer bound below LP`);
      assert.ok(lb.costPerHour > 0);
      if (Math.abs(lb.costPerHour - opt) <= EPS) tight++;
    }
    assert.ok(tight >= 15, `the integer bound should often be exact on tiny instances (${tight}/30)`);
  });

  it("equals the optimum when the problem is fractional-friendly", async () => {
    const pods = Array.from({ length: 4 }, (_, i) => pod(`p${i}`, { cpu: "1", memory: "1Gi" }));
    const types = [fakeType("big", 2, 4, 1), fakeType("small", 1, 2, 0.6)];
    const lb = await lowerBound(input(pods, [{ pool: pool("default"), instanceTypes: types }]), {
      integerNodes: false,
    });
    assert.equal(lb.status, "lp");
    assert.ok(Math.abs(lb.costPerHour - 2) < EPS);
    assert.ok(Math.abs(bruteForce(pods, types) - 2) < EPS);
  });

  it("counts a container limit without a request as the request", async () => {
    const limited = (name: string): Pod => ({
      metadata: { name, namespace: "default" },
      spec: { containers: [{ name: "c", resources: { limits: { cpu: "1", memory: "1Gi" } } }] },
    });
    const pods = [limited("a"), limited("b")];
    const types = [fakeType("big", 2, 4, 1), fakeType("small", 1, 2, 0.6)];
    const lb = await lowerBound(input(pods, [{ pool: pool("default"), instanceTypes: types }]), {
      integerNodes: false,
    });
    assert.equal(lb.status, "lp");
    assert.ok(Math.abs(lb.costPerHour - 1) < EPS, `bound ${lb.costPerHour}`);
  });

  it("leaves out the pods the packer does not plan (bound, nominated, DaemonSet, finished, terminating)", async () => {
    const types = [fakeType("small", 1, 2, 0.6)];
    const skipped: Pod[] = [
      pod("bound", { cpu: "1" }, { nodeName: "n" }),
      { ...pod("nominated", { cpu: "1" }), status: { nominatedNodeName: "n" } },
      { ...pod("done", { cpu: "1" }), status: { phase: "Failed" } },
      (() => {
        const p = pod("going", { cpu: "1" });
        p.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
        return p;
      })(),
      (() => {
        const p = pod("ds", { cpu: "1" });
        p.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "d" }];
        return p;
      })(),
    ];
    const pools = [{ pool: pool("default"), instanceTypes: types }];
    const lb = await lowerBound(input([pod("real", { cpu: "1" }), ...skipped], pools), { integerNodes: false });
    assert.ok(Math.abs(lb.costPerHour - 0.6) < EPS, `bound ${lb.costPerHour}`);
  });

  it("integer node counts close the LP gap", async () => {
    const pods = Array.from({ length: 3 }, (_, i) => pod(`p${i}`, { cpu: "1" }));
    const types = [fakeType("big", 2, 4, 1), fakeType("small", 1, 2, 0.6)];
    const si = input(pods, [{ pool: pool("default"), instanceTypes: types }]);
    const lp = await lowerBound(si, { integerNodes: false });
    const mip = await lowerBound(si);
    assert.ok(Math.abs(lp.costPerHour - 1.5) < EPS);
    assert.equal(mip.status, "optimal");
    assert.ok(Math.abs(mip.costPerHour - 1.6) < EPS);
  });

  it("self-selecting hostname anti-affinity puts each pod on its own node", async () => {
    const anti = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "nginx" } } },
          ],
        },
      },
    };
    const pods = Array.from({ length: 3 }, (_, i) => pod(`p${i}`, { cpu: "100m" }, anti, { app: "nginx" }));
    const lb = await lowerBound(input(pods, [{ pool: pool("default"), instanceTypes: [fakeType("t", 4, 8, 1)] }]), {
      integerNodes: false,
    });
    assert.ok(Math.abs(lb.costPerHour - 3) < EPS);
  });

  it("existing free capacity is free; cordoned nodes are not", async () => {
    const pods = [pod("a", { cpu: "1" }), pod("b", { cpu: "1" })];
    const node = {
      name: "n1",
      labels: { "kubernetes.io/hostname": "n1" },
      taints: [],
      allocatable: { cpu: 3000, memory: 8 * 2 ** 30, pods: 10 },
      pods: [pod("bound", { cpu: "1" }, { nodeName: "n1" })],
    };
    const pools = [{ pool: pool("default"), instanceTypes: [fakeType("t", 1, 2, 1)] }];
    const free = await lowerBound(input(pods, pools, { existingNodes: [node] }));
    assert.ok(Math.abs(free.costPerHour) < EPS);
    const cordoned = await lowerBound(input(pods, pools, { existingNodes: [{ ...node, unschedulable: true }] }));
    assert.ok(Math.abs(cordoned.costPerHour - 2) < EPS);
  });

  it("DaemonSets that certainly run on a node reduce its capacity", async () => {
    const pods = Array.from({ length: 2 }, (_, i) => pod(`p${i}`, { cpu: "1" }));
    const ds = {
      metadata: { name: "agent" },
      spec: { template: { spec: { containers: [{ name: "a", resources: { requests: { cpu: "500m" } } }] } } },
    };
    const pools = [{ pool: pool("default"), instanceTypes: [fakeType("t", 2, 4, 1)] }];
    const without = await lowerBound(input(pods, pools));
    const withDs = await lowerBound(input(pods, pools, { daemonSets: [ds] }), { integerNodes: false });
    assert.ok(Math.abs(without.costPerHour - 1) < EPS);
    assert.ok(Math.abs(withDs.costPerHour - 2 / 1.5) < EPS);
  });

  it("taints, node selectors, GPUs and pool requirements restrict where pods may go", async () => {
    const gpuType = fakeType("gpu", 4, 16, 3, { extra: { "nvidia.com/gpu": 1 } });
    const cpuType = fakeType("cpu", 4, 16, 0.5, { labels: { "karpenter.k8s.aws/instance-category": "c" } });
    const spotCpu = fakeType("cpu-spot", 4, 16, 0.1, { capacityType: "spot" });
    const tainted = pool("gpu", { taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }] });
    const onDemand = pool("default", {
      requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }],
    });
    const pools = [
      { pool: tainted, instanceTypes: [gpuType] },
      { pool: onDemand, instanceTypes: [cpuType, spotCpu] },
    ];
    const gpuPod = pod("g", { cpu: "1", "nvidia.com/gpu": "1" }, { tolerations: [{ key: "gpu", operator: "Exists" }] });
    const lb = await lowerBound(input([gpuPod, pod("c", { cpu: "1" })], pools));
    assert.ok(Math.abs(lb.costPerHour - 3.5) < EPS, `got ${lb.costPerHour}`);
    const untolerated = await lowerBound(input([pod("g2", { cpu: "1", "nvidia.com/gpu": "1" })], pools));
    assert.equal(untolerated.excludedPods, 1);
    assert.equal(untolerated.status, "no-pods");
    const selected = await lowerBound(
      input([pod("s", { cpu: "1" }, { nodeSelector: { "karpenter.k8s.aws/instance-category": "m" } })], pools),
    );
    assert.equal(selected.excludedPods, 1);
  });

  it("reports an LP stopped by its time limit as an error with bound 0", async () => {
    const pods = Array.from({ length: 3 }, (_, i) => pod(`p${i}`, { cpu: "1" }));
    const lb = await lowerBound(input(pods, [{ pool: pool("default"), instanceTypes: [fakeType("t", 2, 4, 1)] }]), {
      lpTimeLimitSeconds: 1e-9,
    });
    assert.equal(lb.costPerHour, 0);
    assert.match(lb.status, /^error: /);
  });
});
