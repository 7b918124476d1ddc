/** The karpenter-diverse generator has the shape bench/README.md documents; timing lives in bench/. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GROUP_ANNOTATION, karpenterDiverse } from "../../bench/scenarios/karpenter-diverse.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import { podRequests } from "../../lib/scheduling/primitives/pod-requests.js";
import { checkPlacement } from "../support/placement-checker.js";

describe("karpenter-diverse scenario", () => {
  it("has five equal groups with the remainder generic", () => {
    const inp = karpenterDiverse(1003);
    const counts: Record<string, number> = {};
    for (const p of inp.pods)
      counts[p.metadata.annotations?.[GROUP_ANNOTATION] ?? "?"] =
        (counts[p.metadata.annotations?.[GROUP_ANNOTATION] ?? "?"] ?? 0) + 1;
    assert.deepEqual(counts, {
      generic: 200 + 3,
      "zonal-spread": 200,
      "hostname-spread": 200,
      "zonal-affinity": 200,
      "hostname-anti-affinity": 200,
    });
  });

  it("builds 400 fake types and one pool with huge limits", () => {
    const inp = karpenterDiverse(5);
    const types = inp.pools[0].instanceTypes;
    assert.equal(inp.pools.length, 1);
    assert.equal(types.length, 400);
    assert.deepEqual(types[9].capacity, { cpu: 10_000, memory: 20 * 2 ** 30, pods: 100 });
    assert.deepEqual(types[9].overhead, { cpu: 100, memory: 10 * 2 ** 20 });
    assert.deepEqual(
      types[9].offerings.map((o) => `${o.capacityType}/${o.zone}/${o.price.toFixed(1)}`),
      [
        "spot/test-zone-1/3.0",
        "spot/test-zone-2/3.0",
        "on-demand/test-zone-1/3.0",
        "on-demand/test-zone-2/3.0",
        "on-demand/test-zone-3/3.0",
      ],
    );
    assert.equal(inp.pools[0].pool.limits.cpu, "10000000");
  });

  it("draws requests from the documented sets, deterministically per seed", () => {
    const a = karpenterDiverse(500);
    const cpus = new Set<number>();
    const mems = new Set<number>();
    for (const p of a.pods) {
      const r = podRequests(p);
      cpus.add(r.cpu);
      mems.add(r.memory / 2 ** 20);
    }
    assert.deepEqual(
      [...cpus].sort((x, y) => x - y),
      [100, 250, 500, 1000, 1500],
    );
    assert.deepEqual(
      [...mems].sort((x, y) => x - y),
      [100, 256, 512, 1024, 2048, 4096],
    );
    assert.deepEqual(
      karpenterDiverse(500).pods.map((p) => p.spec),
      a.pods.map((p) => p.spec),
    );
    assert.notDeepEqual(
      karpenterDiverse(500, 7).pods.map((p) => p.spec),
      a.pods.map((p) => p.spec),
    );
  });

  it("schedules every pod of a small instance validly, one anti-affinity pod per node", () => {
    const inp = karpenterDiverse(250);
    const res = solve(inp);
    assert.equal(res.unschedulable.length, 0);
    assert.ok(res.newNodes.length >= 50 && res.newNodes.length <= 60, `${res.newNodes.length} nodes`);
    assert.deepEqual(checkPlacement(inp, res), []);
  });
});
