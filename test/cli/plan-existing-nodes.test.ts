/**
 * `stevedore plan` and the live provisioner build their existing nodes by one implementation: on randomly generated
 * clusters the plan's solver input and the provisioner's (a snapshot without claims) hold deep-equal nodes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LoadedInputs } from "../../lib/api/index.js";
import type { ControllerDeps } from "../../lib/controllers/deps.js";
import { takeSnapshot } from "../../lib/controllers/snapshot.js";
import type { Node, Pod, Taint } from "../../lib/core/kube-objects.js";
import { isProvisionable } from "../../lib/core/pods.js";
import { pick, type Random, seededRandom } from "../../lib/core/seeded-random.js";
import { planSolveInput } from "../../lib/plan/plan-input.js";
import type { ExistingNode } from "../../lib/scheduling/types.js";
import { provisioningInput } from "../../lib/view/solver-input.js";

const DELETED_AT = "2026-01-05T11:00:00Z";

const TAINTS: Taint[] = [
  { key: "dedicated", value: "gpu", effect: "NoSchedule" },
  { key: "soft", effect: "PreferNoSchedule" },
  { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
  { key: "karpenter.sh/unregistered", effect: "NoExecute" },
  { key: "karpenter.sh/disrupted", effect: "NoSchedule" },
];

const LABELS: [string, string[]][] = [
  ["topology.kubernetes.io/zone", ["us-east-1a", "us-east-1b"]],
  ["node.kubernetes.io/instance-type", ["m5.large", "c5.xlarge"]],
  ["karpenter.sh/nodepool", ["default", "gpu"]],
  ["karpenter.sh/provisioner-name", ["legacy"]],
  ["kubernetes.io/hostname", ["custom-host"]],
  ["team", ["a", "b"]],
];

function randomNode(r: Random, i: number): Node {
  const labels: Record<string, string> = {};
  for (const [k, values] of LABELS) if (r() < 0.4) labels[k] = pick(r, values);
  const taints = TAINTS.filter(() => r() < 0.2);
  const resources = { cpu: `${1 + Math.floor(r() * 8)}`, memory: `${1 + Math.floor(r() * 16)}Gi`, pods: "110" };
  const status: Node["status"] = {};
  if (r() < 0.8) status.allocatable = resources;
  if (r() < 0.7) status.capacity = { ...resources, cpu: `${Number(resources.cpu) + 1}` };
  return {
    metadata: {
      name: `node-${i}`,
      labels: r() < 0.1 ? undefined : labels,
      deletionTimestamp: r() < 0.15 ? DELETED_AT : undefined,
    },
    spec: { taints: r() < 0.1 ? undefined : taints, unschedulable: r() < 0.15 ? true : undefined },
    status,
  };
}

const OWNERS: (Pod["metadata"]["ownerReferences"] | undefined)[] = [
  undefined,
  [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs" }],
  [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "ds" }],
  [{ apiVersion: "v1", kind: "Node", name: "node-0" }],
];

function randomPod(r: Random, i: number, nodeCount: number): Pod {
  const where = r();
  const nodeName = where < 0.2 ? undefined : where < 0.25 ? "ghost-node" : `node-${Math.floor(r() * nodeCount)}`;
  const phase = pick(r, [undefined, "Pending", "Running", "Running", "Succeeded", "Failed"] as const);
  return {
    metadata: {
      name: `pod-${i}`,
      namespace: pick(r, ["default", "shop"]),
      ownerReferences: pick(r, OWNERS),
      annotations: r() < 0.05 ? { "kubernetes.io/config.mirror": "hash" } : undefined,
      deletionTimestamp: r() < 0.15 ? DELETED_AT : undefined,
    },
    spec: {
      nodeName,
      containers: [
        {
          name: "c",
          resources:
            r() < 0.5 ? { requests: { cpu: `${Math.floor(r() * 900) + 100}m` } } : { limits: { memory: "256Mi" } },
        },
      ],
    },
    status: {
      phase,
      conditions: nodeName ? undefined : [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
    },
  };
}

/** The plan path: inputs as `stevedore plan --kubeconfig` gathers them, through the plan's solver input. */
function planExistingNodes(nodes: Node[], pods: Pod[]): ExistingNode[] {
  const inputs: LoadedInputs = {
    config: { nodePools: [], nodeClasses: [], warnings: [] },
    pendingPods: pods.filter(isProvisionable),
    boundPods: pods.filter((p) => p.spec.nodeName),
    nodes,
    daemonSets: [],
    pdbs: [],
    warnings: [],
  };
  return planSolveInput(inputs, { kind: "builtin", region: "us-east-1" }).solveInput.existingNodes;
}

/** The live path: the provisioner's snapshot (no claims in the store) and solver input. */
async function liveExistingNodes(nodes: Node[], pods: Pod[]): Promise<ExistingNode[]> {
  const deps = {
    cluster: {
      listNodes: async () => nodes,
      listPods: async () => pods,
      listDaemonSets: async () => [],
      listPodDisruptionBudgets: async () => [],
    },
    state: { listClaims: async () => [], listUnavailableOfferings: async () => [] },
    clock: { now: () => Date.parse("2026-01-05T12:00:00Z") },
  } as unknown as ControllerDeps;
  const view = await takeSnapshot(deps, { nodePools: [], nodeClasses: [], warnings: [] });
  return provisioningInput(view).input.existingNodes;
}

describe("existing nodes: plan and provisioner agree", () => {
  it("builds deep-equal existing nodes on 200 random clusters", async () => {
    const seen = { deleting: 0, cordoned: 0, terminatingPods: 0, pooled: 0, capacityFallback: 0 };
    for (let seed = 1; seed <= 200; seed++) {
      const r = seededRandom(seed);
      const nodeCount = Math.floor(r() * 6);
      const nodes = Array.from({ length: nodeCount }, (_, i) => randomNode(r, i));
      const pods = Array.from({ length: Math.floor(r() * 20) }, (_, i) => randomPod(r, i, Math.max(1, nodeCount)));
      const plan = planExistingNodes(nodes, pods);
      const live = await liveExistingNodes(nodes, pods);
      assert.deepEqual(plan, live, `seed ${seed}`);
      for (const [i, n] of plan.entries()) {
        const node = nodes[i];
        if (node.metadata.deletionTimestamp) seen.deleting += n.unschedulable ? 1 : 0;
        if (node.spec?.unschedulable) seen.cordoned += n.unschedulable ? 1 : 0;
        seen.terminatingPods += n.pods.filter((p) => p.metadata.deletionTimestamp).length;
        seen.pooled += n.nodePool ? 1 : 0;
        if (!node.status?.allocatable && node.status?.capacity) seen.capacityFallback += 1;
      }
    }
    for (const [what, count] of Object.entries(seen)) assert.ok(count > 0, `the generator covers ${what}`);
  });

  it("applies the rules both paths share", async () => {
    const node: Node = {
      metadata: { name: "n1", labels: { "karpenter.sh/provisioner-name": "legacy" }, deletionTimestamp: DELETED_AT },
      spec: {},
      status: { capacity: { cpu: "2", pods: "110" } },
    };
    const bound = (name: string, extra: Partial<Pod["metadata"]>, phase?: string): Pod => ({
      metadata: { name, namespace: "default", ...extra },
      spec: { nodeName: "n1", containers: [] },
      status: { phase },
    });
    const pods = [
      bound("running", {}, "Running"),
      bound("going", { deletionTimestamp: DELETED_AT }, "Running"),
      bound("done", {}, "Succeeded"),
    ];
    const [n] = planExistingNodes([node], pods);
    assert.deepEqual(n, (await liveExistingNodes([node], pods))[0]);
    assert.equal(n.labels["kubernetes.io/hostname"], "n1", "the hostname label is always set");
    assert.equal(n.unschedulable, true, "a Node being deleted takes no new pods");
    assert.equal(n.nodePool, "legacy", "the pool label names the pool of a node without a claim");
    assert.deepEqual(n.allocatable, { cpu: 2000, pods: 110 }, "capacity stands in for missing allocatable");
    assert.deepEqual(
      n.pods.map((p) => p.metadata.name),
      ["running", "going"],
      "terminating pods still occupy their node; finished ones do not",
    );
  });
});
