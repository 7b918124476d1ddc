/**
 * A resource's list order and field indexes in the fake kube-apiserver. Keys are kept in list order
 * (namespace/name, as etcd lists them) as objects come and go, and selected fields (a pod's `spec.nodeName`) are
 * indexed by value, so a list or watch with `spec.nodeName=<node>` (a drain) or `spec.nodeName=` (the pending pods)
 * reads only the matching objects instead of every pod. A continued list (`continue` token) reads the objects as
 * they were at the token's resourceVersion from the current order plus the changes since, without copying or
 * sorting the whole table.
 */
import type { KubeObject } from "./resources.js";
import { fieldValue, matchesFilter, type ObjectFilter } from "./selectors.js";
import { insertSorted, keyPosition, removeSorted } from "./sorted-keys.js";

/** Fields indexed per resource plural. */
export const INDEXED_FIELDS: Readonly<Record<string, readonly string[]>> = { pods: ["spec.nodeName"] };

/** Keys of one resource in list order, and its indexed fields by value. */
export class ResourceIndex {
  /** Every key in list order; built on the first read. */
  private sorted: string[] | undefined;
  /** field → value → keys in list order; kept from the first write. */
  private readonly byField = new Map<string, Map<string, string[]>>();

  constructor(
    private readonly table: ReadonlyMap<string, Readonly<KubeObject>>,
    fields: readonly string[] = [],
  ) {
    for (const field of fields) this.byField.set(field, new Map());
  }

  /** Records that the object at `key` went from `previous` to `next` (undefined: absent). */
  changed(key: string, previous: Readonly<KubeObject> | undefined, next: Readonly<KubeObject> | undefined): void {
    if (this.sorted && !previous && next) insertSorted(this.sorted, key);
    else if (this.sorted && previous && !next) removeSorted(this.sorted, key);
    for (const [field, byValue] of this.byField) {
      const before = previous && fieldValue(previous as KubeObject, field);
      const after = next && fieldValue(next as KubeObject, field);
      if (before === after) continue;
      if (before !== undefined) {
        const keys = byValue.get(before);
        if (keys) removeSorted(keys, key);
        if (keys?.length === 0) byValue.delete(before);
      }
      if (after !== undefined) {
        let keys = byValue.get(after);
        if (!keys) byValue.set(after, (keys = []));
        insertSorted(keys, key);
      }
    }
  }

  /** Every key in list order. */
  keys(): readonly string[] {
    this.sorted ??= [...this.table.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sorted;
  }

  /** The field requirement of `filter` answered by an index, if any. */
  private indexedRequirement(filter: ObjectFilter | undefined) {
    return filter?.fields.find((r) => r.operator === "=" && this.byField.has(r.field));
  }

  /** Keys in list order of every object that may pass `filter` (a superset: the filter still applies). */
  candidates(filter?: ObjectFilter): readonly string[] {
    const r = this.indexedRequirement(filter);
    if (!r) return this.keys();
    return this.byField.get(r.field)?.get(r.value) ?? [];
  }

  /** Whether the current object at `key` is among {@link candidates} of `filter`. */
  private isCandidate(key: string, filter: ObjectFilter | undefined): boolean {
    const o = this.table.get(key);
    if (!o) return false;
    const r = this.indexedRequirement(filter);
    return !r || fieldValue(o as KubeObject, r.field) === r.value;
  }

  /**
   * The objects passing `filter` with a key after `afterKey` ("" = from the start), in list order, as they were
   * before `changes` happened: `changes` maps each key changed since to its object then (undefined: absent then).
   */
  objectsBefore(
    filter: ObjectFilter | undefined,
    afterKey: string,
    changes: ReadonlyMap<string, Readonly<KubeObject> | undefined>,
  ): Readonly<KubeObject>[] {
    const candidates = this.candidates(filter);
    let keys: readonly string[] = candidates.slice(afterKey === "" ? 0 : keyPosition(candidates, afterKey, true));
    const extra = [...changes.keys()].filter((k) => k > afterKey && !this.isCandidate(k, filter));
    if (extra.length > 0)
      keys = mergeSorted(
        keys,
        extra.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    const out: Readonly<KubeObject>[] = [];
    for (const key of keys) {
      const o = changes.has(key) ? changes.get(key) : this.table.get(key);
      if (o && (!filter || matchesFilter(filter, o as KubeObject))) out.push(o);
    }
    return out;
  }
}

/** Two sorted, disjoint key lists as one sorted list. */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}
