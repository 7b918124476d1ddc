/**
 * Property test: random problems (seeded: zones, spot/on-demand, taints, selectors, spreads, (anti-)affinity,
 * GPUs, limits, DaemonSets, existing nodes) are solved and every placement is verified by the independent checker.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { solve } from "../../lib/scheduling/packer/solve.js";
import { checkPlacement, type Violation } from "../support/placement-checker.js";
import { randomProblem } from "../support/scheduling-random.js";

const SEEDS = 1000;

describe("property: solve() never produces a placement the checker rejects", () => {
  it(`holds for ${SEEDS} random problems`, () => {
    const failures: { seed: number; violations: Violation[] }[] = [];
    let placed = 0;
    let unschedulable = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const inp = randomProblem(seed);
      const res = solve(inp);
      const violations = checkPlacement(inp, res);
      if (violations.length > 0) failures.push({ seed, violations });
      for (const n of res.newNodes) placed += n.pods.length;
      for (const ps of res.existingAssignments.values()) placed += ps.length;
      unschedulable += res.unschedulable.length;
      for (const u of res.unschedulable) assert.ok(u.reason.length > 0);
    }
    assert.deepEqual(
      failures.slice(0, 3).map((f) => ({ seed: f.seed, first: f.violations.slice(0, 3).map((v) => v.message) })),
      [],
    );
    // The generator must exercise the packer, not just produce impossible problems.
    assert.ok(placed > unschedulable, `placed ${placed}, unschedulable ${unschedulable}`);
  });
});
