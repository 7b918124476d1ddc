/**
 * The planner on large views: its simulations are capped, an unchanged cluster is not simulated again (memo), a
 * pass cut short resumes where it stopped (cursor), and several commands in one plan share the budgets without
 * touching a node twice.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planDisruption } from "../../lib/disruption/plan.js";
import type { SolveInput } from "../../lib/scheduling/types.js";
import { mkManaged, mkPool, mkType, mkView, simpleSolver } from "./fixtures.js";

const LARGE = mkType("large", 4, 16, 0.2);
const SMALL = mkType("small", 1, 4, 0.05);

function counting() {
  const calls = { n: 0 };
  const solver = (input: SolveInput) => {
    calls.n++;
    return simpleSolver(input);
  };
  return { calls, solver };
}

/** `n` large nodes, each running one 500m pod: every one of them could go. */
function underUsed(n: number, budget = "10%") {
  const parts = Array.from({ length: n }, (_, i) =>
    mkManaged(`n${String(i).padStart(4, "0")}`, LARGE, [{ cpu: "500m" }]),
  );
  return mkView(parts, {
    pools: [mkPool("default", {}, { budgets: [{ nodes: budget }] })],
    instanceTypes: new Map([["default", [LARGE, SMALL]]]),
  });
}

/** `n` small nodes filled to the brim with no cheaper type: nothing can be consolidated. */
function full(n: number) {
  const parts = Array.from({ length: n }, (_, i) =>
    mkManaged(`f${String(i).padStart(4, "0")}`, SMALL, [{ cpu: "1", mem: "1Gi" }]),
  );
  return mkView(parts, {
    pools: [mkPool("default", {}, { budgets: [{ nodes: "100%" }] })],
    instanceTypes: new Map([["default", [SMALL]]]),
  });
}

describe("planner at scale", () => {
  it("never makes more solver calls than the cap", () => {
    const { calls, solver } = counting();
    const plan = planDisruption(full(400), solver, { maxSimulations: 12, maxCommands: 20 });
    assert.ok(calls.n <= 12, `${calls.n} solver calls`);
    assert.equal(plan.stats.simulations, calls.n);
    assert.equal(plan.stats.stoppedBy, "simulations");
    assert.ok(plan.memo.cursor, "it remembers where it stopped");
    assert.equal(plan.memo.exhausted, false);
  });

  it("resumes at the cursor, then knows the cluster is exhausted and stops simulating until it changes", () => {
    const view = full(30);
    const { calls, solver } = counting();
    let memo = planDisruption(view, solver, { maxSimulations: 10 }).memo;
    const seen = new Set<string>();
    for (let i = 0; i < 5 && !memo.exhausted; i++) {
      if (memo.cursor) seen.add(memo.cursor);
      memo = planDisruption(view, solver, { maxSimulations: 10, memo }).memo;
    }
    assert.ok(seen.size >= 2, "successive passes start at different candidates");
    assert.equal(memo.exhausted, true, "a whole round without a command exhausts the unchanged cluster");
    calls.n = 0;
    const again = planDisruption(view, solver, { maxSimulations: 10, memo });
    assert.equal(again.stats.memoHit, true);
    assert.equal(calls.n, 0, "a memo hit runs no simulation");
    const changed = { ...view, pods: view.pods.slice(1) };
    const fresh = planDisruption(changed, solver, { maxSimulations: 10, memo });
    assert.equal(fresh.stats.memoHit, false, "a changed cluster is planned again");
    assert.ok(calls.n > 0);
  });

  it("many commands in one plan honour the budget and never touch a node twice", () => {
    const view = underUsed(200);
    // Multi-node consolidation off: single-node consolidation must find one command per node.
    const plan = planDisruption(view, simpleSolver, {
      maxCommands: 50,
      maxSimulations: 200,
      maxMultiNodeCandidates: 1,
    });
    const candidates = plan.commands.flatMap((c) => c.candidates.map((x) => x.nodeName));
    assert.ok(plan.commands.length >= 2, `${plan.commands.length} commands`);
    assert.equal(candidates.length, 20, "10% of 200 nodes, all of them");
    assert.equal(new Set(candidates).size, candidates.length, "no candidate in two commands");
    const destinations = plan.commands.flatMap((c) => [...(c.destinations?.keys() ?? [])]);
    for (const d of destinations) assert.ok(!candidates.includes(d), `${d} receives pods and is also disrupted`);
  });

  it("a single-command caller still gets exactly one command", () => {
    const plan = planDisruption(underUsed(50, "100%"), simpleSolver);
    assert.equal(plan.commands.length, 1);
    assert.equal(plan.command, plan.commands[0]);
  });
});
