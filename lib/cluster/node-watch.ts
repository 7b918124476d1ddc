/**
 * The watch of Nodes (over {@link startObjectWatch}). A Node's status can be large (images, addresses, capacity);
 * the watch remembers only what tells one state from the next: identity, labels, taints and conditions.
 */
import type { Node } from "../core/kube-objects.js";
import { type ObjectListing, type ObjectWatchOptions, startObjectWatch } from "./object-watch.js";
import type { NodeEvent, WatchHandle } from "./types.js";

/** A consistent list of nodes and the resourceVersion to watch from. */
export type NodeListing = ObjectListing<Node>;

/** What the node watch needs. */
export type NodeWatchOptions = Omit<ObjectWatchOptions<Node>, "resource" | "retain">;

/** What the watch (and a watcher) keeps of a Node: identity, labels, taints and condition statuses. */
export function nodeEssentials(node: Node): Node {
  const { name, uid, resourceVersion, labels } = node.metadata;
  const conditions = node.status?.conditions?.map(({ type, status }) => ({ type, status }));
  return {
    metadata: { name, uid, resourceVersion, ...(labels ? { labels } : {}) },
    spec: { ...(node.spec?.taints ? { taints: node.spec.taints } : {}) },
    ...(conditions ? { status: { conditions } } : {}),
  };
}

/** Starts the node watch; rejects if the first list fails. `onEvent` errors are logged, never fatal. */
export function startNodeWatch(options: NodeWatchOptions, onEvent: (e: NodeEvent) => void): Promise<WatchHandle> {
  return startObjectWatch<Node>({ ...options, resource: "nodes", retain: nodeEssentials }, (e) =>
    onEvent({ type: e.type, node: e.object }),
  );
}
