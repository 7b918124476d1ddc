import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCandidates } from "../../lib/disruption/candidates.js";
import { driftCommand, driftReason, expirationCommand, expiresAt } from "../../lib/disruption/expiry-drift.js";
import { needsValidation, planDisruption, validateCommand } from "../../lib/disruption/plan.js";
import { ViewIndex } from "../../lib/view/cluster-view.js";
import { mkClass, mkManaged, mkPod, mkPool, mkType, mkView, simpleSolver, T0 } from "./fixtures.js";

const M = mkType("m", 2, 8, 0.1);
const L = mkType("l", 4, 16, 0.2);
const types = new Map([["default", [M, L]]]);
const HOUR = 3_600_000;

describe("expiry", () => {
  it("computes expiry from the stored value or the pool TTL", () => {
    const pool = mkPool("default", {}, { expireAfterSeconds: 3600 });
    const n = mkManaged("a", M, []);
    assert.equal(expiresAt(n.claim, pool), n.claim.createdAt + HOUR);
    assert.equal(expiresAt({ ...n.claim, expiresAt: 5 }, pool), 5);
    assert.equal(expiresAt(n.claim, mkPool()), undefined);
  });

  it("expires the oldest expired node first and plans its replacement", () => {
    const pool = mkPool(
      "default",
      {},
      { expireAfterSeconds: 3600, consolidationPolicy: "WhenEmpty", emptyAfterSeconds: undefined },
    );
    const old = mkManaged("old", M, [{ cpu: "1500m" }], { createdAt: T0 - 3 * HOUR });
    const older = mkManaged("older", M, [{ cpu: "1500m" }], { createdAt: T0 - 5 * HOUR });
    const young = mkManaged("young", M, [{ cpu: "1500m" }], { createdAt: T0 - HOUR / 2 });
    const index = new ViewIndex(mkView([old, older, young], { pools: [pool], instanceTypes: types }));
    const cmd = expirationCommand(index, buildCandidates(index), simpleSolver, []);
    assert.equal(cmd?.candidates[0].nodeName, "older");
    assert.equal(cmd?.reason, "Expired");
    assert.equal(cmd?.replacements.length, 1, "its pod does not fit elsewhere, so a replacement comes first");
  });

  it("an expired node whose pods fit elsewhere needs no replacement", () => {
    const pool = mkPool(
      "default",
      {},
      { expireAfterSeconds: 3600, consolidationPolicy: "Never", emptyAfterSeconds: undefined },
    );
    const old = mkManaged("old", M, [{ cpu: "200m" }], { createdAt: T0 - 3 * HOUR });
    const spare = mkManaged("spare", L, [], { createdAt: T0 - HOUR / 2 });
    const index = new ViewIndex(mkView([old, spare], { pools: [pool], instanceTypes: types }));
    const cmd = expirationCommand(index, buildCandidates(index), simpleSolver, []);
    assert.equal(cmd?.replacements.length, 0);
  });

  it("expiry waits for do-not-disrupt pods unless the pool bounds the drain", () => {
    const annotations = { "karpenter.sh/do-not-disrupt": "true" };
    for (const [grace, expected] of [
      [undefined, 0],
      [600, 1],
    ] as const) {
      const pool = mkPool("default", {}, { expireAfterSeconds: 3600, terminationGracePeriodSeconds: grace });
      const old = mkManaged("old", M, [{ cpu: "200m", annotations }], { createdAt: T0 - 3 * HOUR });
      const index = new ViewIndex(mkView([old], { pools: [pool], instanceTypes: types }));
      const cmd = expirationCommand(index, buildCandidates(index), simpleSolver, []);
      assert.equal(cmd?.candidates.length ?? 0, expected);
    }
  });
});

describe("drift", () => {
  it("detects pool, class and provider drift", () => {
    const n = mkManaged("a", M, []);
    const pool = mkPool();
    assert.equal(driftReason(n.claim, pool, mkClass()), undefined);
    assert.match(driftReason(n.claim, { ...pool, hash: "changed" }, mkClass()) ?? "", /NodePoolDrifted/);
    assert.match(driftReason(n.claim, pool, mkClass("default", "other")) ?? "", /NodeClassDrifted/);
    assert.match(
      driftReason(n.claim, pool, mkClass(), new Map([[n.claim.id, "AMI changed"]])) ?? "",
      /CloudProviderDrifted: AMI changed/,
    );
  });

  it("replaces drifted nodes one per pass, empty ones first, within budget", () => {
    const pool = mkPool("default", { hash: "v2" }, { consolidationPolicy: "Never", emptyAfterSeconds: undefined });
    const busy = mkManaged("busy", M, [{ cpu: "1" }], { createdAt: T0 - 9 * HOUR });
    const idle = mkManaged("idle", M, [], { createdAt: T0 - HOUR });
    const index = new ViewIndex(mkView([busy, idle], { pools: [pool], instanceTypes: types }));
    const cmd = driftCommand(index, buildCandidates(index), simpleSolver, []);
    assert.equal(cmd?.candidates.map((c) => c.nodeName).join(), "idle");
    const blocked = mkPool("default", { hash: "v2" }, { budgets: [{ nodes: "0", reasons: ["Drifted"] }] });
    const index2 = new ViewIndex(mkView([busy, idle], { pools: [blocked], instanceTypes: types }));
    assert.equal(driftCommand(index2, buildCandidates(index2), simpleSolver, []), undefined);
  });
});

describe("planner", () => {
  it("tries emptiness before consolidation", () => {
    const empty = mkManaged("empty", L, [], { emptySince: T0 - HOUR });
    const under = mkManaged("under", L, [{ cpu: "200m" }]);
    const plan = planDisruption(mkView([empty, under], { instanceTypes: types }), simpleSolver);
    assert.equal(plan.command?.method, "Emptiness");
    assert.equal(needsValidation(plan.command ?? ({ method: "Drift" } as never)), true);
  });

  it("finds nothing to do in a well-packed cluster, with reasons", () => {
    const a = mkManaged("a", M, [{ cpu: "1800m" }]);
    const plan = planDisruption(mkView([a], { instanceTypes: new Map([["default", [M]]]) }), simpleSolver);
    assert.equal(plan.command, undefined);
    assert.ok(plan.rejections.length > 0, "explains itself");
  });

  it("validation drops a consolidation whose candidate got busier", () => {
    const a = mkManaged("a", L, [{ cpu: "1" }]);
    const b = mkManaged("b", L, [{ cpu: "500m" }]);
    const view = mkView([a, b], { instanceTypes: types });
    const plan = planDisruption(view, simpleSolver);
    const cmd = plan.command;
    if (!cmd) return assert.fail("no command");
    assert.match(cmd.method, /Consolidation/);
    // A big pod lands on the candidate: its pods no longer fit elsewhere nor on a cheaper node.
    const victim = cmd.candidates[0].nodeName;
    const later = { ...view, now: view.now + 15_000, pods: [...view.pods, mkPod("big", { node: victim, cpu: "3" })] };
    const v = validateCommand(cmd, later, simpleSolver);
    assert.ok("rejected" in v, "rejected");
  });

  it("validation keeps a consolidation that still holds", () => {
    const a = mkManaged("a", L, [{ cpu: "1" }]);
    const b = mkManaged("b", L, [{ cpu: "500m" }]);
    const view = mkView([a, b], { instanceTypes: types });
    const cmd = planDisruption(view, simpleSolver).command;
    if (!cmd) return assert.fail("no command");
    const v = validateCommand(cmd, { ...view, now: view.now + 15_000 }, simpleSolver);
    assert.ok("command" in v, "still valid");
  });

  it("validation keeps the still-empty subset of an emptiness command", () => {
    const a = mkManaged("a", M, [], { emptySince: T0 - HOUR });
    const b = mkManaged("b", M, [], { emptySince: T0 - HOUR });
    const view = mkView([a, b], { instanceTypes: types });
    const cmd = planDisruption(view, simpleSolver).command;
    assert.equal(cmd?.candidates.length, 2);
    if (!cmd) return;
    const later = { ...view, now: view.now + 15_000, pods: [mkPod("new", { node: "a" })] };
    const v = validateCommand(cmd, later, simpleSolver);
    assert.deepEqual("command" in v ? v.command.candidates.map((c) => c.nodeName) : [], ["b"]);
  });
});
