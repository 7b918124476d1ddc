/**
 * Builders for disruption tests: pools, classes, instance types, nodes, pods, claims, and a small first-fit solver
 * (resources, nodeSelector, taints, unschedulable) so the pure decision logic is tested independently of the packer.
 */

import type { NodeClass, NodePool } from "../../lib/api/model.js";
import { nodeClassWithDefaults } from "../../lib/api/nodeclass-defaults.js";
import { nodePoolWithDefaults } from "../../lib/api/nodepool-defaults.js";
import type { Node, Pod, Taint } from "../../lib/core/kube-objects.js";
import { addResources, fits, formatResources, type Resources, subtractResources } from "../../lib/core/quantity.js";
import { podRequests } from "../../lib/scheduling/primitives/pod-requests.js";
import { toleratesTaint } from "../../lib/scheduling/primitives/taints.js";
import type {
  CapacityType,
  ExistingNode,
  InstanceType,
  NewNode,
  Offering,
  SolveInput,
  SolveResult,
} from "../../lib/scheduling/types.js";
import type { NodeClaim } from "../../lib/state/types.js";
import type { ClusterView } from "../../lib/view/cluster-view.js";

export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const GI = 2 ** 30;

export function mkPool(
  name = "default",
  over: Partial<NodePool> = {},
  disruption: Partial<NodePool["disruption"]> = {},
): NodePool {
  return nodePoolWithDefaults(name, {
    hash: "pool-hash-1",
    ...over,
    disruption: {
      consolidationPolicy: "WhenEmptyOrUnderutilized",
      emptyAfterSeconds: 0,
      budgets: [{ nodes: "100%" }],
      ...disruption,
    },
  });
}

export function mkClass(name = "default", hash = "class-hash-1"): NodeClass {
  return nodeClassWithDefaults(name, {
    source: { file: "test.yaml", kind: "EC2NodeClass", apiVersion: "karpenter.k8s.aws/v1" },
    hash,
  });
}

/** An instance type with `cpu` cores and `memGi` GiB allocatable, offered in zone-a (and zone-b) at these prices. */
export function mkType(
  name: string,
  cpu: number,
  memGi: number,
  od: number,
  spot?: number,
  zones = ["zone-a", "zone-b"],
): InstanceType {
  const offerings: Offering[] = [];
  for (const zone of zones) {
    offerings.push({ zone, capacityType: "on-demand", price: od, available: true });
    if (spot !== undefined) offerings.push({ zone, capacityType: "spot", price: spot, available: true });
  }
  const capacity: Resources = { cpu: cpu * 1000, memory: memGi * GI, pods: 110 };
  return {
    name,
    arch: "amd64",
    os: "linux",
    labels: { "node.kubernetes.io/instance-type": name, "karpenter.k8s.aws/instance-cpu": String(cpu) },
    capacity,
    overhead: {},
    allocatable: { ...capacity },
    offerings,
  };
}

export interface NodeOpts {
  type: InstanceType;
  pool?: string;
  zone?: string;
  capacityType?: CapacityType;
  ready?: boolean;
  annotations?: Record<string, string>;
  taints?: Taint[];
}

export function mkNode(name: string, o: NodeOpts): Node {
  return {
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "karpenter.sh/nodepool": o.pool ?? "default",
        "node.kubernetes.io/instance-type": o.type.name,
        "topology.kubernetes.io/zone": o.zone ?? "zone-a",
        "karpenter.sh/capacity-type": o.capacityType ?? "on-demand",
      },
      annotations: o.annotations ?? {},
    },
    spec: { providerID: `aws:///${o.zone ?? "zone-a"}/i-${name}`, taints: o.taints ?? [] },
    status: {
      allocatable: formatResources(o.type.allocatable),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

export interface PodOpts {
  node?: string;
  cpu?: string;
  mem?: string;
  ns?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: string;
  priorityClassName?: string;
  priority?: number;
  nodeSelector?: Record<string, string>;
  created?: number;
}

export function mkPod(name: string, o: PodOpts = {}): Pod {
  return {
    metadata: {
      name,
      namespace: o.ns ?? "default",
      uid: `uid-${name}`,
      labels: o.labels ?? { app: name },
      annotations: o.annotations ?? {},
      ownerReferences: [{ kind: o.owner ?? "ReplicaSet", name: `${name}-rs` }],
      creationTimestamp: new Date(o.created ?? T0 - 3_600_000).toISOString(),
    },
    spec: {
      nodeName: o.node,
      nodeSelector: o.nodeSelector,
      priorityClassName: o.priorityClassName,
      priority: o.priority,
      containers: [{ name: "c", resources: { requests: { cpu: o.cpu ?? "500m", memory: o.mem ?? "512Mi" } } }],
    },
    status: { phase: o.node ? "Running" : "Pending" },
  };
}

export interface ClaimOpts {
  node?: string;
  type?: InstanceType;
  pool?: string;
  state?: NodeClaim["state"];
  zone?: string;
  capacityType?: CapacityType;
  price?: number;
  createdAt?: number;
  emptySince?: number;
  pods?: string[];
  poolHash?: string;
  classHash?: string;
  disruptionReason?: NodeClaim["disruptionReason"];
}

export function mkClaim(id: string, o: ClaimOpts = {}): NodeClaim {
  const createdAt = o.createdAt ?? T0 - 3_600_000;
  const node = o.node;
  return {
    id,
    pool: o.pool ?? "default",
    state: o.state ?? "Initialized",
    version: 1,
    createdAt,
    updatedAt: createdAt,
    instanceTypeOptions: o.type ? [o.type.name] : [],
    capacityTypes: [o.capacityType ?? "on-demand"],
    zones: [o.zone ?? "zone-a"],
    labels: { "karpenter.sh/nodepool": o.pool ?? "default" },
    taints: [],
    startupTaints: [],
    pods: o.pods ?? [],
    poolHash: o.poolHash ?? "pool-hash-1",
    classHash: o.classHash ?? "class-hash-1",
    instanceId: node ? `i-${node}` : undefined,
    providerID: node ? `aws:///${o.zone ?? "zone-a"}/i-${node}` : undefined,
    nodeName: node,
    instanceType: o.type?.name,
    zone: o.zone ?? "zone-a",
    capacityType: o.capacityType ?? "on-demand",
    pricePerHour:
      o.price ??
      (o.type ? o.type.offerings.find((x) => x.capacityType === (o.capacityType ?? "on-demand"))?.price : undefined),
    launchedAt: createdAt,
    registeredAt: createdAt + 60_000,
    initializedAt: o.state === undefined || o.state === "Initialized" ? createdAt + 90_000 : undefined,
    emptySince: o.emptySince,
    disruptionReason: o.disruptionReason,
  };
}

/** A node + its claim + bound pods in one go. */
export function mkManaged(
  name: string,
  type: InstanceType,
  pods: PodOpts[] = [],
  o: Omit<ClaimOpts, "node" | "type"> & { annotations?: Record<string, string>; ready?: boolean } = {},
): { node: Node; claim: NodeClaim; pods: Pod[] } {
  return {
    node: mkNode(name, {
      type,
      pool: o.pool,
      zone: o.zone,
      capacityType: o.capacityType,
      annotations: o.annotations,
      ready: o.ready,
    }),
    claim: mkClaim(`claim-${name}`, { ...o, node: name, type }),
    pods: pods.map((p, i) => mkPod(`${name}-p${i}`, { ...p, node: name })),
  };
}

export function mkView(
  parts: { node: Node; claim: NodeClaim; pods: Pod[] }[],
  over: Partial<ClusterView> = {},
): ClusterView {
  const types = over.instanceTypes ?? new Map();
  return {
    now: T0,
    pools: [mkPool()],
    nodeClasses: [mkClass()],
    instanceTypes: types,
    claims: parts.map((p) => p.claim),
    nodes: parts.map((p) => p.node),
    pods: parts.flatMap((p) => p.pods),
    daemonSets: [],
    pdbs: [],
    ...over,
  };
}

function selectorOk(pod: Pod, labels: Record<string, string>): boolean {
  return Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
}

function taintsOk(pod: Pod, taints: { key: string; value?: string; effect: string }[]): boolean {
  return taints
    .filter((t) => t.effect !== "PreferNoSchedule")
    .every((t) => (pod.spec.tolerations ?? []).some((tol) => toleratesTaint(tol, t)));
}

function used(n: ExistingNode): Resources {
  return n.pods.reduce<Resources>((acc, p) => addResources(acc, podRequests(p)), {});
}

/**
 * First-fit decreasing over existing nodes, then new nodes per pool (cheapest available offering among types that
 * fit the bin). Enough to exercise decisions; the real packer is tested on its own.
 */
export function simpleSolver(input: SolveInput): SolveResult {
  const pods = [...input.pods].sort(
    (a, b) =>
      (podRequests(b).cpu ?? 0) - (podRequests(a).cpu ?? 0) ||
      (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
  );
  const free = new Map(input.existingNodes.map((n) => [n.name, subtractResources(n.allocatable, used(n))]));
  const existingAssignments = new Map<string, Pod[]>();
  const bins: { pool: string; pods: Pod[]; req: Resources }[] = [];
  const unschedulable: SolveResult["unschedulable"] = [];
  const cheapest = (t: InstanceType): Offering | undefined =>
    t.offerings.filter((o) => o.available).sort((a, b) => a.price - b.price)[0];
  outer: for (const pod of pods) {
    const req = podRequests(pod);
    for (const n of input.existingNodes) {
      if (n.unschedulable || !selectorOk(pod, n.labels) || !taintsOk(pod, n.taints)) continue;
      const f = free.get(n.name) as Resources;
      if (!fits(req, f)) continue;
      free.set(n.name, subtractResources(f, req));
      existingAssignments.set(n.name, [...(existingAssignments.get(n.name) ?? []), pod]);
      continue outer;
    }
    for (const b of bins) {
      const pool = input.pools.find((p) => p.pool.name === b.pool);
      const total = addResources(b.req, req);
      if (
        pool &&
        selectorOk(pod, { "karpenter.sh/nodepool": b.pool }) &&
        pool.instanceTypes.some((t) => cheapest(t) && fits(total, t.allocatable))
      ) {
        b.pods.push(pod);
        b.req = total;
        continue outer;
      }
    }
    for (const p of input.pools) {
      if (!selectorOk(pod, { ...p.pool.labels, "karpenter.sh/nodepool": p.pool.name })) continue;
      if (p.instanceTypes.some((t) => cheapest(t) && fits(req, t.allocatable))) {
        bins.push({ pool: p.pool.name, pods: [pod], req });
        continue outer;
      }
    }
    unschedulable.push({ pod, reason: "no instance type fits" });
  }
  const newNodes: NewNode[] = bins.map((b, i) => {
    const pool = input.pools.find((p) => p.pool.name === b.pool) as SolveInput["pools"][number];
    const options = pool.instanceTypes
      .filter((t) => cheapest(t) && fits(b.req, t.allocatable))
      .sort((x, y) => (cheapest(x)?.price ?? 0) - (cheapest(y)?.price ?? 0) || x.name.localeCompare(y.name));
    const it = options[0];
    const offering = cheapest(it) as Offering;
    const zones = [...new Set(options.flatMap((t) => t.offerings.map((o) => o.zone)))].sort();
    const capacityTypes = [
      ...new Set(options.flatMap((t) => t.offerings.map((o) => o.capacityType))),
    ].sort() as CapacityType[];
    return {
      name: `${b.pool}-${String(i + 1).padStart(4, "0")}`,
      pool: b.pool,
      instanceTypeOptions: options,
      instanceType: it,
      offering,
      zones,
      capacityTypes,
      labels: {
        ...pool.pool.labels,
        ...it.labels,
        "karpenter.sh/nodepool": b.pool,
        "topology.kubernetes.io/zone": offering.zone,
        "karpenter.sh/capacity-type": offering.capacityType,
      },
      taints: pool.pool.taints,
      startupTaints: pool.pool.startupTaints,
      requests: b.req,
      pods: b.pods,
    };
  });
  return {
    newNodes,
    existingAssignments,
    unschedulable,
    costPerHour: newNodes.reduce((s, n) => s + n.offering.price, 0),
  };
}
