import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { balancedRejection, moveDisruption, poolTotals, scoreMove } from "../../lib/disruption/balanced.js";
import { buildCandidates } from "../../lib/disruption/candidates.js";
import { computeConsolidation } from "../../lib/disruption/consolidation.js";
import { planMemoKey } from "../../lib/disruption/plan-memo.js";
import { ViewIndex } from "../../lib/view/cluster-view.js";
import { mkManaged, mkPool, mkType, mkView, simpleSolver } from "./fixtures.js";

describe("Balanced score", () => {
  // Karpenter's example pool: ten nodes, $58.08/day, 80 pods → disruption 10 × 1 + 80 × 1 = 90.
  const totals = { cost: 58.08, disruption: 90 };

  it("approves an oversized node replaced by a small one (savings 12.5% for 4.4% of the disruption)", () => {
    const s = scoreMove(7.26, 4, totals);
    assert.ok(Math.abs(s.score - 7.26 / 58.08 / (4 / 90)) < 1e-9);
    assert.equal(s.approved, true);
    assert.equal(s.threshold, 0.5);
  });

  it("declines a marginal move: a few percent of cost for many pods", () => {
    const s = scoreMove(0.5, 11, totals);
    assert.ok(s.score < 0.5, String(s.score));
    assert.equal(s.approved, false);
  });

  it("never approves zero savings or a pool without cost; approves any saving when nothing is disrupted", () => {
    assert.equal(scoreMove(0, 1, totals).approved, false);
    assert.equal(scoreMove(1, 1, { cost: 0, disruption: 5 }).approved, false);
    assert.equal(scoreMove(1, 1, { cost: 2, disruption: 0 }).approved, true);
  });

  it("counts 1 per node and each pod's eviction cost, never below zero", () => {
    const type = mkType("large", 4, 16, 0.2, 0.08);
    const a = mkManaged("a", type, [{ cpu: "1" }, { cpu: "1" }]);
    const view = mkView([a], { pools: [mkPool("default", {}, { consolidationPolicy: "Balanced" })] });
    const [c] = buildCandidates(new ViewIndex(view));
    assert.equal(moveDisruption([c]), 3);
    c.reschedulable[0].spec.priority = -(2 ** 31); // eviction cost clamps to -10: counts as 0
    assert.equal(moveDisruption([c]), 2);
    assert.deepEqual(poolTotals([c]).get("default"), { cost: 0.2, disruption: 2 });
  });
});

describe("Balanced policy in consolidation", () => {
  const SMALL = mkType("small", 1, 4, 0.05, 0.02);
  const LARGE = mkType("large", 4, 16, 0.2, 0.08);
  const odOnly = (t: ReturnType<typeof mkType>) => ({
    ...t,
    offerings: t.offerings.filter((o) => o.capacityType === "on-demand"),
  });
  const types = new Map([["default", [SMALL, LARGE].map(odOnly)]]);

  it("lets a large saving through and names the score when it turns a move down", () => {
    // One large node with a small pod, among nine busy large nodes: deleting it saves 10% of the pool's cost for
    // 10% of its disruption (score 1 ≥ 0.5).
    const busy = Array.from({ length: 9 }, (_, i) => mkManaged(`busy-${i}`, LARGE, [{ cpu: "3500m" }]));
    const lone = mkManaged("lone", LARGE, [{ cpu: "500m" }]);
    const balanced = [mkPool("default", {}, { consolidationPolicy: "Balanced" })];
    const view = mkView([lone, ...busy], { instanceTypes: types, pools: balanced });
    const index = new ViewIndex(view);
    const c = buildCandidates(index).find((x) => x.nodeName === "lone");
    assert.ok(c);
    const r = computeConsolidation(index, [c], simpleSolver, "SingleNodeConsolidation");
    assert.ok("command" in r, JSON.stringify(r));
    assert.equal(r.command.replacements.length, 0);
    // The same move with its pod worth far more (priority): disruption 11 of 29 → score 0.26.
    c.reschedulable[0].spec.priority = 2 ** 31 - 1;
    const rejected = balancedRejection(new ViewIndex(view), r.command);
    assert.match(rejected ?? "", /^Balanced: saves 10\.0% of pool default's cost for 37\.9% of its disruption/);
  });

  it("a pool switched between Balanced and WhenEmptyOrUnderutilized is planned again (memo key changes)", () => {
    const parts = [mkManaged("a", LARGE, [{ cpu: "500m" }])];
    const key = (policy: "Balanced" | "WhenEmptyOrUnderutilized") => {
      const index = new ViewIndex(
        mkView(parts, { instanceTypes: types, pools: [mkPool("default", {}, { consolidationPolicy: policy })] }),
      );
      return planMemoKey(index, buildCandidates(index));
    };
    assert.notEqual(key("Balanced"), key("WhenEmptyOrUnderutilized"));
  });
});
