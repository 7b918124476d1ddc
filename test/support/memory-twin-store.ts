import type { ObjectMeta } from "../../lib/core/kube-objects.js";
import type { StoredObject, TwinResource, TwinStore } from "../../lib/twin/twin-store.js";

/** An in-memory TwinStore for unit tests of the twin's simulated controllers. */
export class MemoryTwinStore implements TwinStore {
  private readonly data = new Map<TwinResource, Map<string, StoredObject>>();

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
    return o;
  }

  remove(r: TwinResource, ns: string | undefined, name: string): boolean {
    return this.bucket(r).delete(`${r === "nodes" ? "" : (ns ?? "default")}/${name}`);
  }
}
