import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScenario, type SolveFn } from "../../bench/measure.js";
import { COST_SCENARIOS, costScenario } from "../../bench/scenarios/cost.js";
import { karpenterDiverse } from "../../bench/scenarios/karpenter-diverse.js";
import { lowerBound } from "../../lib/scheduling/bound/lower-bound.js";
import type { NewNode, SolveResult } from "../../lib/scheduling/types.js";

/** A deliberately naive packer: one node per pod on the first pool's cheapest type that fits. */
const onePodPerNode: SolveFn = (input) => {
  const newNodes: NewNode[] = [];
  let cost = 0;
  const { pool } = input.pools[0];
  // The cost scenarios' general pool: categories c, m, r of generation > 2.
  const instanceTypes = input.pools[0].instanceTypes.filter(
    (t) =>
      ["c", "m", "r"].includes(t.labels["karpenter.k8s.aws/instance-category"]) &&
      Number(t.labels["karpenter.k8s.aws/instance-generation"]) > 2,
  );
  for (const pod of input.pods) {
    const cheapest = instanceTypes
      .flatMap((t) => t.offerings.filter((o) => o.available).map((o) => ({ t, o })))
      .sort((a, b) => a.o.price - b.o.price)[0];
    cost += cheapest.o.price;
    newNodes.push({ pool: pool.name, instanceType: cheapest.t, offering: cheapest.o, pods: [pod] } as NewNode);
  }
  return { newNodes, existingAssignments: new Map(), unschedulable: [], costPerHour: cost } satisfies SolveResult;
};

describe("benchmark scenarios", () => {
  it("karpenter-diverse: 400 fake types, five equal groups, deterministic by seed", () => {
    const a = karpenterDiverse(103);
    assert.equal(a.pods.length, 103);
    const types = a.pools[0].instanceTypes;
    assert.equal(types.length, 400);
    assert.equal(types[0].allocatable.cpu, 900);
    assert.equal(types[399].capacity.pods, 4000);
    assert.ok(Math.abs(types[1].offerings[0].price - 0.6) < 1e-9);
    assert.deepEqual(
      types[0].offerings.map((o) => `${o.zone}/${o.capacityType}`),
      [
        "test-zone-1/spot",
        "test-zone-2/spot",
        "test-zone-1/on-demand",
        "test-zone-2/on-demand",
        "test-zone-3/on-demand",
      ],
    );
    const anti = a.pods.filter((p) => p.spec.affinity?.podAntiAffinity);
    assert.equal(anti.length, 20);
    assert.equal(a.pods.filter((p) => p.spec.topologySpreadConstraints).length, 40);
    assert.equal(a.pods.filter((p) => p.spec.affinity?.podAffinity).length, 20);
    assert.deepEqual(karpenterDiverse(103).pods, a.pods);
    assert.notDeepEqual(karpenterDiverse(103, 7).pods, a.pods);
  });

  it("the lower bound of karpenter-diverse needs one node per anti-affinity pod", async () => {
    const input = karpenterDiverse(50);
    input.pools[0].instanceTypes = input.pools[0].instanceTypes.slice(0, 8);
    const lb = await lowerBound(input, { integerNodes: false });
    assert.ok(lb.costPerHour >= 10 * 0.3 - 1e-9, `bound ${lb.costPerHour}`);
  });

  it("cost scenarios are deterministic and use the real on-demand prices", () => {
    for (const name of COST_SCENARIOS) {
      const s = costScenario(name, 20);
      assert.equal(s.pods.length, 20);
      assert.deepEqual(costScenario(name, 20).pods, s.pods);
      for (const { instanceTypes } of s.pools) {
        assert.ok(instanceTypes.every((t) => t.offerings.every((o) => o.capacityType === "on-demand")));
      }
    }
    const gpu = costScenario("cost-gpu", 20);
    assert.equal(gpu.pools.length, 2);
    assert.ok(gpu.pods.some((p) => p.spec.containers[0].resources?.requests?.["nvidia.com/gpu"] === "1"));
    const m5 = gpu.pools[0].instanceTypes.find((t) => t.name === "m5.large");
    assert.equal(m5?.offerings[0].price, 0.096);
  });

  it("runScenario times solve() and reports cost against the lower bound", async () => {
    const r = await runScenario(onePodPerNode, "cost-web", 4, { seed: 42, repeats: 2, memory: true, boundSeconds: 5 });
    assert.equal(r.scenario, "cost-web");
    assert.equal(r.pods, 4);
    assert.equal(r.scheduled, 4);
    assert.equal(r.nodes, 4);
    assert.ok(r.durationMs >= 0);
    assert.ok(r.lowerBoundPerHour !== undefined && r.lowerBoundPerHour > 0);
    assert.ok(r.ratio !== undefined && r.ratio >= 1 - 1e-6, `ratio ${r.ratio}`);
    assert.equal(typeof r.heapDeltaMB, "number");
  });
});
