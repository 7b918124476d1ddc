/**
 * Random packing problems for property tests: small catalogs (zones, spot/on-demand, GPUs, unavailable offerings),
 * pools (weights, requirements, taints, labels, limits, both API flavours), DaemonSets, existing nodes with running
 * pods, and pending pods drawn from deployment-like templates with selectors, affinities, tolerations, topology
 * spread, pod (anti-)affinity, host ports, GPUs and init containers. Deterministic per seed.
 */
import type { NodePool } from "../../lib/api/model.js";
import type { Container, Pod, PodSpec, Taint, TopologySpreadConstraint } from "../../lib/core/kube-objects.js";
import { seededRandom } from "../../lib/core/seeded-random.js";
import type { CapacityType, ExistingNode, InstanceType, SolveInput } from "../../lib/scheduling/types.js";
import { daemonSet, instanceType, nodePool, req } from "./scheduling-fixtures.js";

/** Mulberry32 (the project's one seeded generator). */
export const rng = seededRandom;

const ZONES = ["z-a", "z-b", "z-c"];
const ZONE_KEY = "topology.kubernetes.io/zone";
const HOST_KEY = "kubernetes.io/hostname";
const CT_KEY = "karpenter.sh/capacity-type";

/** Builds the random problem of a seed. */
export function randomProblem(seed: number): SolveInput {
  const r = rng(seed);
  const chance = (p: number) => r() < p;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const subset = <T>(xs: readonly T[]): T[] => {
    const out = xs.filter(() => chance(0.6));
    return out.length > 0 ? out : [pick(xs)];
  };

  const zones = ZONES.slice(0, int(1, 3));
  const gpuTaint: Taint = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" };

  // Catalog.
  const types: InstanceType[] = [];
  const nTypes = int(2, 7);
  for (let i = 0; i < nTypes; i++) {
    const cpu = pick([1, 2, 4, 8, 16]);
    const gpu = chance(0.15) ? pick([1, 2, 4]) : 0;
    types.push(
      instanceType(`t${i}.${cpu}x`, {
        cpu,
        memGiB: cpu * pick([1, 2, 4, 8]),
        pods: pick([4, 8, 17, 29, 58, 110]),
        gpu,
        arch: chance(0.25) ? "arm64" : "amd64",
        family: pick(["c", "m", "r"]),
        zones: subset(zones),
        capacityTypes: subset<CapacityType>(["spot", "on-demand"]),
        unavailable: chance(0.2)
          ? [{ zone: pick(zones), capacityType: pick<CapacityType>(["spot", "on-demand"]) }]
          : [],
        price: Math.round((0.04 * cpu + 0.6 * gpu + 0.01 * cpu * r()) * 1e4) / 1e4 || 0.01,
      }),
    );
  }

  // Pools.
  const pools: { pool: NodePool; instanceTypes: InstanceType[] }[] = [];
  const nPools = int(1, 3);
  for (let i = 0; i < nPools; i++) {
    const requirements = [];
    if (chance(0.3)) requirements.push(req(CT_KEY, "In", ...subset(["spot", "on-demand"])));
    if (chance(0.2)) requirements.push(req(ZONE_KEY, "In", ...subset(zones)));
    if (chance(0.15)) requirements.push(req("kubernetes.io/arch", "In", pick(["amd64", "arm64"])));
    if (chance(0.15)) requirements.push(req("karpenter.k8s.aws/instance-family", "NotIn", pick(["c", "m", "r"])));
    if (chance(0.1)) requirements.push(req("karpenter.k8s.aws/instance-cpu", "Gt", String(pick([1, 2, 4]))));
    if (chance(0.2)) requirements.push(req("team", "In", ...subset(["red", "blue"])));
    const taints: Taint[] = [];
    if (chance(0.2)) taints.push(gpuTaint);
    if (chance(0.15))
      taints.push({ key: "dedicated", value: "batch", effect: pick(["NoSchedule", "PreferNoSchedule"]) });
    const limits: Record<string, string> = {};
    if (chance(0.2)) limits.cpu = String(pick([4, 8, 16, 32]));
    if (chance(0.1)) limits.memory = `${pick([16, 64])}Gi`;
    if (chance(0.1)) limits.nodes = String(int(1, 4));
    pools.push({
      pool: nodePool(`pool${i}`, {
        flavor: chance(0.3) ? "v1alpha5" : "v1",
        weight: int(0, 3) * 10,
        requirements,
        taints,
        startupTaints: chance(0.1) ? [{ key: "startup", effect: "NoSchedule" }] : [],
        labels: chance(0.3) ? { tier: pick(["web", "data"]) } : {},
        limits,
      }),
      instanceTypes: types.filter(() => chance(0.85)),
    });
  }

  // DaemonSets.
  const daemonSets = [];
  for (let i = 0; i < int(0, 2); i++) {
    const spec: Partial<PodSpec> = {};
    if (chance(0.3)) spec.nodeSelector = { "kubernetes.io/arch": pick(["amd64", "arm64"]) };
    if (chance(0.3)) spec.tolerations = [{ operator: "Exists" }];
    if (chance(0.2))
      spec.containers = [
        { name: "d", resources: { requests: { cpu: "50m" } }, ports: [{ containerPort: 9100, hostPort: 9100 }] },
      ];
    daemonSets.push(daemonSet(`ds${i}`, { cpu: pick(["50m", "100m", "200m"]), memory: pick(["64Mi", "128Mi"]) }, spec));
  }

  // Pod templates.
  const templates: {
    app: string;
    namespace: string;
    spec: () => Partial<PodSpec>;
    labels: Record<string, string>;
    requests: () => Record<string, string>;
    count: number;
  }[] = [];
  const nApps = int(1, 5);
  for (let i = 0; i < nApps; i++) {
    const app = `app${i}`;
    const labels: Record<string, string> = { app };
    if (chance(0.3)) labels.tier = pick(["web", "data"]);
    const gpu = chance(0.12);
    const cpu = pick(["100m", "250m", "500m", "1", "2", "3"]);
    const mem = pick(["128Mi", "512Mi", "1Gi", "2Gi", "6Gi"]);
    const spec: Partial<PodSpec> = {};
    if (chance(0.2))
      spec.nodeSelector = pick<Record<string, string>>([
        { [ZONE_KEY]: pick(zones) },
        { "kubernetes.io/arch": "arm64" },
        { team: pick(["red", "blue"]) },
        { [CT_KEY]: pick(["spot", "on-demand"]) },
      ]);
    if (chance(0.2)) {
      spec.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: ZONE_KEY, operator: "In", values: subset(zones) }] },
              ...(chance(0.5)
                ? [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "NotIn", values: ["arm64"] }] }]
                : []),
            ],
          },
          ...(chance(0.5)
            ? {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 50, preference: { matchExpressions: [{ key: CT_KEY, operator: "In", values: ["spot"] }] } },
                ],
              }
            : {}),
        },
      };
    }
    const tolerations = [];
    if (gpu || chance(0.2)) tolerations.push({ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" });
    if (chance(0.15)) tolerations.push({ key: "dedicated", operator: "Equal", value: "batch" });
    if (tolerations.length > 0) spec.tolerations = tolerations;
    const tsc: TopologySpreadConstraint[] = [];
    if (chance(0.35)) {
      tsc.push({
        maxSkew: pick([1, 1, 2]),
        topologyKey: pick([ZONE_KEY, ZONE_KEY, HOST_KEY, CT_KEY]),
        whenUnsatisfiable: chance(0.7) ? "DoNotSchedule" : "ScheduleAnyway",
        labelSelector: { matchLabels: { app: chance(0.8) ? app : `app${int(0, nApps - 1)}` } },
        ...(chance(0.1) ? { minDomains: int(2, 4) } : {}),
      });
    }
    if (tsc.length > 0) spec.topologySpreadConstraints = tsc;
    const aff = spec.affinity ?? {};
    if (chance(0.25)) {
      aff.podAntiAffinity = {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            topologyKey: pick([HOST_KEY, HOST_KEY, ZONE_KEY]),
            labelSelector: { matchLabels: { app: chance(0.8) ? app : `app${int(0, nApps - 1)}` } },
          },
        ],
      };
    } else if (chance(0.1)) {
      aff.podAntiAffinity = {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, podAffinityTerm: { topologyKey: HOST_KEY, labelSelector: { matchLabels: { app } } } },
        ],
      };
    }
    if (chance(0.2)) {
      aff.podAffinity = {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            topologyKey: pick([ZONE_KEY, HOST_KEY]),
            labelSelector: { matchLabels: { app: chance(0.6) ? app : `app${int(0, nApps - 1)}` } },
            ...(chance(0.2) ? { namespaces: ["default", "team-b"] } : {}),
          },
          ...(chance(0.15)
            ? [{ topologyKey: ZONE_KEY, labelSelector: { matchLabels: { tier: pick(["web", "data"]) } } }]
            : []),
        ],
      };
    }
    if (aff.podAffinity || aff.podAntiAffinity || aff.nodeAffinity) spec.affinity = aff;
    const hostPort = chance(0.1);
    const initContainers: Container[] | undefined = chance(0.1)
      ? [
          { name: "init", resources: { requests: { cpu: "1", memory: "256Mi" } } },
          { name: "side", restartPolicy: "Always", resources: { requests: { cpu: "100m" } } },
        ]
      : undefined;
    templates.push({
      app,
      namespace: chance(0.2) ? "team-b" : "default",
      labels,
      count: int(1, 8),
      requests: () => ({ cpu, memory: mem, ...(gpu ? { "nvidia.com/gpu": String(pick([1, 1, 2])) } : {}) }),
      spec: () => ({
        ...spec,
        ...(initContainers ? { initContainers } : {}),
        ...(hostPort ? {} : {}),
      }),
    });
    if (hostPort) {
      const t = templates[templates.length - 1];
      const inner = t.spec;
      t.spec = () => ({
        ...inner(),
        containers: [
          { name: "app", ports: [{ containerPort: 8080, hostPort: 8080 }], resources: { requests: t.requests() } },
        ],
      });
    }
  }

  // Existing nodes with running pods.
  const existingNodes: ExistingNode[] = [];
  const nExisting = int(0, 3);
  for (let i = 0; i < nExisting; i++) {
    const t = pick(types);
    const pool = chance(0.7) ? pick(pools).pool : undefined;
    const nodeName = `existing-${i}`;
    const zone = pick(zones);
    const running: Pod[] = [];
    for (let k = 0; k < int(0, 3); k++) {
      const tpl = pick(templates);
      running.push({
        metadata: {
          name: `run-${i}-${k}`,
          namespace: "default",
          uid: `run-${seed}-${i}-${k}`,
          labels: { ...tpl.labels },
        },
        spec: {
          ...tpl.spec(),
          nodeName,
          containers: [{ name: "app", resources: { requests: { cpu: "100m", memory: "128Mi" } } }],
        },
        status: { phase: "Running" },
      });
    }
    existingNodes.push({
      name: nodeName,
      labels: {
        ...t.labels,
        [HOST_KEY]: nodeName,
        [ZONE_KEY]: zone,
        [CT_KEY]: pick(["spot", "on-demand"]),
        ...(pool
          ? {
              [pool.flavor === "v1" ? "karpenter.sh/nodepool" : "karpenter.sh/provisioner-name"]: pool.name,
              ...pool.labels,
            }
          : {}),
      },
      taints: chance(0.2) ? [gpuTaint] : [],
      allocatable: { ...t.allocatable },
      capacity: { ...t.capacity },
      pods: running,
      unschedulable: chance(0.15),
      inFlight: chance(0.2),
      nodePool: pool?.name,
    });
  }

  // Pending pods (and some that are not the solver's).
  const pods: Pod[] = [];
  let n = 0;
  for (const t of templates) {
    for (let k = 0; k < t.count; k++) {
      const spec = t.spec();
      const containers = spec.containers ?? [{ name: "app", resources: { requests: t.requests() } }];
      pods.push({
        metadata: { name: `${t.app}-${k}`, namespace: t.namespace, uid: `p-${seed}-${n++}`, labels: { ...t.labels } },
        spec: { ...spec, containers },
        status: { phase: "Pending" },
      });
    }
  }
  if (chance(0.2)) {
    pods.push({
      metadata: {
        name: "ds-owned",
        namespace: "kube-system",
        uid: `ds-${seed}`,
        ownerReferences: [{ kind: "DaemonSet", name: "x" }],
      },
      spec: { containers: [{ name: "d" }] },
    });
  }
  if (chance(0.2)) {
    pods.push({
      metadata: { name: "nominated", namespace: "default", uid: `nom-${seed}` },
      spec: { containers: [{ name: "x", resources: { requests: { cpu: "1" } } }] },
      status: { phase: "Pending", nominatedNodeName: "somewhere" },
    });
  }
  if (existingNodes.length > 0 && chance(0.3)) {
    const node = pick(existingNodes);
    pods.push({
      metadata: { name: "bound", namespace: "default", uid: `bound-${seed}`, labels: { app: "app0" } },
      spec: { nodeName: node.name, containers: [{ name: "x", resources: { requests: { cpu: "100m" } } }] },
      status: { phase: "Running" },
    });
  }
  return { pods, existingNodes, daemonSets, pools, maxInstanceTypes: chance(0.2) ? 2 : undefined };
}
