/**
 * `TwinStore` over the fake kube-apiserver's object store. Resources the apiserver serves (pods, nodes, DaemonSets,
 * PDBs, Deployments, ConfigMaps) are written through it, so HTTP clients see every change on their watches;
 * workload kinds only the twin's own controllers read (StatefulSets, ReplicaSets, Jobs) are kept beside it.
 */

import type { ObjectMeta } from "../core/kube-objects.js";
import { type KubeObject, type KubeObjectStore, RESOURCE_TYPES } from "./kube-apiserver/index.js";
import type { TwinResource, TwinStore } from "./twin-store.js";

/** The twin's view of the fake kube-apiserver. */
export class KubeTwinStore implements TwinStore {
  private readonly local = new Map<string, Map<string, unknown>>();
  private readonly versions = new Map<string, number>();
  /** The last view of each resource, kept until the resource changes. */
  private readonly views = new Map<string, { version: number; items: readonly unknown[] }>();

  constructor(private readonly store: KubeObjectStore) {
    store.subscribe((event) => this.bump(event.resource));
  }

  private bump(resource: string): void {
    this.versions.set(resource, (this.versions.get(resource) ?? 0) + 1);
  }

  version(resource: TwinResource): number {
    return this.versions.get(resource) ?? 0;
  }

  private served(resource: TwinResource): boolean {
    return Object.hasOwn(RESOURCE_TYPES, resource);
  }

  private bucket(resource: string): Map<string, unknown> {
    let b = this.local.get(resource);
    if (!b) this.local.set(resource, (b = new Map()));
    return b;
  }

  private ns(resource: TwinResource, namespace: string | undefined): string | undefined {
    return resource === "nodes" ? undefined : (namespace ?? "default");
  }

  list<T extends { metadata: ObjectMeta }>(resource: TwinResource): T[] {
    if (this.served(resource)) return this.store.list(resource) as unknown as T[];
    return [...this.bucket(resource).values()].map((o) => structuredClone(o) as T);
  }

  view<T extends { metadata: ObjectMeta }>(resource: TwinResource): readonly T[] {
    const version = this.version(resource);
    const cached = this.views.get(resource);
    if (cached?.version === version) return cached.items as T[];
    const items = this.served(resource) ? this.store.peekAll(resource) : [...this.bucket(resource).values()];
    this.views.set(resource, { version, items: Object.freeze(items) });
    return items as T[];
  }

  get<T extends { metadata: ObjectMeta }>(
    resource: TwinResource,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    if (this.served(resource))
      return this.store.get(resource, name, this.ns(resource, namespace)) as unknown as T | undefined;
    const o = this.bucket(resource).get(`${this.ns(resource, namespace)}/${name}`);
    return o ? (structuredClone(o) as T) : undefined;
  }

  put<T extends { metadata: ObjectMeta }>(resource: TwinResource, object: T): T {
    if (this.served(resource)) return this.store.put(resource, object as unknown as KubeObject) as unknown as T;
    const copy = structuredClone(object);
    copy.metadata.namespace = this.ns(resource, copy.metadata.namespace);
    this.bucket(resource).set(`${copy.metadata.namespace}/${copy.metadata.name}`, copy);
    this.bump(resource);
    return structuredClone(copy);
  }

  remove(resource: TwinResource, namespace: string | undefined, name: string): boolean {
    if (this.served(resource)) return this.store.delete(resource, name, this.ns(resource, namespace)) !== undefined;
    const removed = this.bucket(resource).delete(`${this.ns(resource, namespace)}/${name}`);
    if (removed) this.bump(resource);
    return removed;
  }
}
