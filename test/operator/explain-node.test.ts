/**
 * `explainNode`: each disruption method's verdict on one node, from the disruption layer's own rules — a PDB,
 * do-not-disrupt, consolidateAfter not reached, an exhausted budget, no cheaper replacement, expiry and drift — and
 * the launch decision the node came from.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PodDisruptionBudget } from "../../lib/core/kube-objects.js";
import { explainNode, type MethodVerdict, renderNodeExplanation } from "../../lib/operator/explain-node.js";
import type { DecisionRecord } from "../../lib/state/types.js";
import { ViewIndex } from "../../lib/view/cluster-view.js";
import { mkManaged, mkPool, mkType, mkView, simpleSolver, T0 } from "../disruption/fixtures.js";

const big = mkType("m5.2xlarge", 8, 32, 0.384);
const small = mkType("m5.large", 2, 8, 0.096);
const types = new Map([["default", [small, big]]]);

function verdict(view: ReturnType<typeof mkView>, node: string, method: MethodVerdict["method"]): MethodVerdict {
  const x = explainNode(new ViewIndex(view), node, [], simpleSolver);
  const m = x?.methods.find((v) => v.method === method);
  assert.ok(m, `${method} verdict for ${node}`);
  return m;
}

describe("explain node", () => {
  it("an underused node that a cheaper one can replace would be consolidated", () => {
    const view = mkView([mkManaged("n1", big, [{ cpu: "500m" }])], { instanceTypes: types });
    const m = verdict(view, "n1", "Consolidation");
    assert.equal(m.verdict, "would-disrupt");
    assert.match(m.reason, /replace n1 .* with one m5\.large/);
  });

  it("no cheaper replacement: the cheapest type already runs it", () => {
    const view = mkView([mkManaged("n1", small, [{ cpu: "1500m" }])], { instanceTypes: types });
    const m = verdict(view, "n1", "Consolidation");
    assert.deepEqual([m.verdict, m.reason], ["blocked", "no replacement is strictly cheaper than $0.0960/h"]);
  });

  it("a PDB that allows no disruption blocks consolidation, naming the PDB", () => {
    const managed = mkManaged("n1", big, [{ cpu: "500m", labels: { app: "db" } }]);
    const pdb: PodDisruptionBudget = {
      metadata: { name: "db", namespace: "default" },
      spec: { selector: { matchLabels: { app: "db" } }, minAvailable: 1 },
      status: { disruptionsAllowed: 0 },
    };
    const m = verdict(mkView([managed], { instanceTypes: types, pdbs: [pdb] }), "n1", "Consolidation");
    assert.equal(m.verdict, "blocked");
    assert.match(m.reason, /db/);
  });

  it("do-not-disrupt on a pod blocks consolidation", () => {
    const managed = mkManaged("n1", big, [{ cpu: "500m", annotations: { "karpenter.sh/do-not-disrupt": "true" } }]);
    const m = verdict(mkView([managed], { instanceTypes: types }), "n1", "Consolidation");
    assert.deepEqual([m.verdict, m.reason], ["blocked", "pod default/n1-p0 has do-not-disrupt"]);
  });

  it("consolidateAfter not reached, and an exhausted budget", () => {
    const pool = mkPool("default", {}, { emptyAfterSeconds: 7_200 });
    const young = mkView([mkManaged("n1", big, [{ cpu: "500m" }])], { instanceTypes: types, pools: [pool] });
    assert.equal(
      verdict(young, "n1", "Consolidation").reason,
      "consolidateAfter has not passed since the node's last pod event",
    );
    const frozen = mkPool("default", {}, { budgets: [{ nodes: "0" }] });
    const m = verdict(
      mkView([mkManaged("n1", big, [{ cpu: "500m" }])], { instanceTypes: types, pools: [frozen] }),
      "n1",
      "Consolidation",
    );
    assert.equal(m.reason, "the disruption budget of pool default allows no Underutilized disruption now");
  });

  it("expiry and drift: when the node expires, and what changed since launch", () => {
    const pool = mkPool("default", {}, { expireAfterSeconds: 7_200 });
    const managed = mkManaged("n1", small, [{ cpu: "1500m" }], { poolHash: "old-hash" });
    const view = mkView([managed], { instanceTypes: types, pools: [pool] });
    assert.deepEqual(verdict(view, "n1", "Expiration"), {
      method: "Expiration",
      verdict: "not-applicable",
      reason: "expires in 60m (at 2026-01-05T13:00:00Z)",
    });
    const drift = verdict(view, "n1", "Drift");
    assert.equal(drift.verdict, "would-disrupt");
    assert.match(drift.reason, /^NodePoolDrifted: pool default changed since launch/);
  });

  it("an empty node is emptiness's to delete once the pool's consolidateAfter has passed", () => {
    const view = mkView([mkManaged("n1", big, [], { emptySince: T0 - 60_000 })], { instanceTypes: types });
    assert.equal(verdict(view, "n1", "Emptiness").verdict, "would-disrupt");
    assert.equal(verdict(view, "n1", "Consolidation").verdict, "not-applicable");
  });

  it("the launch decision, a node being disrupted, a node Stevedore does not own, an unknown name", () => {
    const managed = mkManaged("n1", big, [{ cpu: "500m" }]);
    const launch: DecisionRecord = {
      at: T0 - 3_600_000,
      controller: "provisioner",
      action: "launch",
      details: { why: "pending pods", claimId: managed.claim.id, pods: ["default/web-1"], optionCount: 12 },
    };
    const view = mkView([managed], { instanceTypes: types });
    const x = explainNode(new ViewIndex(view), "n1", [launch], simpleSolver);
    assert.equal(x?.launch, launch);
    assert.match(
      renderNodeExplanation(x as never),
      /Launched by the provisioner at .*: pending pods; pods default\/web-1; chosen among 12/,
    );

    const draining = mkManaged("n2", big, [], { disruptionReason: "Underutilized" });
    const other = mkManaged("n3", big);
    const mixed = mkView([draining, other], { instanceTypes: types });
    mixed.claims = [draining.claim];
    assert.equal(
      explainNode(new ViewIndex(mixed), "n2", [], simpleSolver)?.notCandidate,
      "a disruption (Underutilized) is already in progress",
    );
    assert.match(explainNode(new ViewIndex(mixed), "n3", [], simpleSolver)?.notCandidate ?? "", /did not launch it/);
    assert.equal(explainNode(new ViewIndex(mixed), "nope", [], simpleSolver), undefined);
  });
});
