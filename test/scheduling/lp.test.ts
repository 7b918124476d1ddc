import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fillBin } from "../../lib/scheduling/cost/balanced-fill.js";
import { solveCoveringLp, undominated } from "../../lib/scheduling/cost/lp.js";

describe("solveCoveringLp", () => {
  it("mixes two types when that is cheaper than either alone, with matching duals", () => {
    // type A: 1 cpu + 2 mem for 1.0; type B: 1 cpu + 8 mem for 1.5; need 10 cpu + 50 mem.
    const sol = solveCoveringLp([1, 1.5], [Float64Array.of(1, 1), Float64Array.of(2, 8)], [10, 50]);
    assert.ok(sol);
    // x_A + x_B = 10, 2x_A + 8x_B = 50 → x_B = 5, x_A = 5 → cost 12.5
    assert.ok(Math.abs(sol.value - 12.5) < 1e-9);
    // duals price both types at exactly their cost
    assert.ok(Math.abs(sol.duals[0] * 1 + sol.duals[1] * 2 - 1) < 1e-9);
    assert.ok(Math.abs(sol.duals[0] * 1 + sol.duals[1] * 8 - 1.5) < 1e-9);
  });

  it("returns undefined when a demanded row has no supplier, and 0 for no demand", () => {
    assert.equal(solveCoveringLp([1], [Float64Array.of(1), Float64Array.of(0)], [1, 1]), undefined);
    assert.equal(solveCoveringLp([1], [Float64Array.of(1)], [0])?.value, 0);
  });

  it("drops dominated columns", () => {
    // column 1 costs more and holds less than column 0
    assert.deepEqual(
      undominated([1, 2, 3], [Float64Array.of(4, 4), Float64Array.of(2, 2), Float64Array.of(1, 8)]),
      [0, 2],
    );
  });
});

describe("fillBin", () => {
  it("pairs cpu-heavy and memory-heavy pods so both dimensions fill", () => {
    const cap = Float64Array.of(8, 16);
    const classes = [
      { vec: Float64Array.of(1, 0.5), count: 8 },
      { vec: Float64Array.of(0.25, 3), count: 8 },
    ];
    const taken = fillBin(cap, new Float64Array(2), classes);
    let cpu = 0;
    let mem = 0;
    classes.forEach((c, i) => {
      cpu += c.vec[0] * taken[i];
      mem += c.vec[1] * taken[i];
    });
    assert.ok(cpu <= 8 && mem <= 16);
    assert.ok(taken[0] > 0 && taken[1] > 0, "both kinds share the bin");
    assert.ok(cpu >= 7 && mem >= 14, `well filled: cpu ${cpu}, mem ${mem}`);
  });
});
