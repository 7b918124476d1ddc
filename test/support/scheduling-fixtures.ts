/** Builders for packer tests: NodePools, instance types, pods, existing nodes, DaemonSets. */
import type { NodePool, Requirement } from "../../lib/api/model.js";
import { nodePoolWithDefaults } from "../../lib/api/nodepool-defaults.js";
import type { DaemonSet, Pod, PodSpec, Taint } from "../../lib/core/kube-objects.js";
import type { CapacityType, ExistingNode, InstanceType, Offering, SolveInput } from "../../lib/scheduling/types.js";

export const GIB = 2 ** 30;
export const MIB = 2 ** 20;

/** A normalised NodePool (v1 unless `flavor` says otherwise). */
export function nodePool(name: string, opts: Partial<NodePool> = {}): NodePool {
  return nodePoolWithDefaults(name, { hash: `test-${name}`, ...opts });
}

/** A requirement in config form. */
export function req(key: string, operator: Requirement["operator"], ...values: string[]): Requirement {
  return { key, operator, values };
}

/** Options of {@link instanceType}. */
export interface TypeOptions {
  cpu: number;
  memGiB: number;
  pods?: number;
  gpu?: number;
  arch?: string;
  family?: string;
  labels?: Record<string, string>;
  /** Price per offering; defaults to 0.05/vCPU + 0.005/GiB (+1/GPU), spot at 40 %. */
  price?: number;
  zones?: string[];
  capacityTypes?: CapacityType[];
  unavailable?: { zone: string; capacityType: CapacityType }[];
  /** Overhead as a fraction of cpu and memory. @default 0.05 */
  overhead?: number;
}

/** A fake instance type with offerings in every zone × capacity type. */
export function instanceType(name: string, o: TypeOptions): InstanceType {
  const capacity: Record<string, number> = { cpu: o.cpu * 1000, memory: o.memGiB * GIB, pods: o.pods ?? 110 };
  if (o.gpu) capacity["nvidia.com/gpu"] = o.gpu;
  const frac = o.overhead ?? 0.05;
  const overhead = { cpu: Math.round(capacity.cpu * frac), memory: Math.round(capacity.memory * frac) };
  const allocatable: Record<string, number> = {
    ...capacity,
    cpu: capacity.cpu - overhead.cpu,
    memory: capacity.memory - overhead.memory,
  };
  const base = o.price ?? 0.05 * o.cpu + 0.005 * o.memGiB + (o.gpu ?? 0);
  const offerings: Offering[] = [];
  for (const zone of o.zones ?? ["zone-a", "zone-b", "zone-c"]) {
    for (const ct of o.capacityTypes ?? (["spot", "on-demand"] as CapacityType[])) {
      const unavailable = (o.unavailable ?? []).some((u) => u.zone === zone && u.capacityType === ct);
      offerings.push({ zone, capacityType: ct, price: ct === "spot" ? base * 0.4 : base, available: !unavailable });
    }
  }
  const labels: Record<string, string> = {
    "node.kubernetes.io/instance-type": name,
    "kubernetes.io/arch": o.arch ?? "amd64",
    "kubernetes.io/os": "linux",
    "karpenter.k8s.aws/instance-family": o.family ?? name.split(".")[0],
    "karpenter.k8s.aws/instance-cpu": String(o.cpu),
    ...(o.gpu ? { "karpenter.k8s.aws/instance-gpu-count": String(o.gpu) } : {}),
    ...(o.labels ?? {}),
  };
  return { name, arch: o.arch ?? "amd64", os: "linux", labels, capacity, overhead, allocatable, offerings };
}

let podCounter = 0;

/** A pending pod with one container requesting `requests`. */
export function pod(
  name: string,
  requests: Record<string, string>,
  spec: Partial<PodSpec> = {},
  meta: Partial<Pod["metadata"]> = {},
): Pod {
  podCounter++;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}-${podCounter}`, labels: {}, ...meta },
    spec: { containers: [{ name: "app", resources: { requests } }], ...spec },
    status: { phase: "Pending" },
  };
}

/** `n` copies of a pod template (names `${prefix}-0..n-1`). */
export function pods(
  prefix: string,
  n: number,
  requests: Record<string, string>,
  spec: Partial<PodSpec> = {},
  meta: Partial<Pod["metadata"]> = {},
): Pod[] {
  return Array.from({ length: n }, (_, i) => pod(`${prefix}-${i}`, requests, spec, meta));
}

/** An existing node. */
export function existingNode(name: string, o: Partial<ExistingNode> & { cpu: number; memGiB: number }): ExistingNode {
  return {
    name,
    labels: { "kubernetes.io/hostname": name, ...(o.labels ?? {}) },
    taints: o.taints ?? [],
    allocatable: o.allocatable ?? { cpu: o.cpu * 1000, memory: o.memGiB * GIB, pods: 110 },
    pods: o.pods ?? [],
    unschedulable: o.unschedulable,
    inFlight: o.inFlight,
    nodePool: o.nodePool,
    capacity: o.capacity,
  };
}

/** A DaemonSet whose pods request `requests`. */
export function daemonSet(name: string, requests: Record<string, string>, spec: Partial<PodSpec> = {}): DaemonSet {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: "kube-system" },
    spec: { template: { spec: { containers: [{ name: "d", resources: { requests } }], ...spec } } },
  };
}

/** A taint. */
export function taint(key: string, value: string | undefined, effect: Taint["effect"]): Taint {
  return value === undefined ? { key, effect } : { key, value, effect };
}

/** A solve input with one pool over the given types. */
export function input(
  p: Pod[],
  pools: { pool: NodePool; instanceTypes: InstanceType[] }[],
  extra: Partial<SolveInput> = {},
): SolveInput {
  return { pods: p, existingNodes: [], daemonSets: [], pools, ...extra };
}

/** A small general-purpose catalog: c (2 GiB/vCPU), m (4), r (8) in sizes 2..16 vCPU, three zones. */
export function smallCatalog(): InstanceType[] {
  const out: InstanceType[] = [];
  for (const [fam, ratio, perCpu] of [
    ["c", 2, 0.0425],
    ["m", 4, 0.048],
    ["r", 8, 0.063],
  ] as const) {
    for (const cpu of [2, 4, 8, 16]) {
      const size = cpu === 2 ? "large" : cpu === 4 ? "xlarge" : `${cpu / 4}xlarge`;
      out.push(instanceType(`${fam}5.${size}`, { cpu, memGiB: cpu * ratio, pods: 29 + cpu * 4, price: perCpu * cpu }));
    }
  }
  return out;
}
