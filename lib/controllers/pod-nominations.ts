/**
 * Nominating pods to the Nodes launched for them: the registration pass writes `status.nominatedNodeName` on each
 * pod a claim holds once the claim's Node exists, before the unregistered taint that keeps kube-scheduler off the
 * Node is lifted, and clears the nominations that no claim keeps any more (`lib/view/nominations.ts`). kube-scheduler
 * then tries each nominated pod on its node first and keeps that node's nominated resources from other pods, so a
 * fresh Node is not filled with pods planned for other nodes. Only pods whose nomination changes are patched, a
 * bounded number at a time; a failed patch is logged and left to the next pass (a nomination only helps the
 * scheduler: nothing else depends on it).
 */
import { objectKey, type Pod } from "../core/kube-objects.js";
import type { ClusterView, ViewIndex } from "../view/cluster-view.js";
import { type NominationChange, nominationChanges } from "../view/nominations.js";
import type { ControllerDeps } from "./deps.js";

/** Most nomination patches in flight at once. */
export const NOMINATION_CONCURRENCY = 16;

/** What one nomination round did. */
export interface NominationResult {
  /** Pods nominated to a node. */
  nominated: number;
  /** Pods whose nomination was cleared. */
  cleared: number;
  /** Patches sent (the round's API cost), failed ones included. */
  patches: number;
  /** The patched pods as they are now, for the pass's view. */
  pods: Pod[];
}

/** Runs `work` over `items` with at most `limit` calls in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function withNomination(pod: Pod, nodeName: string | null): Pod {
  const { nominatedNodeName: _, ...status } = pod.status ?? {};
  return { ...pod, status: nodeName === null ? status : { ...status, nominatedNodeName: nodeName } };
}

/** Patches the pods whose nomination differs from the plan (see {@link nominationChanges}). */
export async function applyNominations(deps: ControllerDeps, index: ViewIndex): Promise<NominationResult> {
  const changes = nominationChanges(index);
  const out: NominationResult = { nominated: 0, cleared: 0, patches: changes.length, pods: [] };
  if (changes.length === 0) return out;
  const failures: string[] = [];
  await forEachLimited(changes, NOMINATION_CONCURRENCY, async ({ pod, nodeName }: NominationChange) => {
    const ns = pod.metadata.namespace ?? "default";
    try {
      if ((await deps.cluster.nominatePod(ns, pod.metadata.name ?? "", nodeName)) === "gone") return;
      out.pods.push(withNomination(pod, nodeName));
      if (nodeName === null) out.cleared++;
      else out.nominated++;
    } catch (err) {
      failures.push(`${objectKey(pod)}: ${String(err)}`);
    }
  });
  const { logger } = deps.telemetry;
  if (failures.length > 0) {
    logger.warn("could not nominate pods to their nodes; the next pass retries", {
      failed: failures.length,
      first: failures[0],
    });
  }
  logger.info("pod nominations", { nominated: out.nominated, cleared: out.cleared, patches: out.patches });
  return out;
}

/** The view with the patched pods in place of their listed versions. */
export function withPatchedPods(view: ClusterView, pods: readonly Pod[]): ClusterView {
  if (pods.length === 0) return view;
  const patched = new Map(pods.map((p) => [objectKey(p), p]));
  return { ...view, pods: view.pods.map((p) => patched.get(objectKey(p)) ?? p) };
}
