/**
 * PodDisruptionBudget status as the disruption controller computes it, kept current by a store subscriber so the
 * eviction subresource can enforce it: `expectedPods` = matching pods, `currentHealthy` = matching pods that are
 * Ready and not being deleted, `desiredHealthy` from `minAvailable` (int or percent of expected, rounded up) or
 * `expected - maxUnavailable` (percent rounded up), `disruptionsAllowed = max(0, currentHealthy - desiredHealthy)`.
 */
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

/** The status of `pdb` given how many pods it covers and how many of those are healthy. */
export function pdbStatusFromCounts(
  pdb: Readonly<KubeObject>,
  expectedPods: number,
  currentHealthy: number,
): PdbStatus {
  const spec = (pdb.spec ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string };
  const minAvailable = scaled(spec.minAvailable, expectedPods);
  const maxUnavailable = scaled(spec.maxUnavailable, expectedPods);
  let desiredHealthy = expectedPods;
  if (minAvailable !== undefined) desiredHealthy = minAvailable;
  else if (maxUnavailable !== undefined) desiredHealthy = Math.max(0, expectedPods - maxUnavailable);
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

/** Computes the status of one PDB over the given pods. */
export function computePdbStatus(pdb: Readonly<KubeObject>, pods: readonly Readonly<KubeObject>[]): PdbStatus {
  const covered = podsCoveredBy(pdb, pods);
  return pdbStatusFromCounts(pdb, covered.length, covered.filter(isHealthyPod).length);
}

/** Pods one PDB covers and which of them are healthy, kept up to date event by event. */
interface TrackedPdb {
  name: string;
  selectorKey: string;
  covered: Set<string>;
  healthy: Set<string>;
}

const COMPUTED_FIELDS = [
  "observedGeneration",
  "disruptionsAllowed",
  "currentHealthy",
  "desiredHealthy",
  "expectedPods",
] as const;

function selectorOf(pdb: Readonly<KubeObject>): StructuredLabelSelector | undefined {
  return (pdb.spec as { selector?: StructuredLabelSelector } | undefined)?.selector;
}

/**
 * Keeps PDB statuses current as pods and PDBs change (incrementally: each pod event costs O(PDBs in its
 * namespace)); returns the unsubscribe function.
 */
export function startPdbStatusController(store: KubeObjectStore): () => void {
  const byNamespace = new Map<string, Map<string, TrackedPdb>>();

  const track = (pdb: Readonly<KubeObject>): TrackedPdb => {
    const namespace = pdb.metadata.namespace!;
    const covered = podsCoveredBy(pdb, [...store.scan("pods", namespace)]);
    const t: TrackedPdb = {
      name: pdb.metadata.name!,
      selectorKey: JSON.stringify(selectorOf(pdb) ?? null),
      covered: new Set(covered.map((p) => p.metadata.name!)),
      healthy: new Set(covered.filter(isHealthyPod).map((p) => p.metadata.name!)),
    };
    let tracked = byNamespace.get(namespace);
    if (!tracked) byNamespace.set(namespace, (tracked = new Map()));
    tracked.set(t.name, t);
    return t;
  };

  const publish = (pdb: Readonly<KubeObject>, t: TrackedPdb) => {
    const status = pdbStatusFromCounts(pdb, t.covered.size, t.healthy.size);
    const current = (pdb.status ?? {}) as Record<string, unknown>;
    if (COMPUTED_FIELDS.every((f) => current[f] === status[f])) return;
    store.mutate("poddisruptionbudgets", t.name, pdb.metadata.namespace, (o) => {
      o.status = { ...((o.status ?? {}) as Record<string, unknown>), ...status };
    });
  };

  const onPdb = (event: StoreEvent) => {
    const namespace = event.object.metadata.namespace!;
    const name = event.object.metadata.name!;
    if (event.type === "DELETED") {
      byNamespace.get(namespace)?.delete(name);
      return;
    }
    let t = byNamespace.get(namespace)?.get(name);
    if (!t || t.selectorKey !== JSON.stringify(selectorOf(event.object) ?? null)) t = track(event.object);
    const latest = store.peek("poddisruptionbudgets", name, namespace);
    if (latest) publish(latest, t);
  };

  const onPod = (event: StoreEvent) => {
    const namespace = event.object.metadata.namespace!;
    const name = event.object.metadata.name!;
    for (const t of byNamespace.get(namespace)?.values() ?? []) {
      const pdb = store.peek("poddisruptionbudgets", t.name, namespace);
      if (!pdb) continue;
      const nowCovered = event.type !== "DELETED" && podsCoveredBy(pdb, [event.object]).length === 1;
      const nowHealthy = nowCovered && isHealthyPod(event.object);
      if (nowCovered === t.covered.has(name) && nowHealthy === t.healthy.has(name)) continue;
      if (nowCovered) t.covered.add(name);
      else t.covered.delete(name);
      if (nowHealthy) t.healthy.add(name);
      else t.healthy.delete(name);
      publish(pdb, t);
    }
  };

  for (const pdb of store.scan("poddisruptionbudgets")) publish(pdb, track(pdb));
  return store.subscribe((event: StoreEvent) => {
    if (event.resource === "poddisruptionbudgets") onPdb(event);
    else if (event.resource === "pods") onPod(event);
  });
}
