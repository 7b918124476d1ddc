/**
 * Per-constraint tests of `solve`: each constraint placed correctly, and its negative case (unschedulable with a
 * reason a person understands). Every result is also run through the independent checker.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "../../lib/core/kube-objects.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import type { SolveInput, SolveResult } from "../../lib/scheduling/types.js";
import { checkPlacement } from "../support/placement-checker.js";
import {
  daemonSet,
  existingNode,
  GIB,
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
const CT = "karpenter.sh/capacity-type";

/** Two sizes, three zones, spot (40 % of on-demand) and on-demand. */
const types = () => [
  instanceType("small.2x", { cpu: 2, memGiB: 4, price: 0.1 }),
  instanceType("big.8x", { cpu: 8, memGiB: 32, price: 0.5 }),
];
const defaultPool = (opts = {}) => ({ pool: nodePool("default", opts), instanceTypes: types() });

function run(inp: SolveInput): SolveResult {
  const res = solve(inp);
  assert.deepEqual(checkPlacement(inp, res), [], "independent checker");
  return res;
}

const nodeOf = (res: SolveResult, p: Pod) => res.newNodes.find((n) => n.pods.includes(p));
const reasonOf = (res: SolveResult, p: Pod) => res.unschedulable.find((u) => u.pod === p)?.reason;

describe("resources", () => {
  it("chooses the cheapest type and offering that holds the pod", () => {
    const p = pod("a", { cpu: "1", memory: "1Gi" });
    const res = run(input([p], [defaultPool()]));
    const n = nodeOf(res, p);
    assert.equal(n?.instanceType.name, "small.2x");
    assert.equal(n?.offering.capacityType, "spot");
    assert.equal(res.costPerHour, n?.offering.price);
    assert.deepEqual(
      n?.instanceTypeOptions.map((t) => t.name),
      ["small.2x", "big.8x"],
    );
  });

  it("reports a pod larger than every type", () => {
    const p = pod("huge", { cpu: "900" });
    const res = run(input([p], [defaultPool()]));
    assert.equal(reasonOf(res, p), "no instance type has 900 CPU (largest allowed: 7.6 CPU)");
  });

  it("packs several pods on one node rather than many", () => {
    const ps = pods("w", 6, { cpu: "1", memory: "1Gi" });
    const res = run(input(ps, [defaultPool()]));
    assert.equal(res.newNodes.length, 1);
    assert.equal(res.newNodes[0].instanceType.name, "big.8x");
  });

  it("counts extended resources (GPUs)", () => {
    const gpuTypes = [...types(), instanceType("gpu.4x", { cpu: 4, memGiB: 16, gpu: 1, price: 1 })];
    const p = pod("g", { cpu: "1", "nvidia.com/gpu": "1" });
    const res = run(input([p], [{ pool: nodePool("default"), instanceTypes: gpuTypes }]));
    assert.equal(nodeOf(res, p)?.instanceType.name, "gpu.4x");
    const two = pod("g2", { "nvidia.com/gpu": "2" });
    assert.match(
      reasonOf(run(input([two], [{ pool: nodePool("default"), instanceTypes: gpuTypes }])), two) ?? "",
      /no instance type has 2 nvidia.com\/gpu/,
    );
  });
});

describe("node selection", () => {
  it("honours nodeSelector on a zone", () => {
    const p = pod("a", { cpu: "1" }, { nodeSelector: { [ZONE]: "zone-b" } });
    const res = run(input([p], [defaultPool()]));
    assert.equal(nodeOf(res, p)?.labels[ZONE], "zone-b");
    assert.deepEqual(nodeOf(res, p)?.zones, ["zone-b"]);
  });

  it("rejects a nodeSelector on a label no pool sets", () => {
    const p = pod("a", { cpu: "1" }, { nodeSelector: { team: "red" } });
    const res = run(input([p], [defaultPool()]));
    assert.equal(
      reasonOf(res, p),
      'incompatible with NodePool "default": requires team In [red], pool does not set label team',
    );
  });

  it("uses a pool label to satisfy a custom selector", () => {
    const p = pod("a", { cpu: "1" }, { nodeSelector: { team: "red" } });
    const res = run(input([p], [defaultPool({ labels: { team: "red" } })]));
    assert.equal(nodeOf(res, p)?.labels.team, "red");
  });

  it("explains a capacity-type conflict", () => {
    const p = pod("a", { cpu: "1" }, { nodeSelector: { [CT]: "on-demand" } });
    const res = run(input([p], [defaultPool({ requirements: [req(CT, "In", "spot")] })]));
    assert.equal(
      reasonOf(res, p),
      'incompatible with NodePool "default": requires karpenter.sh/capacity-type In [on-demand], pool allows [spot]',
    );
  });

  it("tries every required node-affinity term (OR)", () => {
    const p = pod(
      "a",
      { cpu: "1" },
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: ZONE, operator: "In", values: ["zone-x"] }] },
                { matchExpressions: [{ key: ZONE, operator: "In", values: ["zone-c"] }] },
              ],
            },
          },
        },
      },
    );
    const res = run(input([p], [defaultPool()]));
    assert.equal(nodeOf(res, p)?.labels[ZONE], "zone-c");
  });

  it("applies preferred node affinity when possible and relaxes it otherwise", () => {
    const prefer = (values: string[]) => ({
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: ZONE, operator: "In", values }] } },
          ],
        },
      },
    });
    const a = pod("a", { cpu: "1" }, prefer(["zone-c"]));
    assert.equal(nodeOf(run(input([a], [defaultPool()])), a)?.labels[ZONE], "zone-c");
    const b = pod("b", { cpu: "1" }, prefer(["zone-x"]));
    const res = run(input([b], [defaultPool()]));
    assert.ok(nodeOf(res, b), "placed after relaxing the preference");
  });

  it("keeps Gt/Lt requirements of the pod on instance-type labels", () => {
    const p = pod(
      "a",
      { cpu: "1" },
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "karpenter.k8s.aws/instance-cpu", operator: "Gt", values: ["4"] }] },
              ],
            },
          },
        },
      },
    );
    assert.equal(nodeOf(run(input([p], [defaultPool()])), p)?.instanceType.name, "big.8x");
  });

  it("does not plan pods that use matchFields", () => {
    const p = pod(
      "a",
      { cpu: "1" },
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name" }] }],
            },
          },
        },
      },
    );
    assert.match(reasonOf(run(input([p], [defaultPool()])), p) ?? "", /matchFields/);
  });
});

describe("taints and tolerations", () => {
  const tainted = () => defaultPool({ taints: [taint("dedicated", "gpu", "NoSchedule")] });

  it("refuses a pool whose taint the pod does not tolerate", () => {
    const p = pod("a", { cpu: "1" });
    assert.equal(
      reasonOf(run(input([p], [tainted()])), p),
      "no NodePool tolerated by the pod: taint dedicated=gpu:NoSchedule",
    );
  });

  it("uses it when tolerated, and the node carries the taint", () => {
    const p = pod(
      "a",
      { cpu: "1" },
      { tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] },
    );
    const n = nodeOf(run(input([p], [tainted()])), p);
    assert.deepEqual(n?.taints, [taint("dedicated", "gpu", "NoSchedule")]);
  });

  it("needs no toleration for startup taints, which are reported separately", () => {
    const p = pod("a", { cpu: "1" });
    const n = nodeOf(run(input([p], [defaultPool({ startupTaints: [taint("cilium", undefined, "NoSchedule")] })])), p);
    assert.deepEqual(n?.startupTaints, [taint("cilium", undefined, "NoSchedule")]);
  });

  it("relaxes PreferNoSchedule taints as the last resort", () => {
    const p = pod("a", { cpu: "1" });
    assert.ok(nodeOf(run(input([p], [defaultPool({ taints: [taint("soft", "x", "PreferNoSchedule")] })])), p));
  });
});

describe("topology spread", () => {
  const spread = (key: string, when = "DoNotSchedule", extra = {}) => ({
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: key, whenUnsatisfiable: when, labelSelector: { matchLabels: { app: "s" } }, ...extra },
    ],
  });
  const meta = { labels: { app: "s" } };

  it("spreads over zones", () => {
    const ps = pods("s", 6, { cpu: "1" }, spread(ZONE), meta);
    const res = run(input(ps, [defaultPool()]));
    const perZone = new Map<string, number>();
    for (const p of ps)
      perZone.set(nodeOf(res, p)?.labels[ZONE] ?? "?", (perZone.get(nodeOf(res, p)?.labels[ZONE] ?? "?") ?? 0) + 1);
    assert.deepEqual([...perZone.values()], [2, 2, 2]);
  });

  it("spreads over hostnames (one node per pod with maxSkew 1)", () => {
    const ps = pods("s", 4, { cpu: "100m" }, spread(HOST), meta);
    assert.equal(run(input(ps, [defaultPool()])).newNodes.length, 4);
  });

  it("spreads over capacity types", () => {
    const ps = pods("s", 4, { cpu: "100m" }, spread(CT), meta);
    const res = run(input(ps, [defaultPool()]));
    assert.deepEqual([...new Set(res.newNodes.map((n) => n.labels[CT]))].sort(), ["on-demand", "spot"]);
  });

  it("cannot exceed the skew against a zone it cannot reach", () => {
    const blocked = existingNode("full-b", { cpu: 1, memGiB: 1, labels: { [ZONE]: "zone-b" }, unschedulable: true });
    const ps = pods("s", 3, { cpu: "1" }, spread(ZONE), meta);
    const res = run(
      input(ps, [defaultPool({ requirements: [req(ZONE, "In", "zone-a")] })], { existingNodes: [blocked] }),
    );
    assert.equal(res.unschedulable.length, 2);
    assert.equal(res.unschedulable[0].reason, "topology spread (zone, maxSkew 1) cannot be satisfied");
  });

  it("relaxes ScheduleAnyway spreads instead", () => {
    const blocked = existingNode("full-b", { cpu: 1, memGiB: 1, labels: { [ZONE]: "zone-b" }, unschedulable: true });
    const ps = pods("s", 3, { cpu: "1" }, spread(ZONE, "ScheduleAnyway"), meta);
    const res = run(
      input(ps, [defaultPool({ requirements: [req(ZONE, "In", "zone-a")] })], { existingNodes: [blocked] }),
    );
    assert.equal(res.unschedulable.length, 0);
  });

  it("counts pods already running", () => {
    const running = pods("r", 2, { cpu: "100m" }, {}, meta).map((p) => ({
      ...p,
      spec: { ...p.spec, nodeName: "old-a" },
    }));
    const old = existingNode("old-a", { cpu: 1, memGiB: 1, labels: { [ZONE]: "zone-a" }, pods: running });
    const ps = pods("s", 4, { cpu: "1" }, spread(ZONE), meta);
    const res = run(input(ps, [defaultPool()], { existingNodes: [old] }));
    assert.ok(
      ps.every((p) => nodeOf(res, p)?.labels[ZONE] !== "zone-a"),
      "zone-a already has 2",
    );
  });

  it("treats the minimum as 0 when fewer than minDomains zones exist", () => {
    const ps = pods("s", 4, { cpu: "1" }, spread(ZONE, "DoNotSchedule", { minDomains: 5 }), meta);
    const res = run(input(ps, [defaultPool({ requirements: [req(ZONE, "In", "zone-a", "zone-b")] })]));
    assert.equal(res.unschedulable.length, 2);
  });

  it("reports a topology key no node can carry", () => {
    const ps = pods("s", 1, { cpu: "1" }, spread("rack"), meta);
    assert.match(run(input(ps, [defaultPool()])).unschedulable[0]?.reason ?? "", /topology spread \(rack, maxSkew 1\)/);
  });
});

describe("pod affinity and anti-affinity", () => {
  const term = (key: string, app: string) => ({ topologyKey: key, labelSelector: { matchLabels: { app } } });

  it("co-locates in the zone of a running pod", () => {
    const db = { ...pod("db", { cpu: "100m" }, { nodeName: "old-b" }, { labels: { app: "db" } }) };
    const old = existingNode("old-b", { cpu: 1, memGiB: 1, labels: { [ZONE]: "zone-b" }, pods: [db] });
    const ps = pods(
      "web",
      2,
      { cpu: "1" },
      { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(ZONE, "db")] } } },
    );
    const res = run(input(ps, [defaultPool()], { existingNodes: [old] }));
    assert.ok(ps.every((p) => nodeOf(res, p)?.labels[ZONE] === "zone-b"));
  });

  it("cannot satisfy affinity to pods that do not exist", () => {
    const p = pod(
      "web",
      { cpu: "1" },
      { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(ZONE, "db")] } } },
    );
    assert.match(reasonOf(run(input([p], [defaultPool()])), p) ?? "", /pod affinity \(zone/);
  });

  it("bootstraps self-affinity on one node", () => {
    const ps = pods(
      "c",
      3,
      { cpu: "1" },
      { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(HOST, "c")] } } },
      { labels: { app: "c" } },
    );
    assert.equal(run(input(ps, [defaultPool()])).newNodes.length, 1);
  });

  it("puts anti-affine replicas on different nodes and zones", () => {
    const host = pods(
      "h",
      3,
      { cpu: "100m" },
      { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(HOST, "h")] } } },
      { labels: { app: "h" } },
    );
    assert.equal(run(input(host, [defaultPool()])).newNodes.length, 3);
    const zonal = pods(
      "z",
      4,
      { cpu: "100m" },
      { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(ZONE, "z")] } } },
      { labels: { app: "z" } },
    );
    const res = run(input(zonal, [defaultPool()]));
    assert.equal(res.newNodes.length, 3);
    assert.equal(res.unschedulable.length, 1);
    assert.match(res.unschedulable[0].reason, /pod anti-affinity \(zone/);
  });

  it("needs one pod matching all required affinity terms (kube semantics)", () => {
    const a = pod("a", { cpu: "100m" }, { nodeName: "old-a" }, { labels: { app: "db" } });
    const b = pod("b", { cpu: "100m" }, { nodeName: "old-b" }, { labels: { tier: "gold" } });
    const both = pod("c", { cpu: "100m" }, { nodeName: "old-c" }, { labels: { app: "db", tier: "gold" } });
    const nodes = [
      existingNode("old-a", { cpu: 1, memGiB: 1, labels: { [ZONE]: "zone-a" }, pods: [a], unschedulable: true }),
      existingNode("old-b", { cpu: 1, memGiB: 1, labels: { [ZONE]: "zone-a" }, pods: [b], unschedulable: true }),
      existingNode("old-c", { cpu: 1, memGiB: 1, labels: { [ZONE]: "zone-c" }, pods: [both], unschedulable: true }),
    ];
    const p = pod(
      "web",
      { cpu: "1" },
      {
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              term(ZONE, "db"),
              { topologyKey: ZONE, labelSelector: { matchLabels: { tier: "gold" } } },
            ],
          },
        },
      },
    );
    const res = run(input([p], [defaultPool()], { existingNodes: nodes }));
    assert.equal(nodeOf(res, p)?.labels[ZONE], "zone-c", "zone-a has the two labels only on different pods");
  });

  it("resolves namespaceSelector with namespace labels", () => {
    const other = pod("guard", { cpu: "100m" }, { nodeName: "old" }, { namespace: "team-b", labels: { app: "web" } });
    const old = existingNode("old", { cpu: 8, memGiB: 32, pods: [other] });
    const anti = (selector: object) =>
      pod(
        "web",
        { cpu: "1" },
        {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: HOST, labelSelector: { matchLabels: { app: "web" } }, namespaceSelector: selector },
              ],
            },
          },
        },
      );
    const namespaceLabels = { default: { team: "a" }, "team-b": { team: "b" } };
    const blocked = anti({ matchLabels: { team: "b" } });
    assert.equal(
      run(input([blocked], [defaultPool()], { existingNodes: [old], namespaceLabels })).existingAssignments.size,
      0,
    );
    const free = anti({ matchLabels: { team: "a" } });
    assert.equal(
      run(input([free], [defaultPool()], { existingNodes: [old], namespaceLabels })).existingAssignments.size,
      1,
    );
  });

  it("honours anti-affinity of pods already running (inverse)", () => {
    const guard = pod(
      "guard",
      { cpu: "100m" },
      {
        nodeName: "old",
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(HOST, "web")] } },
      },
    );
    const old = existingNode("old", { cpu: 8, memGiB: 32, pods: [guard] });
    const p = pod("web", { cpu: "1" }, {}, { labels: { app: "web" } });
    const res = run(input([p], [defaultPool()], { existingNodes: [old] }));
    assert.equal(res.existingAssignments.size, 0);
    assert.equal(res.newNodes.length, 1);
  });
});

describe("host ports and DaemonSets", () => {
  const withPort = (name: string) =>
    pod(
      name,
      {},
      {
        containers: [
          { name: "a", ports: [{ containerPort: 80, hostPort: 80 }], resources: { requests: { cpu: "100m" } } },
        ],
      },
    );

  it("keeps pods with the same host port apart", () => {
    assert.equal(run(input([withPort("a"), withPort("b")], [defaultPool()])).newNodes.length, 2);
  });

  it("reserves DaemonSet overhead on new nodes", () => {
    const p = pod("a", { cpu: "1500m" });
    const ds = daemonSet("agent", { cpu: "500m" });
    const res = run(input([p], [defaultPool()], { daemonSets: [ds] }));
    assert.equal(nodeOf(res, p)?.instanceType.name, "big.8x", "1.5 CPU + 0.5 CPU agent does not fit 1.9 CPU");
    assert.equal(nodeOf(res, p)?.requests.cpu, 2000);
  });

  it("ignores DaemonSets that would not run there", () => {
    const p = pod("a", { cpu: "1500m" });
    const arm = daemonSet("arm-agent", { cpu: "500m" }, { nodeSelector: { "kubernetes.io/arch": "arm64" } });
    const untolerated = daemonSet("picky", { cpu: "500m" });
    const pool = defaultPool({ taints: [taint("x", "y", "NoSchedule")] });
    const q = pod("b", { cpu: "1500m" }, { tolerations: [{ operator: "Exists" }] });
    assert.equal(nodeOf(run(input([p], [defaultPool()], { daemonSets: [arm] })), p)?.instanceType.name, "small.2x");
    assert.equal(nodeOf(run(input([q], [pool], { daemonSets: [untolerated] })), q)?.instanceType.name, "small.2x");
  });

  it("refuses a pool whose DaemonSets hold the pod's host port", () => {
    const ds = daemonSet("exporter", {}, { containers: [{ name: "e", ports: [{ containerPort: 80, hostPort: 80 }] }] });
    const p = withPort("a");
    assert.match(
      reasonOf(run(input([p], [defaultPool()], { daemonSets: [ds] })), p) ?? "",
      /host port 80\/TCP is taken by a DaemonSet/,
    );
  });
});

describe("pools: limits, weights, labels, options", () => {
  it("stops at the cpu limit, counting existing nodes of the pool", () => {
    const old = existingNode("old", {
      cpu: 2,
      memGiB: 4,
      nodePool: "default",
      capacity: { cpu: 2000, memory: 4 * GIB, pods: 110 },
      allocatable: { cpu: 0, memory: 0, pods: 0 },
    });
    const ps = pods(
      "a",
      3,
      { cpu: "1500m" },
      {
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: HOST, labelSelector: { matchLabels: { app: "a" } } },
            ],
          },
        },
      },
      { labels: { app: "a" } },
    );
    const res = run(input(ps, [defaultPool({ limits: { cpu: "6" } })], { existingNodes: [old] }));
    assert.equal(res.newNodes.length, 2);
    assert.match(res.unschedulable[0]?.reason ?? "", /NodePool "default" limit reached: cpu 6 of 6 used/);
  });

  it("stops at the node-count limit", () => {
    const ps = pods("a", 3, { cpu: "7" });
    const res = run(input(ps, [defaultPool({ limits: { nodes: "2" } })]));
    assert.equal(res.newNodes.length, 2);
    assert.match(res.unschedulable[0]?.reason ?? "", /limit reached: nodes 2/);
  });

  it("prefers the heavier pool even when it is dearer", () => {
    const cheap = { pool: nodePool("cheap", { weight: 1 }), instanceTypes: types() };
    const dear = {
      pool: nodePool("dear", { weight: 50 }),
      instanceTypes: [instanceType("dear.2x", { cpu: 2, memGiB: 4, price: 5 })],
    };
    const p = pod("a", { cpu: "1" });
    assert.equal(nodeOf(run(input([p], [cheap, dear])), p)?.pool, "dear");
  });

  it("falls back to a lighter pool the pod fits", () => {
    const cheap = { pool: nodePool("cheap", { weight: 1 }), instanceTypes: types() };
    const dear = {
      pool: nodePool("dear", { weight: 50 }),
      instanceTypes: [instanceType("dear.2x", { cpu: 2, memGiB: 4, price: 5 })],
    };
    const p = pod("a", { cpu: "4" });
    assert.equal(nodeOf(run(input([p], [cheap, dear])), p)?.pool, "cheap");
  });

  it("labels nodes with the pool name of its API flavour, pool labels and type labels", () => {
    const p = pod("a", { cpu: "1" });
    const v1 = nodeOf(run(input([p], [defaultPool({ labels: { team: "red" } })])), p);
    assert.equal(v1?.labels["karpenter.sh/nodepool"], "default");
    assert.equal(v1?.labels.team, "red");
    assert.equal(v1?.labels["node.kubernetes.io/instance-type"], "small.2x");
    assert.equal(v1?.labels[CT], "spot");
    const q = pod("b", { cpu: "1" });
    const old = nodeOf(
      run(input([q], [{ pool: nodePool("legacy", { flavor: "v1alpha5" }), instanceTypes: types() }])),
      q,
    );
    assert.equal(old?.labels["karpenter.sh/provisioner-name"], "legacy");
    assert.equal(old?.labels["karpenter.sh/nodepool"], undefined);
  });

  it("truncates price-ordered options to maxInstanceTypes", () => {
    const many = [1, 2, 3, 4, 5].map((c) => instanceType(`t.${c}`, { cpu: c * 2, memGiB: c * 4, price: c * 0.1 }));
    const p = pod("a", { cpu: "1" });
    const n = nodeOf(run(input([p], [{ pool: nodePool("default"), instanceTypes: many }], { maxInstanceTypes: 3 })), p);
    assert.deepEqual(
      n?.instanceTypeOptions.map((t) => t.name),
      ["t.1", "t.2", "t.3"],
    );
  });

  it("skips unavailable offerings", () => {
    const t = instanceType("only.2x", {
      cpu: 2,
      memGiB: 4,
      unavailable: ["zone-a", "zone-b", "zone-c"].map((zone) => ({ zone, capacityType: "spot" as const })),
    });
    const p = pod("a", { cpu: "1" });
    assert.equal(
      nodeOf(run(input([p], [{ pool: nodePool("default"), instanceTypes: [t] }])), p)?.offering.capacityType,
      "on-demand",
    );
  });
});

describe("existing and in-flight nodes, pods not planned", () => {
  it("fills existing capacity before opening nodes", () => {
    const old = existingNode("old", { cpu: 4, memGiB: 8 });
    const p = pod("a", { cpu: "1" });
    const res = run(input([p], [defaultPool()], { existingNodes: [old] }));
    assert.deepEqual(res.existingAssignments.get("old"), [p]);
    assert.equal(res.newNodes.length, 0);
  });

  it("uses in-flight nodes too, but not cordoned or untolerated ones", () => {
    const inflight = existingNode("claim-1", { cpu: 4, memGiB: 8, inFlight: true });
    const p = pod("a", { cpu: "1" });
    assert.deepEqual(
      run(input([p], [defaultPool()], { existingNodes: [inflight] })).existingAssignments.get("claim-1"),
      [p],
    );
    const cordoned = existingNode("c", { cpu: 4, memGiB: 8, unschedulable: true });
    const tainted = existingNode("t", { cpu: 4, memGiB: 8, taints: [taint("x", "y", "NoSchedule")] });
    const res = run(input([p], [defaultPool()], { existingNodes: [cordoned, tainted] }));
    assert.equal(res.existingAssignments.size, 0);
  });

  it("respects what already runs on an existing node", () => {
    const running = pod("r", { cpu: "3500m" }, { nodeName: "old" });
    const old = existingNode("old", { cpu: 4, memGiB: 8, pods: [running] });
    const p = pod("a", { cpu: "1" });
    assert.equal(run(input([p], [defaultPool()], { existingNodes: [old] })).existingAssignments.size, 0);
  });

  it("does not plan DaemonSet-owned, bound or nominated pods", () => {
    const owned = pod("ds-pod", { cpu: "1" }, {}, { ownerReferences: [{ kind: "DaemonSet", name: "x" }] });
    const bound = pod("bound", { cpu: "1" }, { nodeName: "elsewhere" });
    const nominated = { ...pod("nom", { cpu: "1" }), status: { phase: "Pending", nominatedNodeName: "n1" } };
    const res = run(input([owned, bound, nominated], [defaultPool()]));
    assert.equal(res.newNodes.length, 0);
    assert.equal(res.unschedulable.length, 0);
  });

  it("is deterministic for a given input", () => {
    const ps = pods(
      "d",
      30,
      { cpu: "300m", memory: "700Mi" },
      {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: ZONE,
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { app: "d" } },
          },
        ],
      },
      { labels: { app: "d" } },
    );
    const a = solve(input(ps, [defaultPool()]));
    const b = solve(input(ps, [defaultPool()]));
    assert.deepEqual(
      a.newNodes.map((n) => [n.name, n.instanceType.name, n.labels[ZONE], n.pods.map((p) => p.metadata.name)]),
      b.newNodes.map((n) => [n.name, n.instanceType.name, n.labels[ZONE], n.pods.map((p) => p.metadata.name)]),
    );
  });
});
