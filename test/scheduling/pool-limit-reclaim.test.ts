/**
 * Pool limits are charged by each open bin's target type, usually far larger than what the bin ends up holding.
 * When the limits run out, open bins must be right-sized early so that pods needing new nodes (hostname
 * anti-affinity: one per node) still get them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GROUP_ANNOTATION, karpenterDiverse } from "../../bench/scenarios/karpenter-diverse.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import { checkPlacement } from "../support/placement-checker.js";

/** The karpenter-diverse workload under a memory limit of `largestTypes` of its largest type (800 GiB each). */
function limitedDiverse(pods: number, largestTypes: number) {
  const input = karpenterDiverse(pods);
  const pool = input.pools[0].pool;
  input.pools[0] = { ...input.pools[0], pool: { ...pool, limits: { memory: `${largestTypes * 800}Gi` } } };
  return input;
}

describe("pool limits with over-sized bin targets", () => {
  it("opens a node per anti-affinity pod once the targets would exhaust the limit", () => {
    const input = limitedDiverse(100, 4);
    const antiPods = input.pods.filter((p) => p.metadata.annotations?.[GROUP_ANNOTATION] === "hostname-anti-affinity");
    assert.equal(antiPods.length, 20);
    const result = solve(input);
    assert.deepEqual(
      result.unschedulable.map((u) => `${u.pod.metadata.name}: ${u.reason}`),
      [],
    );
    assert.ok(result.newNodes.length >= 20, `${result.newNodes.length} nodes`);
    assert.deepEqual(checkPlacement(input, result), []);
  });

  it("still reports pods that no right-sizing can fit under the limit", () => {
    const result = solve(limitedDiverse(100, 0.01));
    assert.ok(result.unschedulable.length > 0);
    assert.ok(
      result.unschedulable.every((u) => /limit/i.test(u.reason)),
      result.unschedulable[0]?.reason,
    );
  });
});
