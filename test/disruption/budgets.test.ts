import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DisruptionBudget } from "../../lib/api/model.js";
import { allowedDisruptions, BudgetTracker, budgetLimit, InvalidBudgetError } from "../../lib/disruption/budgets.js";
import { mkPool } from "./fixtures.js";

const MON_10 = Date.parse("2026-03-02T10:00:00Z");
const MON_20 = Date.parse("2026-03-02T20:00:00Z");

describe("disruption budgets", () => {
  const cases: {
    name: string;
    budgets: DisruptionBudget[];
    nodes: number;
    disrupting: number;
    at?: number;
    reason?: "Empty" | "Underutilized" | "Drifted" | "Expired";
    want: number;
  }[] = [
    { name: "default (none listed) is 10% rounded up", budgets: [], nodes: 5, disrupting: 0, want: 1 },
    { name: "10% of 25 rounds up to 3", budgets: [{ nodes: "10%" }], nodes: 25, disrupting: 0, want: 3 },
    { name: "an absolute count", budgets: [{ nodes: "5" }], nodes: 100, disrupting: 0, want: 5 },
    { name: "disrupting nodes count against it", budgets: [{ nodes: "5" }], nodes: 100, disrupting: 3, want: 2 },
    { name: "never negative", budgets: [{ nodes: "1" }], nodes: 10, disrupting: 3, want: 0 },
    { name: "0 blocks", budgets: [{ nodes: "0" }], nodes: 10, disrupting: 0, want: 0 },
    { name: "0% of anything is 0", budgets: [{ nodes: "0%" }], nodes: 10, disrupting: 0, want: 0 },
    {
      name: "minimum across active budgets",
      budgets: [{ nodes: "50%" }, { nodes: "2" }],
      nodes: 10,
      disrupting: 0,
      want: 2,
    },
    {
      name: "a scheduled budget applies inside its window",
      budgets: [{ nodes: "100%" }, { nodes: "0", schedule: "0 9 * * mon-fri", durationSeconds: 8 * 3600 }],
      nodes: 10,
      disrupting: 0,
      at: MON_10,
      want: 0,
    },
    {
      name: "a scheduled budget is ignored outside its window",
      budgets: [{ nodes: "100%" }, { nodes: "0", schedule: "0 9 * * mon-fri", durationSeconds: 8 * 3600 }],
      nodes: 10,
      disrupting: 0,
      at: MON_20,
      want: 10,
    },
    {
      name: "a budget for other reasons does not apply",
      budgets: [{ nodes: "100%" }, { nodes: "0", reasons: ["Drifted"] }],
      nodes: 4,
      disrupting: 0,
      reason: "Underutilized",
      want: 4,
    },
    {
      name: "a budget for this reason applies",
      budgets: [{ nodes: "100%" }, { nodes: "0", reasons: ["Drifted"] }],
      nodes: 4,
      disrupting: 0,
      reason: "Drifted",
      want: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pool = mkPool("p", {}, { budgets: c.budgets });
      const got = allowedDisruptions(
        pool,
        c.reason ?? "Underutilized",
        { numNodes: c.nodes, disrupting: c.disrupting },
        c.at ?? MON_10,
      );
      assert.equal(got, c.want);
    });
  }

  it("only inactive reason-scoped budgets leave no limit at all", () => {
    const pool = mkPool("p", {}, { budgets: [{ nodes: "0", reasons: ["Empty"] }] });
    assert.equal(budgetLimit(pool, "Drifted", 10, MON_10), Number.POSITIVE_INFINITY);
  });

  it("rejects a malformed node count with the pool named", () => {
    const pool = mkPool("web", {}, { budgets: [{ nodes: "ten" }] });
    assert.throws(
      () => budgetLimit(pool, "Empty", 10, MON_10),
      (e: unknown) => e instanceof InvalidBudgetError && /NodePool "web"/.test(e.message),
    );
  });

  it("the tracker hands out each pool's allowance once", () => {
    const a = mkPool("a", {}, { budgets: [{ nodes: "2" }] });
    const b = mkPool("b", {}, { budgets: [{ nodes: "0" }] });
    const t = new BudgetTracker([a, b], "Empty", new Map([["a", { numNodes: 5, disrupting: 0 }]]), MON_10);
    assert.equal(t.take("a"), true);
    assert.equal(t.take("a"), true);
    assert.equal(t.take("a"), false);
    assert.equal(t.take("b"), false);
    assert.equal(t.take("unknown"), false);
  });
});
