/**
 * The watch of unscheduled pods (over {@link startObjectWatch}): what it remembers of each pod is its identity and
 * resourceVersion only, so a watcher on a small function keeps little more than the pending pods' names.
 */
import type { Pod } from "../core/kube-objects.js";
import { type ObjectListing, type ObjectWatchOptions, startObjectWatch } from "./object-watch.js";
import type { PodEvent, WatchHandle } from "./types.js";

/** A consistent list of pods and the resourceVersion to watch from. */
export type PodListing = ObjectListing<Pod>;

/** What the pod watch needs. */
export type PodWatchOptions = Omit<ObjectWatchOptions<Pod>, "resource" | "retain">;

/**
 * What the watch keeps of a pod: its identity. A DELETED event that a re-list (after 410 Gone) finds carries only
 * this; live events carry the whole pod.
 */
export function podIdentity(pod: Pod): Pod {
  const { name, namespace, uid, resourceVersion } = pod.metadata;
  return { metadata: { name, namespace, uid, resourceVersion }, spec: { containers: [] } };
}

/** Starts the pod watch; rejects if the first list fails. `onEvent` errors are logged, never fatal. */
export function startPodWatch(options: PodWatchOptions, onEvent: (e: PodEvent) => void): Promise<WatchHandle> {
  return startObjectWatch<Pod>({ ...options, resource: "pods", retain: podIdentity }, (e) =>
    onEvent({ type: e.type, pod: e.object }),
  );
}
