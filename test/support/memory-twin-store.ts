import type { ObjectMeta } from "../../lib/core/kube-objects.js";
import type { StoredObject, TwinResource, TwinStore } from "../../lib/twin/twin-store.js";

/** An in-memory TwinStore for unit tests of the twin's simulated controllers. */
export class MemoryTwinStore implements TwinStore {
  private readonly data = new Map<TwinResource, Map<string, StoredObject>>();
  private readonly versions = new Map<TwinResource, number>();

  version(r: TwinResource): number {
    return this.versions.get(r) ?? 0;
  }

  private bump(r: TwinResource): void {
    this.versions.set(r, this.version(r) + 1);
  }

  view<T extends { metadata: ObjectMeta }>(r: TwinResource): readonly T[] {
    return [...this.bucket(r).values()] as unknown as T[];
  }

  private bucket(r: TwinResource): Map<string, StoredObject> {
    let b = this.data.get(r);
    if (!b) this.data.set(r, (b = new Map()));
    return b;
  }

  list<T extends { metadata: ObjectMeta }>(r: TwinResource): T[] {
    return [...this.bucket(r).values()].map((o) => structuredClone(o) as T);
  }

  get<T extends { metadata: ObjectMeta }>(r: TwinResource, ns: string | undefined, name: string): T | undefined {
    const o = this.bucket(r).get(`${ns ?? ""}/${name}`);
    return o ? (structuredClone(o) as T) : undefined;
  }

  put<T extends { metadata: ObjectMeta }>(r: TwinResource, o: T): T {
    const ns = r === "nodes" ? "" : (o.metadata.namespace ?? "default");
    this.bucket(r).set(`${ns}/${o.metadata.name}`, structuredClone(o));
    this.bump(r);
    return o;
  }

  remove(r: TwinResource, ns: string | undefined, name: string): boolean {
    const removed = this.bucket(r).delete(`${r === "nodes" ? "" : (ns ?? "default")}/${name}`);
    if (removed) this.bump(r);
    return removed;
  }
}
