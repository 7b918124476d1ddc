/**
 * `minValues` in the packer: a new node's instance-type options span the distinct values a pool requirement asks
 * for, even when that means reaching past the cheapest 60; `Strict` refuses a node that cannot, `BestEffort` relaxes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { solve } from "../../lib/scheduling/packer/solve.js";
import type { InstanceType } from "../../lib/scheduling/types.js";
import { input, instanceType, nodePool, pods } from "../support/scheduling-fixtures.js";

const FAMILY = "karpenter.k8s.aws/instance-family";

/** 70 cheap `cheap<n>` types in one family, then pricier types in families f1..f6. */
function catalog(): InstanceType[] {
  const out: InstanceType[] = [];
  for (let i = 0; i < 70; i++) {
    out.push(instanceType(`cheap.x${i}`, { cpu: 4, memGiB: 16, family: "cheap", price: 0.1 + i * 0.0001 }));
  }
  for (let f = 1; f <= 6; f++) out.push(instanceType(`f${f}.xlarge`, { cpu: 4, memGiB: 16, price: 0.5 + f * 0.01 }));
  // Only f1 and f2 come in a size that holds 30 vCPU.
  out.push(instanceType("f1.8xlarge", { cpu: 32, memGiB: 128, price: 2 }));
  out.push(instanceType("f2.8xlarge", { cpu: 32, memGiB: 128, price: 2.1 }));
  return out;
}

const families = (types: InstanceType[]) => new Set(types.map((t) => t.labels[FAMILY]));

function minValuesPool(minValues: number) {
  return nodePool("spread", { requirements: [{ key: FAMILY, operator: "Exists", values: [], minValues }] });
}

test("minValues: 5 instance families among the options, reaching past the 60 cheapest types", () => {
  const res = solve(input(pods("web", 2, { cpu: "1" }), [{ pool: minValuesPool(5), instanceTypes: catalog() }]));
  assert.equal(res.unschedulable.length, 0);
  assert.equal(res.newNodes.length, 1);
  const node = res.newNodes[0];
  assert.ok(node.instanceTypeOptions.length <= 60, `${node.instanceTypeOptions.length} options`);
  assert.ok(families(node.instanceTypeOptions).size >= 5, [...families(node.instanceTypeOptions)].join(","));
  assert.equal(node.instanceType.name, "cheap.x0", "the cheapest type stays first");
  assert.equal(node.minValuesRelaxed, undefined);
});

test("without minValues the options are the 60 cheapest (one family here)", () => {
  const res = solve(input(pods("web", 2, { cpu: "1" }), [{ pool: nodePool("plain"), instanceTypes: catalog() }]));
  assert.equal(res.newNodes[0].instanceTypeOptions.length, 60);
  assert.deepEqual([...families(res.newNodes[0].instanceTypeOptions)], ["cheap"]);
});

test("Strict: a node whose fitting types span too few families is refused; its pods say why", () => {
  const big = pods("batch", 1, { cpu: "30" });
  const res = solve(input(big, [{ pool: minValuesPool(3), instanceTypes: catalog() }]));
  assert.equal(res.newNodes.length, 0);
  assert.equal(res.unschedulable.length, 1);
  assert.match(res.unschedulable[0].reason, /minValues not met/);
  assert.match(res.unschedulable[0].reason, /karpenter\.k8s\.aws\/instance-family needs 3 distinct values/);
  assert.match(res.unschedulable[0].reason, /offer 2 \(f1, f2\)/);
});

test("BestEffort: the same node launches with what fits and reports the relaxation", () => {
  const big = pods("batch", 1, { cpu: "30" });
  const res = solve(
    input(big, [{ pool: minValuesPool(3), instanceTypes: catalog() }], { minValuesPolicy: "BestEffort" }),
  );
  assert.equal(res.unschedulable.length, 0);
  assert.equal(res.newNodes.length, 1);
  assert.deepEqual(res.newNodes[0].minValuesRelaxed, [{ key: FAMILY, minValues: 3, found: 2, values: ["f1", "f2"] }]);
});
