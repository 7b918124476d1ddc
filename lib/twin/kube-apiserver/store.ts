/**
 * The fake kube-apiserver's storage: objects per resource, one global monotonically increasing resourceVersion,
 * optimistic concurrency, an event history (the "watch cache") bounded by `historyLimit` so watches can resume
 * from a resourceVersion and too-old ones get 410, and ordered change notification. The twin uses it directly
 * (`server.store`); HTTP handlers go through the same methods.
 */
import { randomUUID } from "node:crypto";
import { EventHistory } from "./event-history.js";
import { jsonEqual } from "./json-patch.js";
import { INDEXED_FIELDS, ResourceIndex } from "./list-index.js";
import {
  apiVersionOf,
  type KubeObject,
  objectStoreKey,
  RESOURCE_TYPES,
  type ResourceType,
  resourceType,
} from "./resources.js";
import { matchesFilter, type ObjectFilter } from "./selectors.js";
import { ApiError, alreadyExists, conflict, failureStatus, notFound } from "./status.js";
import { validateObjectMeta } from "./validation.js";

/** A committed change. Objects in events are frozen: never mutate them. */
export interface StoreEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** Resource plural (`pods`, `nodes`, …). */
  resource: string;
  /** The object after the change; for DELETED its last state, carrying the deletion's resourceVersion. */
  object: Readonly<KubeObject>;
  /** The object before the change (MODIFIED, DELETED). */
  previous?: Readonly<KubeObject>;
  resourceVersion: number;
}

/** Options of the store. */
export interface ObjectStoreOptions {
  /** Events kept for watch resumption; older resourceVersions get 410 Gone. @default 10000 */
  historyLimit?: number;
  /** Time source for creation and deletion timestamps (ms since epoch). @default Date.now */
  now?: () => number;
}

/** Options of a graceful delete request (HTTP DELETE semantics). */
export interface DeleteRequest {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Bound pods with a grace period > 0 get a deletionTimestamp instead of vanishing (the kubelet finishes them). */
  gracefulPodDeletion?: boolean;
}

const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** Five characters of kube's `generateName` alphabet, distinct for the first 27^5 counters. */
function nameSuffix(counter: number): string {
  let n = (counter * 2654435761) % 27 ** 5;
  let suffix = "";
  for (let i = 0; i < 5; i++) {
    suffix += SUFFIX_ALPHABET[n % 27];
    n = Math.floor(n / 27);
  }
  return suffix;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** In-memory object storage with resourceVersions, history and subscriptions. */
export class KubeObjectStore {
  private rv = 0;
  /** Every event with resourceVersion > compactedRv is in `history`. */
  private readonly history: EventHistory<StoreEvent>;
  private readonly data = new Map<string, Map<string, Readonly<KubeObject>>>();
  /** Each resource's keys in list order and its field indexes, kept as objects come and go. */
  private readonly indexes = new Map<string, ResourceIndex>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  /** The listeners as delivered to (rebuilt only when one subscribes or unsubscribes). */
  private listenerList: ((event: StoreEvent) => void)[] = [];
  private pending: StoreEvent[] = [];
  private delivering = false;
  private nameCounter = 0;
  private readonly now: () => number;
  /** Successful evictions per pod uid (a pod evicted twice means two drains raced over it). */
  readonly evictionsByUid = new Map<string, number>();

  constructor(options: ObjectStoreOptions = {}) {
    this.history = new EventHistory(options.historyLimit ?? 10_000);
    this.now = options.now ?? Date.now;
    for (const type of Object.values(RESOURCE_TYPES)) {
      const table = new Map<string, Readonly<KubeObject>>();
      this.data.set(type.plural, table);
      this.indexes.set(type.plural, new ResourceIndex(table, INDEXED_FIELDS[type.plural]));
    }
    for (const name of DEFAULT_NAMESPACES) this.create("namespaces", { metadata: { name } });
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch may still resume from. */
  get oldestResumableVersion(): number {
    return this.history.oldestResumableVersion;
  }

  /** Events kept for watch resumption; lowering it trims at the next write. */
  get historyLimit(): number {
    return this.history.limit;
  }

  set historyLimit(limit: number) {
    this.history.limit = limit;
  }

  /** An RFC 3339 timestamp (seconds) of the store's clock. */
  timestamp(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  private table(resource: string): Map<string, Readonly<KubeObject>> {
    resourceType(resource);
    return this.data.get(resource)!;
  }

  /** The stored object (frozen) or undefined. */
  peek(resource: string, name: string, namespace?: string): Readonly<KubeObject> | undefined {
    return this.table(resource).get(objectStoreKey(resourceType(resource), namespace, name));
  }

  /** A copy of the object or undefined. */
  get(resource: string, name: string, namespace?: string): KubeObject | undefined {
    const o = this.peek(resource, name, namespace);
    return o ? structuredClone(o) : undefined;
  }

  /** Stored objects (frozen) of a resource passing `filter`, sorted by namespace/name as etcd lists them. */
  peekAll(resource: string, filter?: ObjectFilter): Readonly<KubeObject>[] {
    const table = this.table(resource);
    const out: Readonly<KubeObject>[] = [];
    for (const key of this.indexes.get(resource)!.candidates(filter)) {
      const o = table.get(key)!;
      if (!filter || matchesFilter(filter, o as KubeObject)) out.push(o);
    }
    return out;
  }

  /**
   * The objects (frozen) of a resource passing `filter` with a store key after `afterKey`, in list order, as they
   * were at `resourceVersion` (a continued list); undefined when that version was compacted away (410).
   */
  peekAllAt(
    resource: string,
    filter: ObjectFilter,
    afterKey: string,
    resourceVersion: number,
  ): Readonly<KubeObject>[] | undefined {
    const events = this.eventsSince(resourceVersion);
    if (!events) return undefined;
    const type = resourceType(resource);
    const changes = new Map<string, Readonly<KubeObject> | undefined>();
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i];
      if (e.resource !== resource) continue;
      const key = objectStoreKey(type, e.object.metadata.namespace, e.object.metadata.name!);
      changes.set(key, e.type === "ADDED" ? undefined : e.previous);
    }
    return this.indexes.get(resource)!.objectsBefore(filter, afterKey, changes);
  }

  /** Stored objects (frozen) of a resource in one namespace, unordered (cheap scans for controllers). */
  *scan(resource: string, namespace?: string): Generator<Readonly<KubeObject>> {
    for (const o of this.table(resource).values()) {
      if (namespace === undefined || o.metadata.namespace === namespace) yield o;
    }
  }

  /** Copies of the objects of a resource, optionally in one namespace. */
  list(resource: string, namespace?: string): KubeObject[] {
    return this.peekAll(resource, namespace === undefined ? undefined : { namespace, labels: [], fields: [] }).map(
      (o) => structuredClone(o) as KubeObject,
    );
  }

  /** Receives every committed change, in resourceVersion order; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    this.listenerList = [...this.listeners];
    return () => {
      this.listeners.delete(listener);
      this.listenerList = [...this.listeners];
    };
  }

  /** Events after `resourceVersion` (all resources), or undefined when that version was compacted away (410). */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined {
    return this.history.since(resourceVersion);
  }

  /** Forgets the whole event history: every watch from an older resourceVersion now gets 410 Gone. */
  compact(): void {
    this.history.compact(this.rv);
  }

  /** Delivers queued events to the listeners in order; re-entrant commits queue behind the current one. */
  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    let i = 0;
    try {
      while (i < this.pending.length) {
        const next = this.pending[i++];
        for (const listener of this.listenerList) listener(next);
      }
    } finally {
      // A throwing listener loses its event, as before; the events behind it wait for the next commit.
      this.pending = this.pending.slice(i);
      this.delivering = false;
    }
  }

  private commit(type: StoreEvent["type"], resource: string, object: KubeObject, previous?: Readonly<KubeObject>) {
    this.rv += 1;
    object.metadata.resourceVersion = String(this.rv);
    const rt = resourceType(resource);
    object.apiVersion = apiVersionOf(rt);
    object.kind = rt.kind;
    const frozen = deepFreeze(object);
    const key = objectStoreKey(rt, object.metadata.namespace, object.metadata.name!);
    const table = this.table(resource);
    const stored = table.get(key);
    if (type === "DELETED") table.delete(key);
    else table.set(key, frozen);
    this.indexes.get(resource)!.changed(key, stored, type === "DELETED" ? undefined : frozen);
    const event: StoreEvent = { type, resource, object: frozen, previous, resourceVersion: this.rv };
    this.history.append(event);
    this.pending.push(event);
    this.deliver();
    return frozen;
  }

  private generateName(prefix: string): string {
    this.nameCounter += 1;
    return prefix + nameSuffix(this.nameCounter);
  }

  /** Creates an object (409 if it exists, 422 if invalid); fills uid, timestamps, resourceVersion. */
  create(resource: string, input: KubeObject): KubeObject {
    const type = resourceType(resource);
    const object = structuredClone(input) as KubeObject;
    object.metadata ??= {};
    const meta = object.metadata;
    if (!meta.name && meta.generateName) {
      do meta.name = this.generateName(meta.generateName);
      while (this.peek(resource, meta.name, meta.namespace));
    }
    if (type.namespaced) meta.namespace ||= "default";
    else delete meta.namespace;
    validateObjectMeta(type, object);
    if (this.peek(resource, meta.name!, meta.namespace)) throw alreadyExists(type.plural, type.group, meta.name!);
    if (type.namespaced && !this.peek("namespaces", meta.namespace!)) {
      this.create("namespaces", { metadata: { name: meta.namespace } });
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = this.timestamp();
    meta.generation = 1;
    delete meta.deletionTimestamp;
    if (resource === "pods") {
      const status = ((object.status as Record<string, unknown>) ??= {});
      status.phase ??= "Pending";
    }
    if (resource === "namespaces") object.status = { phase: "Active" };
    return structuredClone(this.commit("ADDED", resource, object));
  }

  /**
   * Replaces an object (PUT semantics). A non-empty `metadata.resourceVersion` must match (409 otherwise). For
   * resources with a status subresource, a main write keeps the stored status and a `status` write keeps
   * everything but the status. uid and creationTimestamp are kept; generation grows when the spec changes.
   */
  update(resource: string, input: KubeObject, options: { subresource?: "status"; force?: boolean } = {}): KubeObject {
    const type = resourceType(resource);
    const name = input.metadata?.name ?? "";
    const current = this.peek(resource, name, type.namespaced ? input.metadata.namespace || "default" : undefined);
    if (!current) throw notFound(type.plural, type.group, name);
    const wanted = input.metadata.resourceVersion;
    if (!options.force && wanted && wanted !== current.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name);
    }
    let next = structuredClone(input) as KubeObject;
    if (!options.force && type.hasStatus) {
      if (options.subresource === "status") {
        next = { ...structuredClone(current), status: next.status } as KubeObject;
      } else {
        next.status = structuredClone(current.status);
        if (next.status === undefined) delete next.status;
      }
    }
    next.metadata.namespace = current.metadata.namespace;
    if (!type.namespaced) delete next.metadata.namespace;
    next.metadata.uid = current.metadata.uid;
    next.metadata.creationTimestamp = current.metadata.creationTimestamp;
    next.metadata.generation = current.metadata.generation;
    if (current.metadata.deletionTimestamp) next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    validateObjectMeta(type, next);
    if (!jsonEqual(next.spec, current.spec)) next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    const { resourceVersion: _was, ...currentMeta } = current.metadata;
    const { resourceVersion: _next, ...nextMeta } = next.metadata;
    const unchanged =
      jsonEqual(currentMeta, nextMeta) &&
      jsonEqual(
        { ...current, metadata: {} },
        { ...next, apiVersion: current.apiVersion, kind: current.kind, metadata: {} },
      );
    if (unchanged) return structuredClone(current) as KubeObject;
    const waitingForKubelet = resource === "pods" && (next.metadata.deletionGracePeriodSeconds ?? 0) > 0;
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && !waitingForKubelet) {
      return structuredClone(this.commit("DELETED", resource, next, current));
    }
    return structuredClone(this.commit("MODIFIED", resource, next, current));
  }

  /** Creates or overwrites an object, ignoring resourceVersion and subresource rules (the twin's direct write). */
  put(resource: string, object: KubeObject): KubeObject {
    const type = resourceType(resource);
    const ns = type.namespaced ? object.metadata.namespace || "default" : undefined;
    if (!object.metadata.name || !this.peek(resource, object.metadata.name, ns)) return this.create(resource, object);
    return this.update(resource, { ...object, metadata: { ...object.metadata, namespace: ns } }, { force: true });
  }

  /** Reads, changes and writes back an object in one step; 404 if missing. */
  mutate(resource: string, name: string, namespace: string | undefined, change: (o: KubeObject) => void): KubeObject {
    const type = resourceType(resource);
    const current = this.get(resource, name, namespace);
    if (!current) throw notFound(type.plural, type.group, name);
    change(current);
    return this.update(resource, current, { force: true });
  }

  /** Removes an object at once (no finalizers, no grace); deleting a namespace removes what it holds. */
  delete(resource: string, name: string, namespace?: string): KubeObject | undefined {
    const current = this.peek(resource, name, namespace);
    if (!current) return undefined;
    if (resource === "namespaces") {
      for (const t of Object.values(RESOURCE_TYPES)) {
        if (!t.namespaced) continue;
        for (const o of this.peekAll(t.plural, { namespace: name, labels: [], fields: [] })) {
          this.delete(t.plural, o.metadata.name!, name);
        }
      }
    }
    return structuredClone(this.commit("DELETED", resource, structuredClone(current) as KubeObject, current));
  }

  /**
   * HTTP DELETE semantics: preconditions (409), finalizers (sets deletionTimestamp, the object stays until they are
   * removed), optional graceful pod deletion. Returns the resulting object and whether it is gone.
   */
  requestDelete(
    resource: string,
    name: string,
    namespace: string | undefined,
    request: DeleteRequest = {},
  ): { object: KubeObject; deleted: boolean } {
    const type: ResourceType = resourceType(resource);
    const current = this.peek(resource, name, namespace);
    if (!current) throw notFound(type.plural, type.group, name);
    const pre = request.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw new ApiError(
        failureStatus(
          409,
          "Conflict",
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
          { name, kind: type.plural },
        ),
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
    const spec = current.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const grace = request.gracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30;
    const graceful = resource === "pods" && request.gracefulPodDeletion === true && !!spec?.nodeName && grace > 0;
    const hasFinalizers = (current.metadata.finalizers ?? []).length > 0;
    if (graceful || hasFinalizers) {
      if (current.metadata.deletionTimestamp && !graceful)
        return { object: structuredClone(current) as KubeObject, deleted: false };
      const next = structuredClone(current) as KubeObject;
      next.metadata.deletionTimestamp ??= new Date(this.now() + (graceful ? grace * 1000 : 0))
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z");
      if (graceful) next.metadata.deletionGracePeriodSeconds = grace;
      return { object: structuredClone(this.commit("MODIFIED", resource, next, current)), deleted: false };
    }
    return { object: this.delete(resource, name, namespace)!, deleted: true };
  }
}
