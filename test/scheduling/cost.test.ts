/** Cost behaviour: right-sizing, type choice by price per unit, and mixing pods so both dimensions fill. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lowerBound } from "../../lib/scheduling/bound/lower-bound.js";
import { solveCoveringLp } from "../../lib/scheduling/cost/lp.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import type { InstanceType, SolveInput } from "../../lib/scheduling/types.js";
import { checkPlacement } from "../support/placement-checker.js";
import { input, nodePool, pods, smallCatalog } from "../support/scheduling-fixtures.js";

/** Aggregate LP bound: cheapest fractional fleet covering total cpu, memory and pod slots (a lower bound). */
function aggregateBound(inp: SolveInput, types: InstanceType[]): number {
  const demand = [0, 0, 0];
  for (const p of inp.pods) {
    const r = p.spec.containers[0].resources?.requests ?? {};
    demand[0] += Number.parseFloat(String(r.cpu ?? 0)) * (String(r.cpu).endsWith("m") ? 0.001 : 1);
    demand[1] += Number.parseFloat(String(r.memory ?? 0)) / (String(r.memory).endsWith("Mi") ? 1024 : 1);
    demand[2] += 1;
  }
  const price = (t: InstanceType) => Math.min(...t.offerings.filter((o) => o.available).map((o) => o.price));
  const rows = [
    Float64Array.from(types, (t) => t.allocatable.cpu / 1000),
    Float64Array.from(types, (t) => t.allocatable.memory / 2 ** 30),
    Float64Array.from(types, (t) => t.allocatable.pods),
  ];
  const sol = solveCoveringLp(types.map(price), rows, demand);
  assert.ok(sol);
  return sol.value;
}

describe("cost", () => {
  it("right-sizes a lone small pod to the cheapest type", () => {
    const catalog = smallCatalog();
    const res = solve(
      input(pods("a", 1, { cpu: "250m", memory: "256Mi" }), [{ pool: nodePool("p"), instanceTypes: catalog }]),
    );
    assert.equal(res.newNodes[0].instanceType.name, "c5.large");
  });

  it("lands within 10 % of the LP lower bound for a cpu-heavy + memory-heavy mix", async () => {
    const catalog = smallCatalog();
    const inp = input(
      [...pods("cpu", 60, { cpu: "1", memory: "512Mi" }), ...pods("mem", 60, { cpu: "250m", memory: "6Gi" })],
      [{ pool: nodePool("p"), instanceTypes: catalog }],
    );
    const res = solve(inp);
    assert.deepEqual(checkPlacement(inp, res), []);
    const bound = (await lowerBound(inp, { integerNodes: false })).costPerHour;
    assert.ok(res.costPerHour <= bound * 1.1, `cost ${res.costPerHour.toFixed(4)} vs bound ${bound.toFixed(4)}`);
  });

  it("prefers a mix of families over one family when the workload's ratio sits between them", async () => {
    const catalog = smallCatalog();
    const inp = input(
      [...pods("a", 40, { cpu: "1", memory: "1Gi" }), ...pods("b", 40, { cpu: "1", memory: "5Gi" })],
      [{ pool: nodePool("p"), instanceTypes: catalog }],
    );
    const res = solve(inp);
    const bound = (await lowerBound(inp, { integerNodes: false })).costPerHour;
    assert.ok(res.costPerHour <= bound * 1.1, `cost ${res.costPerHour.toFixed(4)} vs bound ${bound.toFixed(4)}`);
    const families = new Set(res.newNodes.map((n) => n.instanceType.name[0]));
    assert.ok(families.size >= 2, `families ${[...families].join(",")}`);
  });

  it("stays within 5 % of the aggregate LP bound when pods are small against nodes", () => {
    const catalog = smallCatalog();
    const inp = input(
      [...pods("cpu", 300, { cpu: "250m", memory: "256Mi" }), ...pods("mem", 200, { cpu: "100m", memory: "2Gi" })],
      [{ pool: nodePool("p"), instanceTypes: catalog }],
    );
    const res = solve(inp);
    assert.deepEqual(checkPlacement(inp, res), []);
    const bound = aggregateBound(inp, catalog);
    assert.ok(res.costPerHour <= bound * 1.05, `cost ${res.costPerHour.toFixed(4)} vs bound ${bound.toFixed(4)}`);
  });
});
