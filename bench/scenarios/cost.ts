/**
 * Cost benchmark family on the real us-east-1 on-demand built-in catalog (on-demand only, so every price is a
 * published fact, not the offline spot estimate). Each mix is a {@link SolveInput}; the benchmark reports the
 * packer's $/hour against the LP lower bound (`lib/scheduling/lower-bound.ts`).
 *
 * Pools follow Karpenter's getting-started NodePool: instance categories c, m, r of generation > 2, on-demand.
 * `cost-gpu` adds a `gpu` pool (category g, NVIDIA, tainted `nvidia.com/gpu=true:NoSchedule`).
 */

import type { Requirement } from "../../lib/api/model.js";
import { builtinInstanceTypes } from "../../lib/cloud/aws/builtin-catalog.js";
import type { Pod, TopologySpreadConstraint } from "../../lib/core/kube-objects.js";
import { pick, type Random, seededRandom } from "../../lib/core/seeded-random.js";
import type { InstanceType, SolveInput } from "../../lib/scheduling/types.js";
import { benchNodePool } from "./pools.js";

/** Names of the cost scenarios. */
export const COST_SCENARIOS = ["cost-web", "cost-memory", "cost-mixed-spread", "cost-gpu"] as const;
export type CostScenario = (typeof COST_SCENARIOS)[number];

const REGION = "us-east-1";
let catalog: InstanceType[] | undefined;

/** us-east-1, zones a..f, on-demand offerings only, AL2023 defaults. Built once per process. */
export function usEast1OnDemandCatalog(): InstanceType[] {
  catalog ??= builtinInstanceTypes({ region: REGION, capacityTypes: ["on-demand"] });
  return catalog;
}

const onDemand: Requirement = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const generalPurpose: Requirement[] = [
  { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
  { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["2"] },
  { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
  onDemand,
];

function makePod(name: string, app: string, requests: Record<string, string>, extra: Partial<Pod["spec"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app }, uid: name },
    spec: { containers: [{ name: "app", image: "app", resources: { requests } }], ...extra },
    status: { phase: "Pending" },
  };
}

function zoneSpread(app: string): TopologySpreadConstraint {
  return {
    maxSkew: 1,
    topologyKey: "topology.kubernetes.io/zone",
    whenUnsatisfiable: "DoNotSchedule",
    labelSelector: { matchLabels: { app } },
  };
}

/** Many small web-like pods across 10 apps. */
function webPods(n: number, random: Random): Pod[] {
  return Array.from({ length: n }, (_, i) =>
    makePod(`web-${i}`, `web-${i % 10}`, {
      cpu: pick(random, ["100m", "250m", "250m", "500m"]),
      memory: pick(random, ["128Mi", "256Mi", "512Mi", "1Gi"]),
    }),
  );
}

/** Memory-heavy pods (caches, JVMs): 2–16 GiB with little CPU. */
function memoryPods(n: number, random: Random): Pod[] {
  return Array.from({ length: n }, (_, i) =>
    makePod(`mem-${i}`, `mem-${i % 5}`, {
      cpu: pick(random, ["250m", "500m", "1"]),
      memory: pick(random, ["2Gi", "4Gi", "8Gi", "12Gi", "16Gi"]),
    }),
  );
}

/** Mixed sizes in 8 apps, each spread over zones (maxSkew 1, DoNotSchedule). */
function mixedSpreadPods(n: number, random: Random): Pod[] {
  return Array.from({ length: n }, (_, i) => {
    const app = `svc-${i % 8}`;
    const size = random();
    const requests =
      size < 0.6
        ? { cpu: pick(random, ["250m", "500m"]), memory: pick(random, ["512Mi", "1Gi"]) }
        : size < 0.9
          ? { cpu: pick(random, ["1", "2"]), memory: pick(random, ["2Gi", "4Gi"]) }
          : { cpu: "4", memory: "16Gi" };
    return makePod(`mix-${i}`, app, requests, { topologySpreadConstraints: [zoneSpread(app)] });
  });
}

/** 10 % GPU pods (1 NVIDIA GPU, tolerate the gpu pool's taint) and 90 % CPU pods. */
function gpuPods(n: number, random: Random): Pod[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 10 === 0) {
      return makePod(
        `gpu-${i}`,
        "inference",
        { cpu: pick(random, ["2", "4"]), memory: pick(random, ["8Gi", "16Gi"]), "nvidia.com/gpu": "1" },
        { tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
      );
    }
    return makePod(`cpu-${i}`, `api-${i % 6}`, {
      cpu: pick(random, ["250m", "500m", "1", "2"]),
      memory: pick(random, ["512Mi", "1Gi", "2Gi", "4Gi"]),
    });
  });
}

/** Builds one cost scenario with `pods` pending pods (seeded, deterministic). */
export function costScenario(name: CostScenario, pods: number, seed = 42): SolveInput {
  const random = seededRandom(seed);
  const instanceTypes = usEast1OnDemandCatalog();
  const general = { pool: benchNodePool("default", { requirements: generalPurpose }), instanceTypes };
  switch (name) {
    case "cost-web":
      return { pods: webPods(pods, random), existingNodes: [], daemonSets: [], pools: [general] };
    case "cost-memory":
      return { pods: memoryPods(pods, random), existingNodes: [], daemonSets: [], pools: [general] };
    case "cost-mixed-spread":
      return { pods: mixedSpreadPods(pods, random), existingNodes: [], daemonSets: [], pools: [general] };
    case "cost-gpu": {
      const gpuPool = benchNodePool("gpu", {
        requirements: [
          { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["g"] },
          { key: "karpenter.k8s.aws/instance-gpu-manufacturer", operator: "In", values: ["nvidia"] },
          onDemand,
        ],
        taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
      });
      return {
        pods: gpuPods(pods, random),
        existingNodes: [],
        daemonSets: [],
        pools: [general, { pool: gpuPool, instanceTypes }],
      };
    }
  }
}
