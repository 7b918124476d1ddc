import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PodDisruptionBudget } from "../../lib/core/kube-objects.js";
import {
  evictionCost,
  hasActiveDoNotDisrupt,
  isCriticalPod,
  isReschedulable,
  parseGoDuration,
} from "../../lib/core/pods.js";
import { pdbBlockReason } from "../../lib/disruption/pdb.js";
import { mkPod, T0 } from "./fixtures.js";

function pdb(
  name: string,
  match: Record<string, string>,
  allowed: number | undefined,
  ns = "default",
): PodDisruptionBudget {
  return {
    metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: match }, minAvailable: 1 },
    status: allowed === undefined ? undefined : { disruptionsAllowed: allowed },
  };
}

describe("pod protections", () => {
  const cases: [string, Record<string, string>, number | undefined, boolean][] = [
    ["do-not-disrupt true", { "karpenter.sh/do-not-disrupt": "true" }, undefined, true],
    ["do-not-disrupt false", { "karpenter.sh/do-not-disrupt": "false" }, undefined, false],
    ["do-not-evict true (v1alpha5)", { "karpenter.sh/do-not-evict": "true" }, undefined, true],
    ["duration not yet reached", { "karpenter.sh/do-not-disrupt": "2h" }, T0 - 3_600_000, true],
    ["duration reached", { "karpenter.sh/do-not-disrupt": "30m" }, T0 - 3_600_000, false],
    ["invalid value ignored", { "karpenter.sh/do-not-disrupt": "soon" }, undefined, false],
    ["no annotation", {}, undefined, false],
  ];
  for (const [name, annotations, created, want] of cases) {
    it(name, () => {
      assert.equal(hasActiveDoNotDisrupt(mkPod("p", { node: "n", annotations, created }), T0), want);
    });
  }

  it("terminal pods never protect", () => {
    const p = mkPod("p", { node: "n", annotations: { "karpenter.sh/do-not-disrupt": "true" } });
    p.status = { phase: "Succeeded" };
    assert.equal(hasActiveDoNotDisrupt(p, T0), false);
  });

  it("parses Go durations", () => {
    assert.equal(parseGoDuration("1h30m"), 5_400_000);
    assert.equal(parseGoDuration("1.5h"), 5_400_000);
    assert.equal(parseGoDuration("300ms"), 300);
    assert.equal(parseGoDuration("90s"), 90_000);
    assert.equal(parseGoDuration("-5m"), undefined);
    assert.equal(parseGoDuration("5 m"), undefined);
    assert.equal(parseGoDuration(""), undefined);
  });

  it("classifies pods", () => {
    assert.equal(isReschedulable(mkPod("a", { node: "n" })), true);
    assert.equal(isReschedulable(mkPod("ds", { node: "n", owner: "DaemonSet" })), false);
    assert.equal(isReschedulable(mkPod("mirror", { node: "n", owner: "Node" })), false);
    assert.equal(isCriticalPod(mkPod("c", { priorityClassName: "system-node-critical" })), true);
    assert.equal(isCriticalPod(mkPod("c", { priorityClassName: "high" })), false);
  });

  it("eviction cost follows priority and deletion cost, clamped", () => {
    assert.equal(evictionCost(mkPod("a")), 1);
    assert.equal(evictionCost(mkPod("b", { priority: 2 ** 25 })), 2);
    assert.equal(evictionCost(mkPod("c", { priority: 2 ** 31 })), 10);
    assert.equal(
      evictionCost(mkPod("d", { annotations: { "controller.kubernetes.io/pod-deletion-cost": String(-(2 ** 27)) } })),
      0,
    );
  });
});

describe("PDB blocking", () => {
  const pod = mkPod("web-1", { node: "n", labels: { app: "web" } });
  const cases: [string, PodDisruptionBudget[], boolean][] = [
    ["no PDB", [], false],
    ["PDB allowing one", [pdb("web", { app: "web" }, 1)], false],
    ["PDB allowing none", [pdb("web", { app: "web" }, 0)], true],
    ["PDB without status yet", [pdb("web", { app: "web" }, undefined)], true],
    ["PDB in another namespace", [pdb("web", { app: "web" }, 0, "other")], false],
    ["PDB selecting other pods", [pdb("db", { app: "db" }, 0)], false],
    ["two PDBs cover it", [pdb("a", { app: "web" }, 5), pdb("b", { app: "web" }, 5)], true],
  ];
  for (const [name, pdbs, blocked] of cases) {
    it(name, () => {
      assert.equal(pdbBlockReason(pod, pdbs) !== undefined, blocked);
    });
  }

  it("an empty selector covers every pod of the namespace", () => {
    const all: PodDisruptionBudget = {
      metadata: { name: "all", namespace: "default" },
      spec: { selector: {} },
      status: { disruptionsAllowed: 0 },
    };
    assert.match(pdbBlockReason(pod, [all]) ?? "", /allows no disruption/);
  });
});
