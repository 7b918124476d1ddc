/**
 * A synthetic cluster for the disruption benchmark: `nodes` initialized Stevedore nodes of one general-purpose pool
 * (Karpenter's getting-started requirements, the real us-east-1 on-demand catalog, a 10 % disruption budget), each
 * with a DaemonSet pod and a few ReplicaSet pods. Most nodes are under-utilized (15–35 % of their CPU), a tenth are
 * busy (≈ 75 %), 5 % are empty (past `consolidateAfter`) and 5 % are past `expireAfter`. Seeded and deterministic.
 */

import type { Requirement } from "../../lib/api/model.js";
import { nodeClassWithDefaults } from "../../lib/api/nodeclass-defaults.js";
import type { DaemonSet, Node, Pod } from "../../lib/core/kube-objects.js";
import { formatResources } from "../../lib/core/quantity.js";
import { pick, type Random, seededRandom } from "../../lib/core/seeded-random.js";
import type { InstanceType } from "../../lib/scheduling/types.js";
import type { NodeClaim } from "../../lib/state/types.js";
import type { ClusterView } from "../../lib/view/cluster-view.js";
import { usEast1OnDemandCatalog } from "./cost.js";
import { benchNodePool } from "./pools.js";

/** Decision time of the synthetic view. */
export const CLUSTER_NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const HOUR = 3_600_000;
const EXPIRE_AFTER_SECONDS = 720 * 3600;
const POOL = "default";
const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];
/** Instance types the synthetic nodes run (what a cost-blind first launch might have picked). */
const NODE_TYPES = ["m5.xlarge", "m5.2xlarge", "c5.2xlarge", "r5.xlarge", "m6i.2xlarge"];

const generalPurpose: Requirement[] = [
  { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
  { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["2"] },
  { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
  { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
];

/** The pool: consolidation on, 30 s `consolidateAfter`, 720 h expiry, budget `10%`. */
export function disruptionBenchPool() {
  const pool = benchNodePool(POOL, { requirements: generalPurpose });
  pool.disruption = {
    consolidationPolicy: "WhenEmptyOrUnderutilized",
    emptyAfterSeconds: 30,
    expireAfterSeconds: EXPIRE_AFTER_SECONDS,
    budgets: [{ nodes: "10%" }],
  };
  return pool;
}

const DAEMONSET: DaemonSet = {
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "node-agent", namespace: "kube-system", uid: "ds-node-agent" },
  spec: {
    selector: { matchLabels: { app: "node-agent" } },
    template: {
      metadata: { labels: { app: "node-agent" } },
      spec: {
        containers: [{ name: "agent", resources: { requests: { cpu: "50m", memory: "64Mi" } } }],
        tolerations: [{ operator: "Exists" }],
      },
    },
  },
} as DaemonSet;

function daemonPod(node: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `node-agent-${node}`,
      namespace: "kube-system",
      uid: `uid-node-agent-${node}`,
      labels: { app: "node-agent" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "node-agent", uid: "ds-node-agent" }],
    },
    spec: {
      nodeName: node,
      containers: [{ name: "agent", resources: { requests: { cpu: "50m", memory: "64Mi" } } }],
      tolerations: [{ operator: "Exists" }],
    },
    status: { phase: "Running" },
  };
}

function appPod(name: string, app: string, node: string, cpuMillis: number, memMi: number): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      labels: { app },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-rs`, uid: `rs-${app}` }],
      creationTimestamp: new Date(CLUSTER_NOW - 2 * HOUR).toISOString(),
    },
    spec: {
      nodeName: node,
      containers: [{ name: "app", resources: { requests: { cpu: `${cpuMillis}m`, memory: `${memMi}Mi` } } }],
    },
    status: { phase: "Running" },
  };
}

/** A registered, Ready Node of this type, as the kubelet would report it. */
export function benchNode(name: string, type: InstanceType, zone: string): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        ...type.labels,
        "kubernetes.io/hostname": name,
        "karpenter.sh/nodepool": POOL,
        "karpenter.sh/initialized": "true",
        "topology.kubernetes.io/zone": zone,
        "karpenter.sh/capacity-type": "on-demand",
      },
    },
    spec: { providerID: `aws:///${zone}/i-${name}` },
    status: {
      allocatable: formatResources(type.allocatable),
      capacity: formatResources(type.capacity),
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

/** The Initialized claim of a bench node. */
export function benchClaim(name: string, type: InstanceType, zone: string, createdAt: number, now: number): NodeClaim {
  const price = type.offerings.find((o) => o.zone === zone && o.capacityType === "on-demand")?.price;
  return {
    id: `claim-${name}`,
    pool: POOL,
    state: "Initialized",
    version: 1,
    createdAt,
    updatedAt: createdAt,
    instanceTypeOptions: [type.name],
    capacityTypes: ["on-demand"],
    zones: [zone],
    labels: { "karpenter.sh/nodepool": POOL },
    taints: [],
    startupTaints: [],
    pods: [],
    poolHash: "bench-default",
    classHash: "bench-class",
    instanceId: `i-${name}`,
    providerID: `aws:///${zone}/i-${name}`,
    nodeName: name,
    instanceType: type.name,
    zone,
    capacityType: "on-demand",
    pricePerHour: price,
    launchedAt: createdAt,
    registeredAt: createdAt + 60_000,
    initializedAt: Math.min(now - 60_000, createdAt + 90_000),
  };
}

function appPods(node: string, type: InstanceType, share: number, random: Random): Pod[] {
  const out: Pod[] = [];
  const budget = (type.allocatable.cpu ?? 0) * share;
  let used = 0;
  for (let i = 0; used < budget; i++) {
    const cpu = pick(random, [100, 250, 250, 500, 750]);
    if (used + cpu > budget && i > 0) break;
    const mem = pick(random, [256, 512, 1024, 1536]);
    out.push(appPod(`${node}-p${i}`, `app-${Math.floor(random() * 40)}`, node, cpu, mem));
    used += cpu;
  }
  return out;
}

/** The synthetic cluster view of `nodes` nodes. */
export function disruptionCluster(nodes: number, seed = 42): ClusterView {
  const random = seededRandom(seed);
  const catalog = usEast1OnDemandCatalog();
  const byName = new Map(catalog.map((t) => [t.name, t]));
  const pool = disruptionBenchPool();
  const view: ClusterView = {
    now: CLUSTER_NOW,
    pools: [pool],
    nodeClasses: [nodeClassWithDefaults("default", { hash: "bench-class" })],
    instanceTypes: new Map([[POOL, catalog]]),
    claims: [],
    nodes: [],
    pods: [],
    daemonSets: [DAEMONSET],
    pdbs: [],
  };
  for (let i = 0; i < nodes; i++) {
    const name = `node-${String(i).padStart(5, "0")}`;
    const type = byName.get(pick(random, NODE_TYPES)) as InstanceType;
    const zone = ZONES[i % ZONES.length];
    const roll = random();
    const expired = roll >= 0.95;
    const createdAt = expired
      ? CLUSTER_NOW - EXPIRE_AFTER_SECONDS * 1000 - HOUR
      : CLUSTER_NOW - (2 + 100 * random()) * HOUR;
    const claim = benchClaim(name, type, zone, createdAt, CLUSTER_NOW);
    const empty = roll >= 0.9 && roll < 0.95;
    const share = roll < 0.1 ? 0.75 : 0.15 + 0.2 * random();
    if (empty) claim.emptySince = CLUSTER_NOW - 10 * 60_000;
    view.claims.push(claim);
    view.nodes.push(benchNode(name, type, zone));
    view.pods.push(daemonPod(name), ...(empty ? [] : appPods(name, type, share, random)));
  }
  return view;
}
