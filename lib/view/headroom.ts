/**
 * Virtual pods for the two Stevedore extensions that keep capacity around: `headroom` (spare capacity kept free as
 * if a pod with those requests were pending) and `minNodes` (static capacity: one tiny pod per node, spread by
 * hostname anti-affinity, so existing pool nodes satisfy it and only the shortfall is launched). Pure.
 */
import type { NodePool } from "../api/model.js";
import type { Pod } from "../core/kube-objects.js";
import { objectKey } from "../core/kube-objects.js";
import type { ViewIndex } from "./cluster-view.js";
import { buildExistingNodes } from "./existing-nodes.js";
import { poolInputs, type Solver } from "./solver-input.js";

/** Namespace virtual pods carry (never a real namespace: the dot is not allowed there). */
export const VIRTUAL_NAMESPACE = "stevedore.dev";
/** Label marking a virtual pod and its kind. */
export const VIRTUAL_LABEL = "stevedore.dev/virtual";

/** The pool label nodes of this pool carry. */
export function poolLabelKey(pool: NodePool): string {
  return pool.flavor === "v1" ? "karpenter.sh/nodepool" : "karpenter.sh/provisioner-name";
}

function virtualPod(
  name: string,
  pool: NodePool,
  requests: Record<string, string>,
  labels: Record<string, string>,
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: VIRTUAL_NAMESPACE, uid: `${VIRTUAL_NAMESPACE}/${name}`, labels },
    spec: {
      containers: [{ name: "virtual", resources: { requests } }],
      nodeSelector: { [poolLabelKey(pool)]: pool.name },
      tolerations: [{ operator: "Exists" }],
    },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
  };
}

/** Whether a pod is one of Stevedore's virtual pods. */
export function isVirtualPod(pod: Pod): boolean {
  return pod.metadata.namespace === VIRTUAL_NAMESPACE;
}

/** Whether a `namespace/name` key names a virtual pod. */
export function isVirtualPodKey(key: string): boolean {
  return key.startsWith(`${VIRTUAL_NAMESPACE}/`);
}

/** One virtual pod per pool with `headroom` set. */
export function headroomPods(pools: NodePool[]): Pod[] {
  return pools
    .filter((p) => p.headroom && Object.keys(p.headroom).length > 0)
    .map((p) => virtualPod(`headroom-${p.name}`, p, p.headroom ?? {}, { [VIRTUAL_LABEL]: "headroom" }));
}

/** `minNodes` virtual pods per pool: tiny, one per node (required hostname anti-affinity among themselves). */
export function minNodesPods(pools: NodePool[]): Pod[] {
  return pools.flatMap((p) => nodeSpreadPods(p, `min-nodes-${p.name}`, p.minNodes));
}

/**
 * `count` tiny virtual pods of `pool` named `<marker>-<n>`, one per node (required hostname anti-affinity among
 * themselves): solved alone, they ask for `count` nodes of the pool's cheapest shape.
 */
export function nodeSpreadPods(pool: NodePool, marker: string, count: number): Pod[] {
  const out: Pod[] = [];
  for (let i = 0; i < count; i++) {
    const pod = virtualPod(`${marker}-${i + 1}`, pool, { cpu: "1m" }, { [VIRTUAL_LABEL]: marker });
    pod.spec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: { matchLabels: { [VIRTUAL_LABEL]: marker } },
            namespaces: [VIRTUAL_NAMESPACE],
            topologyKey: "kubernetes.io/hostname",
          },
        ],
      },
    };
    out.push(pod);
  }
  return out;
}

/** Answers of {@link headroomSatisfied} per view index and solver (a view never changes once indexed). */
const satisfiedCache = new WeakMap<ViewIndex, WeakMap<Solver, boolean>>();

/**
 * Whether today's capacity (existing + in-flight) already holds every headroom pod; false when there is none.
 * Simulated once per index and solver, however many candidates ask.
 */
export function headroomSatisfied(index: ViewIndex, solver: Solver): boolean {
  const pods = index.view.headroomPods ?? [];
  if (pods.length === 0) return false;
  let bySolver = satisfiedCache.get(index);
  if (!bySolver) {
    bySolver = new WeakMap();
    satisfiedCache.set(index, bySolver);
  }
  const known = bySolver.get(solver);
  if (known !== undefined) return known;
  const answer = simulateHeadroom(index, solver, pods);
  bySolver.set(solver, answer);
  return answer;
}

function simulateHeadroom(index: ViewIndex, solver: Solver, pods: Pod[]): boolean {
  const r = solver({
    pods,
    existingNodes: buildExistingNodes(index),
    daemonSets: index.view.daemonSets,
    pools: poolInputs(index),
    nodes: index.view.nodes,
  });
  const keys = new Set(pods.map(objectKey));
  return r.newNodes.every((n) => !n.pods.some((p) => keys.has(objectKey(p)))) && r.unschedulable.length === 0;
}
