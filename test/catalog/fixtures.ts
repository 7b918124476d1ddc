/** Small builders shared by the catalog tests. */
import type { NodePool } from "../../lib/api/model.js";
import { nodePoolWithDefaults } from "../../lib/api/nodepool-defaults.js";
import type { Pod } from "../../lib/core/kube-objects.js";
import type { CapacityType, InstanceType, PoolInput, SolveInput } from "../../lib/scheduling/types.js";

/** A v1 NodePool with defaults. */
export function pool(name: string, over: Partial<NodePool> = {}): NodePool {
  return nodePoolWithDefaults(name, { hash: "test", ...over });
}

/** A pending pod with one container. */
export function pod(
  name: string,
  requests: Record<string, string>,
  spec: Partial<Pod["spec"]> = {},
  labels?: Record<string, string>,
): Pod {
  return {
    metadata: { name, namespace: "default", labels },
    spec: { containers: [{ name: "c", resources: { requests } }], ...spec },
  };
}

/** A synthetic instance type: cpu in cores, memory in GiB, one offering per (zone, capacity type). */
export function fakeType(
  name: string,
  cpu: number,
  memGiB: number,
  price: number,
  opts: {
    pods?: number;
    zones?: string[];
    capacityType?: CapacityType;
    labels?: Record<string, string>;
    extra?: Record<string, number>;
  } = {},
): InstanceType {
  const allocatable = { cpu: cpu * 1000, memory: memGiB * 2 ** 30, pods: opts.pods ?? 110, ...(opts.extra ?? {}) };
  return {
    name,
    arch: "amd64",
    os: "linux",
    labels: {
      "node.kubernetes.io/instance-type": name,
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/os": "linux",
      ...(opts.labels ?? {}),
    },
    capacity: allocatable,
    overhead: {},
    allocatable,
    offerings: (opts.zones ?? ["z1"]).map((zone) => ({
      zone,
      capacityType: opts.capacityType ?? "on-demand",
      price,
      available: true,
    })),
  };
}

/** A solver input with one or more pools and nothing existing. */
export function input(pods: Pod[], pools: PoolInput[], extra: Partial<SolveInput> = {}): SolveInput {
  return { pods, existingNodes: [], daemonSets: [], pools, ...extra };
}
