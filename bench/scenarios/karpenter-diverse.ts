/**
 * Karpenter's scheduling benchmark (`scheduling_benchmark_test.go` in kubernetes-sigs/karpenter) as a {@link SolveInput}:
 *
 * - 400 instance types `fake-it-<i>`: i+1 vCPU, 2(i+1) GiB, 10(i+1) pods, overhead 100m CPU / 10Mi; offerings spot in
 *   `test-zone-1..2` and on-demand in `test-zone-1..3`, all priced 0.1 × vCPU + 0.1 × GiB;
 * - one NodePool (`default`, v1) with huge limits;
 * - pods in five equal groups, the remainder generic: (1) generic, (2) zonal topology spread, (3) hostname topology
 *   spread — both maxSkew 1, DoNotSchedule, selector `my-label` ∈ {a..g} drawn at random, pods labelled with a
 *   random `my-label` as in Karpenter — (4) zonal pod self-affinity on a random `my-affininity` label (sic, as
 *   Karpenter spells it), (5) hostname pod anti-affinity against `app=nginx`, carried by these pods themselves;
 * - requests drawn with a seeded PRNG from CPU {100m, 250m, 500m, 1, 1.5} × memory {100, 256, 512, 1024, 2048,
 *   4096} Mi.
 *
 * Karpenter draws the affinity pods' label and selector independently; here the selector is the pod's own label
 * ("self-affinity", as bench/README.md describes it), so every pod is schedulable at every size.
 */
import type { NodePool } from "../../lib/api/model.js";
import type { Pod } from "../../lib/core/kube-objects.js";
import type { InstanceType, Offering, SolveInput } from "../../lib/scheduling/types.js";

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const LABEL_VALUES = ["a", "b", "c", "d", "e", "f", "g"];
const CPU_M = [100, 250, 500, 1000, 1500];
const MEMORY_MI = [100, 256, 512, 1024, 2048, 4096];

/** The five pod groups of the scenario. */
export type DiverseGroup = "generic" | "zonal-spread" | "hostname-spread" | "zonal-affinity" | "hostname-anti-affinity";

/** Annotation naming the group a pod was generated for (used by tests). */
export const GROUP_ANNOTATION = "bench.stevedore.dev/group";

import { nodePoolWithDefaults } from "../../lib/api/nodepool-defaults.js";
import { seededRandom } from "../../lib/core/seeded-random.js";

export { seededRandom };

/** Karpenter's `fake.InstanceTypes(n)`. */
export function fakeInstanceTypes(count: number): InstanceType[] {
  const out: InstanceType[] = [];
  for (let i = 0; i < count; i++) {
    const vcpu = i + 1;
    const memGiB = 2 * (i + 1);
    const price = 0.1 * vcpu + 0.1 * memGiB;
    const offerings: Offering[] = [
      { zone: "test-zone-1", capacityType: "spot", price, available: true },
      { zone: "test-zone-2", capacityType: "spot", price, available: true },
      { zone: "test-zone-1", capacityType: "on-demand", price, available: true },
      { zone: "test-zone-2", capacityType: "on-demand", price, available: true },
      { zone: "test-zone-3", capacityType: "on-demand", price, available: true },
    ];
    const capacity = { cpu: vcpu * 1000, memory: memGiB * GIB, pods: 10 * (i + 1) };
    const overhead = { cpu: 100, memory: 10 * MIB };
    out.push({
      name: `fake-it-${i}`,
      arch: "amd64",
      os: "linux",
      labels: {
        "node.kubernetes.io/instance-type": `fake-it-${i}`,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
      },
      capacity,
      overhead,
      allocatable: { cpu: capacity.cpu - overhead.cpu, memory: capacity.memory - overhead.memory, pods: capacity.pods },
      offerings,
    });
  }
  return out;
}

/** Karpenter's `test.NodePool()` with the benchmark's limits. */
export function benchmarkNodePool(): NodePool {
  return nodePoolWithDefaults("default", {
    limits: { cpu: "10000000", memory: "10000000Gi" },
    disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", emptyAfterSeconds: 0, budgets: [{ nodes: "10%" }] },
    hash: "benchmark",
  });
}

/** Generates the scenario's pods (see module doc) with the given seed. */
export function diversePods(count: number, seed = 42): Pod[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const requests = () => ({ cpu: `${pick(CPU_M)}m`, memory: `${pick(MEMORY_MI)}Mi` });
  const pods: Pod[] = [];
  const make = (group: DiverseGroup, labels: Record<string, string>, spec: Partial<Pod["spec"]>): Pod => {
    const n = pods.length;
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `diverse-${n}`,
        namespace: "default",
        uid: `diverse-uid-${n}`,
        labels,
        annotations: { [GROUP_ANNOTATION]: group },
      },
      spec: { ...spec, containers: [{ name: "app", resources: { requests: requests() } }] },
    };
  };
  const per = Math.floor(count / 5);
  for (let i = 0; i < per; i++) pods.push(make("generic", { "my-label": pick(LABEL_VALUES) }, {}));
  for (const [group, key] of [
    ["zonal-spread", "topology.kubernetes.io/zone"],
    ["hostname-spread", "kubernetes.io/hostname"],
  ] as const) {
    for (let i = 0; i < per; i++) {
      const labels = { "my-label": pick(LABEL_VALUES) };
      const selector = { "my-label": pick(LABEL_VALUES) };
      pods.push(
        make(group, labels, {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: key,
              whenUnsatisfiable: "DoNotSchedule",
              labelSelector: { matchLabels: selector },
            },
          ],
        }),
      );
    }
  }
  for (let i = 0; i < per; i++) {
    const labels = { "my-affininity": pick(LABEL_VALUES) };
    pods.push(
      make("zonal-affinity", labels, {
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { ...labels } }, topologyKey: "topology.kubernetes.io/zone" },
            ],
          },
        },
      }),
    );
  }
  for (let i = 0; i < per; i++) {
    pods.push(
      make(
        "hostname-anti-affinity",
        { app: "nginx" },
        {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { app: "nginx" } }, topologyKey: "kubernetes.io/hostname" },
              ],
            },
          },
        },
      ),
    );
  }
  while (pods.length < count) pods.push(make("generic", { "my-label": pick(LABEL_VALUES) }, {}));
  return pods;
}

/** The whole benchmark input for `pods` pods. */
export function karpenterDiverse(pods: number, seed = 42): SolveInput {
  return {
    pods: diversePods(pods, seed),
    existingNodes: [],
    daemonSets: [],
    pools: [{ pool: benchmarkNodePool(), instanceTypes: fakeInstanceTypes(400) }],
  };
}
