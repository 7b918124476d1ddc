/** The independent checker must catch broken plans (otherwise the property test proves nothing). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { solve } from "../../lib/scheduling/packer/solve.js";
import type { NewNode, SolveInput, SolveResult } from "../../lib/scheduling/types.js";
import { checkPlacement } from "../support/placement-checker.js";
import {
  daemonSet,
  existingNode,
  input,
  instanceType,
  nodePool,
  pod,
  pods,
  req,
  taint,
} from "../support/scheduling-fixtures.js";

const ZONE = "topology.kubernetes.io/zone";
const HOST = "kubernetes.io/hostname";
const types = () => [
  instanceType("small.2x", { cpu: 2, memGiB: 4, price: 0.1 }),
  instanceType("big.8x", { cpu: 8, memGiB: 32, price: 0.5 }),
];

/** Solves, then lets `mutate` break the result; returns the rules the checker reports. */
function broken(inp: SolveInput, mutate: (r: SolveResult) => void): string[] {
  const res = solve(inp);
  assert.deepEqual(checkPlacement(inp, res), [], "valid before mutation");
  mutate(res);
  return [...new Set(checkPlacement(inp, res).map((v) => v.rule))];
}

const moveAll = (r: SolveResult, into: NewNode) => {
  for (const n of r.newNodes) if (n !== into) into.pods.push(...n.pods.splice(0));
  r.newNodes = r.newNodes.filter((n) => n.pods.length > 0);
  r.costPerHour = r.newNodes.reduce((s, n) => s + n.offering.price, 0);
};

describe("placement checker", () => {
  it("catches over-committed nodes", () => {
    const ps = pods("a", 3, { cpu: "1500m" });
    const rules = broken(input(ps, [{ pool: nodePool("p"), instanceTypes: types() }]), (r) => {
      moveAll(r, r.newNodes[0]);
      r.newNodes[0].instanceTypeOptions = [r.newNodes[0].instanceType];
    });
    assert.ok(rules.includes("resources"));
  });

  it("catches DaemonSet overhead that was ignored", () => {
    const p = pod("a", { cpu: "1500m" });
    const ds = daemonSet("agent", { cpu: "500m" });
    const inp = input([p], [{ pool: nodePool("p"), instanceTypes: types() }], { daemonSets: [ds] });
    const rules = broken(inp, (r) => {
      r.newNodes[0].instanceType = types()[0];
      r.newNodes[0].instanceTypeOptions = [types()[0]];
    });
    assert.ok(rules.includes("resources"));
  });

  it("catches node selectors the labels do not satisfy", () => {
    const p = pod("a", { cpu: "1" }, { nodeSelector: { [ZONE]: "zone-b" } });
    const rules = broken(input([p], [{ pool: nodePool("p"), instanceTypes: types() }]), (r) => {
      r.newNodes[0].labels = { ...r.newNodes[0].labels, [ZONE]: "zone-a" };
    });
    assert.ok(rules.includes("selection"));
  });

  it("catches untolerated taints", () => {
    const p = pod("a", { cpu: "1" });
    const rules = broken(input([p], [{ pool: nodePool("p"), instanceTypes: types() }]), (r) => {
      r.newNodes[0].taints = [taint("dedicated", "gpu", "NoSchedule")];
    });
    assert.ok(rules.includes("taints"));
  });

  it("catches broken spreads and anti-affinity", () => {
    const spread = pods(
      "s",
      3,
      { cpu: "100m" },
      {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: ZONE,
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { app: "s" } },
          },
        ],
      },
      { labels: { app: "s" } },
    );
    const others = ["zone-a", "zone-b", "zone-c"].map((z) =>
      existingNode(`old-${z}`, { cpu: 1, memGiB: 1, labels: { [ZONE]: z }, unschedulable: true }),
    );
    const a = broken(input(spread, [{ pool: nodePool("p"), instanceTypes: types() }], { existingNodes: others }), (r) =>
      moveAll(r, r.newNodes[0]),
    );
    assert.ok(a.includes("spread"));
    const anti = pods(
      "h",
      2,
      { cpu: "100m" },
      {
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: HOST, labelSelector: { matchLabels: { app: "h" } } },
            ],
          },
        },
      },
      { labels: { app: "h" } },
    );
    const b = broken(input(anti, [{ pool: nodePool("p"), instanceTypes: types() }]), (r) => moveAll(r, r.newNodes[0]));
    assert.ok(b.includes("anti-affinity"));
  });

  it("catches pod affinity with no binding order", () => {
    const db = pod("db", { cpu: "100m" }, {}, { labels: { app: "db" } });
    const web = pod(
      "web",
      { cpu: "100m" },
      {
        nodeSelector: { [ZONE]: "zone-a" },
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: ZONE, labelSelector: { matchLabels: { app: "db" } } },
            ],
          },
        },
      },
    );
    const rules = broken(input([db, web], [{ pool: nodePool("p"), instanceTypes: types() }]), (r) => {
      const dbNode = r.newNodes.find((n) => n.pods.includes(db));
      assert.ok(dbNode);
      dbNode.labels = { ...dbNode.labels, [ZONE]: dbNode.labels[ZONE] === "zone-a" ? "zone-b" : dbNode.labels[ZONE] };
      if (dbNode.pods.includes(web)) {
        dbNode.pods.splice(dbNode.pods.indexOf(web), 1);
        r.newNodes.push({ ...dbNode, name: "p-9999", pods: [web], labels: { ...dbNode.labels, [ZONE]: "zone-a" } });
        r.costPerHour += dbNode.offering.price;
      }
      dbNode.zones = [dbNode.labels[ZONE]];
    });
    assert.ok(rules.includes("affinity"), rules.join());
  });

  it("catches pool limits, disallowed types and lost pods", () => {
    const ps = pods("a", 2, { cpu: "7" });
    const inp = input(ps, [
      {
        pool: nodePool("p", {
          limits: { cpu: "16" },
          requirements: [req("node.kubernetes.io/instance-type", "In", "big.8x")],
        }),
        instanceTypes: types(),
      },
    ]);
    const limits = broken(inp, (r) => {
      r.newNodes.push({ ...r.newNodes[0], name: "p-9999", pods: [] });
    });
    assert.ok(limits.includes("limits"));
    const lost = broken(inp, (r) => {
      r.newNodes[0].pods = [];
    });
    assert.ok(lost.includes("accounting"));
  });

  it("catches planning onto a cordoned existing node", () => {
    const old = existingNode("old", { cpu: 4, memGiB: 8 });
    const p = pod("a", { cpu: "1" });
    const inp = input([p], [{ pool: nodePool("p"), instanceTypes: types() }], { existingNodes: [old] });
    const rules = broken(inp, () => {
      old.unschedulable = true;
    });
    assert.ok(rules.includes("existing"));
  });
});
