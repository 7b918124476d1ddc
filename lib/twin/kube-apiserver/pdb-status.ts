/**
 * PodDisruptionBudget status as the disruption controller computes it, kept current by a store subscriber so the
 * eviction subresource can enforce it: `expectedPods` = matching pods, `currentHealthy` = matching pods that are
 * Ready and not being deleted, `desiredHealthy` from `minAvailable` (int or percent of expected, rounded up) or
 * `expected - maxUnavailable` (percent rounded up), `disruptionsAllowed = max(0, currentHealthy - desiredHealthy)`.
 */
import { jsonEqual } from "./json-patch.js";
import type { KubeObject } from "./resources.js";
import { matchesStructuredSelector, type StructuredLabelSelector } from "./selectors.js";
import type { KubeObjectStore, StoreEvent } from "./store.js";

/** The computed part of `policy/v1` PodDisruptionBudgetStatus. */
export interface PdbStatus {
  observedGeneration?: number;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: unknown[];
}

function scaled(value: number | string | undefined, total: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

/** True for a pod counted as healthy by the disruption controller: Ready=True and not terminating. */
export function isHealthyPod(pod: Readonly<KubeObject>): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return (conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** Pods of `pdb`'s namespace its selector matches (terminal pods excluded). */
export function podsCoveredBy(
  pdb: Readonly<KubeObject>,
  pods: readonly Readonly<KubeObject>[],
): Readonly<KubeObject>[] {
  const selector = (pdb.spec as { selector?: StructuredLabelSelector } | undefined)?.selector;
  return pods.filter((p) => {
    if (p.metadata.namespace !== pdb.metadata.namespace) return false;
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    if (phase === "Succeeded" || phase === "Failed") return false;
    return matchesStructuredSelector(selector, p.metadata.labels);
  });
}

/** Computes the status of one PDB over the given pods. */
export function computePdbStatus(pdb: Readonly<KubeObject>, pods: readonly Readonly<KubeObject>[]): PdbStatus {
  const spec = (pdb.spec ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string };
  const covered = podsCoveredBy(pdb, pods);
  const expectedPods = covered.length;
  const currentHealthy = covered.filter(isHealthyPod).length;
  let desiredHealthy = 0;
  const minAvailable = scaled(spec.minAvailable, expectedPods);
  const maxUnavailable = scaled(spec.maxUnavailable, expectedPods);
  if (minAvailable !== undefined) desiredHealthy = minAvailable;
  else if (maxUnavailable !== undefined) desiredHealthy = Math.max(0, expectedPods - maxUnavailable);
  else desiredHealthy = expectedPods;
  const disruptionsAllowed = Math.max(0, currentHealthy - desiredHealthy);
  return {
    observedGeneration: pdb.metadata.generation,
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods,
    conditions: [
      {
        type: "DisruptionAllowed",
        status: disruptionsAllowed > 0 ? "True" : "False",
        reason: disruptionsAllowed > 0 ? "SufficientPods" : "InsufficientPods",
        message: "",
        observedGeneration: pdb.metadata.generation,
      },
    ],
  };
}

/** Recomputes the status of every PDB in `namespace`, writing only those that changed. */
export function reconcilePdbs(store: KubeObjectStore, namespace: string): void {
  const filter = { namespace, labels: [], fields: [] };
  const pods = store.peekAll("pods", filter);
  for (const pdb of store.peekAll("poddisruptionbudgets", filter)) {
    const status = computePdbStatus(pdb, pods);
    const { conditions: _a, ...was } = (pdb.status ?? {}) as Record<string, unknown>;
    const { conditions: _b, ...now } = status;
    if (jsonEqual(was, now)) continue;
    store.mutate("poddisruptionbudgets", pdb.metadata.name!, namespace, (o) => {
      const previous = (o.status ?? {}) as Record<string, unknown>;
      o.status = { ...previous, ...status };
    });
  }
}

/** Keeps PDB statuses current as pods and PDBs change; returns the unsubscribe function. */
export function startPdbStatusController(store: KubeObjectStore): () => void {
  return store.subscribe((event: StoreEvent) => {
    if (event.resource !== "pods" && event.resource !== "poddisruptionbudgets") return;
    const namespace = event.object.metadata.namespace;
    if (namespace) reconcilePdbs(store, namespace);
  });
}
