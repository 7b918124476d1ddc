import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCandidates } from "../../lib/disruption/candidates.js";
import type { Rejection } from "../../lib/disruption/command.js";
import { emptinessCommand, emptinessThresholdSeconds, emptinessUpdates } from "../../lib/disruption/emptiness.js";
import { ViewIndex } from "../../lib/view/cluster-view.js";
import { headroomPods } from "../../lib/view/headroom.js";
import { mkManaged, mkPool, mkType, mkView, simpleSolver, T0 } from "./fixtures.js";

const M = mkType("m.large", 2, 8, 0.1, 0.03);
const types = new Map([["default", [M]]]);

function run(view: ReturnType<typeof mkView>) {
  const index = new ViewIndex(view);
  const rejections: Rejection[] = [];
  const cmd = emptinessCommand(index, buildCandidates(index), simpleSolver, rejections);
  return { cmd, rejections };
}

describe("emptiness", () => {
  it("stamps emptySince when a node empties and clears it when a pod lands", () => {
    const empty = mkManaged("a", M, [{ owner: "DaemonSet" }]);
    const busy = mkManaged("b", M, [{}], { emptySince: T0 - 1000 });
    const ups = emptinessUpdates(new ViewIndex(mkView([empty, busy])));
    assert.deepEqual(
      ups.map((u) => [u.claim.id, u.emptySince]),
      [
        ["claim-a", T0],
        ["claim-b", undefined],
      ],
    );
  });

  it("does not stamp a replacement its candidate's pods are waiting to move to", () => {
    const replacement = mkManaged("r", M, []);
    const candidate = mkManaged("c", M, [{}]);
    candidate.claim.disruptionReason = "Underutilized";
    candidate.claim.replacementClaimIds = [replacement.claim.id];
    assert.deepEqual(emptinessUpdates(new ViewIndex(mkView([replacement, candidate]))), [], "the replacement waits");
    delete candidate.claim.disruptionReason;
    assert.equal(emptinessUpdates(new ViewIndex(mkView([replacement]))).length, 1, "stamped once nobody waits");
  });

  it("does not re-stamp a node already known empty", () => {
    const empty = mkManaged("a", M, [], { emptySince: T0 - 5000 });
    assert.equal(emptinessUpdates(new ViewIndex(mkView([empty]))).length, 0);
  });

  const ttlCases: [string, number | undefined, number, boolean][] = [
    ["before the TTL", 300, 299_000, false],
    ["exactly at the TTL", 300, 300_000, true],
    ["after the TTL", 300, 900_000, true],
  ];
  for (const [name, ttl, emptyFor, removed] of ttlCases) {
    it(`removes an empty node ${removed ? "" : "not "}${name}`, () => {
      const pool = mkPool("default", {}, { consolidationPolicy: "WhenEmpty", emptyAfterSeconds: ttl });
      const n = mkManaged("a", M, [], { emptySince: T0 - emptyFor });
      const { cmd } = run(mkView([n], { pools: [pool], instanceTypes: types }));
      assert.equal(cmd?.candidates.length === 1, removed);
    });
  }

  it("thresholds per policy", () => {
    assert.equal(
      emptinessThresholdSeconds(mkPool("p", {}, { consolidationPolicy: "Never", emptyAfterSeconds: undefined })),
      undefined,
    );
    assert.equal(
      emptinessThresholdSeconds(mkPool("p", {}, { consolidationPolicy: "WhenEmpty", emptyAfterSeconds: undefined })),
      undefined,
    );
    assert.equal(
      emptinessThresholdSeconds(
        mkPool("p", {}, { consolidationPolicy: "WhenEmptyOrUnderutilized", emptyAfterSeconds: undefined }),
      ),
      0,
    );
    assert.equal(
      emptinessThresholdSeconds(mkPool("p", {}, { consolidationPolicy: "WhenEmpty", emptyAfterSeconds: 30 })),
      30,
    );
  });

  it("never removes a node without a recorded emptySince (first sighting)", () => {
    const n = mkManaged("a", M, []);
    const { cmd, rejections } = run(mkView([n], { instanceTypes: types }));
    assert.equal(cmd, undefined);
    assert.match(rejections[0].reason, /not recorded/);
  });

  it("keeps nodes with a do-not-disrupt annotation", () => {
    const n = mkManaged("a", M, [], {
      emptySince: T0 - 600_000,
      annotations: { "karpenter.sh/do-not-disrupt": "true" },
    });
    assert.equal(run(mkView([n], { instanceTypes: types })).cmd, undefined);
  });

  it("respects the budget: 2 of 5 empty nodes with nodes: 2", () => {
    const pool = mkPool("default", {}, { budgets: [{ nodes: "2" }] });
    const parts = ["a", "b", "c", "d", "e"].map((n) => mkManaged(n, M, [], { emptySince: T0 - 600_000 }));
    const { cmd, rejections } = run(mkView(parts, { pools: [pool], instanceTypes: types }));
    assert.deepEqual(
      cmd?.candidates.map((c) => c.nodeName),
      ["a", "b"],
    );
    assert.equal(rejections.filter((r) => /budget/.test(r.reason)).length, 3);
  });

  it("keeps minNodes", () => {
    const pool = mkPool("default", { minNodes: 2 });
    const parts = ["a", "b", "c"].map((n) => mkManaged(n, M, [], { emptySince: T0 - 600_000 }));
    const { cmd } = run(mkView(parts, { pools: [pool], instanceTypes: types }));
    assert.equal(cmd?.candidates.length, 1);
  });

  it("keeps the node that holds the pool's headroom", () => {
    const pool = mkPool("default", { headroom: { cpu: "1500m" } });
    const full = mkManaged("busy", M, [{ cpu: "1800m" }]);
    const spare = mkManaged("spare", M, [], { emptySince: T0 - 600_000 });
    const view = mkView([full, spare], { pools: [pool], instanceTypes: types, headroomPods: headroomPods([pool]) });
    const { cmd, rejections } = run(view);
    assert.equal(cmd, undefined);
    assert.ok(
      rejections.some((r) => /headroom/.test(r.reason)),
      "rejected for headroom",
    );
  });

  it("does not remove a node whose nominated pods are still pending", () => {
    const n = mkManaged("a", M, [], { emptySince: T0 - 600_000, pods: ["default/waiting"] });
    const view = mkView([n], { instanceTypes: types });
    view.pods.push({
      metadata: { name: "waiting", namespace: "default" },
      spec: { containers: [] },
      status: { phase: "Pending" },
    });
    assert.equal(run(view).cmd, undefined);
  });
});
