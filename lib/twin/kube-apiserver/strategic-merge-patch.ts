/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for the kinds the fake serves.
 *
 * Supported, as the real server applies it:
 * - maps merge recursively; `null` deletes a key; `$patch: replace` replaces a map, `$patch: delete` removes it;
 *   `$retainKeys` drops keys not listed;
 * - lists with a `patchMergeKey` in the Kubernetes types merge element-wise by that key (elements with
 *   `$patch: delete` are removed; a `{"$patch": "replace"}` element replaces the whole list); lists of primitives
 *   with `patchStrategy: merge` (`metadata.finalizers`, node `spec.podCIDRs`) are unioned, and
 *   `$deleteFromPrimitiveList/<field>` removes values; `$setElementOrder/<field>` reorders the result;
 * - every other list is replaced wholesale. That includes a Node's `spec.taints` and a Pod's `spec.tolerations`,
 *   which carry no patch strategy in `k8s.io/api/core/v1` (atomic lists): send the complete list.
 *
 * Merge keys known here: `metadata.ownerReferences` (uid), `status.conditions` (type) on every kind, Node
 * `status.addresses` (type), and for Pods and pod templates: containers / initContainers / ephemeralContainers,
 * volumes, imagePullSecrets, resourceClaims, schedulingGates (name), container `env` (name), `ports`
 * (containerPort), `volumeMounts` (mountPath), `volumeDevices` (devicePath), `hostAliases` and status
 * `podIPs`/`hostIPs` (ip).
 */
import { badRequest } from "./status.js";

type ListStrategy = { mergeKey: string } | "primitives" | undefined;

const COMMON: Record<string, ListStrategy> = {
  "metadata.ownerReferences": { mergeKey: "uid" },
  "metadata.finalizers": "primitives",
  "status.conditions": { mergeKey: "type" },
};

const CONTAINER_LISTS: Record<string, ListStrategy> = {
  env: { mergeKey: "name" },
  ports: { mergeKey: "containerPort" },
  volumeMounts: { mergeKey: "mountPath" },
  volumeDevices: { mergeKey: "devicePath" },
};

const POD_SPEC: Record<string, ListStrategy> = {
  containers: { mergeKey: "name" },
  initContainers: { mergeKey: "name" },
  ephemeralContainers: { mergeKey: "name" },
  volumes: { mergeKey: "name" },
  imagePullSecrets: { mergeKey: "name" },
  resourceClaims: { mergeKey: "name" },
  schedulingGates: { mergeKey: "name" },
  hostAliases: { mergeKey: "ip" },
};

function podSpecStrategy(rest: string[]): ListStrategy {
  if (rest.length === 1) return POD_SPEC[rest[0]];
  if (rest.length === 2 && ["containers", "initContainers", "ephemeralContainers"].includes(rest[0])) {
    return CONTAINER_LISTS[rest[1]];
  }
  return undefined;
}

/** The list strategy of the field at `path` (field names only; list positions add nothing) on `kind`. */
export function listStrategyFor(kind: string, path: string[]): ListStrategy {
  const joined = path.join(".");
  if (COMMON[joined]) return COMMON[joined];
  if (kind === "Pod") {
    if (path[0] === "spec") return podSpecStrategy(path.slice(1));
    if (joined === "status.podIPs" || joined === "status.hostIPs") return { mergeKey: "ip" };
  }
  if (kind === "Node") {
    if (joined === "status.addresses") return { mergeKey: "type" };
    if (joined === "spec.podCIDRs") return "primitives";
  }
  if ((kind === "DaemonSet" || kind === "Deployment") && path[0] === "spec" && path[1] === "template") {
    if (path[2] === "spec") return podSpecStrategy(path.slice(3));
    if (path.slice(2).join(".") === "metadata.ownerReferences") return { mergeKey: "uid" };
  }
  return undefined;
}

type Json = Record<string, unknown>;

function isMap(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function withoutDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !(isMap(e) && e.$patch !== undefined && Object.keys(e).length === 1));
  if (!isMap(v)) return v;
  const out: Json = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith("$")) continue;
    out[k] = isMap(val) || Array.isArray(val) ? withoutDirectives(val) : val;
  }
  return out;
}

function mergeMap(kind: string, original: unknown, patch: Json, path: string[]): Json | undefined {
  if (patch.$patch === "delete") return undefined;
  if (patch.$patch === "replace") return withoutDirectives(patch) as Json;
  if (patch.$patch !== undefined) throw badRequest(`unknown patch type: ${String(patch.$patch)} in map`);
  const out: Json = isMap(original) ? structuredClone(original) : {};
  const orders: [string, unknown[]][] = [];
  const deletions: [string, unknown[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$setElementOrder/")) {
      orders.push([key.slice("$setElementOrder/".length), value as unknown[]]);
    } else if (key.startsWith("$deleteFromPrimitiveList/")) {
      deletions.push([key.slice("$deleteFromPrimitiveList/".length), value as unknown[]]);
    } else if (key === "$retainKeys" || key === "$patch") {
      // handled below
    } else if (value === null) {
      delete out[key];
    } else if (isMap(value)) {
      const merged = mergeMap(kind, out[key], value, [...path, key]);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value)) {
      out[key] = mergeList(kind, out[key], value, [...path, key]);
    } else {
      out[key] = value;
    }
  }
  for (const [field, values] of deletions) {
    if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((v) => !values.includes(v));
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field]) && Array.isArray(order))
      out[field] = reorder(kind, out[field], order, [...path, field]);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const key of Object.keys(out)) if (!keep.has(key)) delete out[key];
  }
  return out;
}

function reorder(kind: string, list: unknown[], order: unknown[], path: string[]): unknown[] {
  const strategy = listStrategyFor(kind, path);
  const identity = (e: unknown) =>
    strategy && strategy !== "primitives" && isMap(e) ? e[strategy.mergeKey] : isMap(e) ? JSON.stringify(e) : e;
  const wanted = order.map(identity);
  const ordered: unknown[] = [];
  for (const id of wanted) {
    const found = list.find((e) => identity(e) === id);
    if (found !== undefined && !ordered.includes(found)) ordered.push(found);
  }
  return [...ordered, ...list.filter((e) => !ordered.includes(e))];
}

function mergeList(kind: string, original: unknown, patch: unknown[], path: string[]): unknown[] {
  if (patch.some((e) => isMap(e) && e.$patch === "replace")) return withoutDirectives(patch) as unknown[];
  const strategy = listStrategyFor(kind, path);
  const base = Array.isArray(original) ? structuredClone(original) : [];
  if (strategy === undefined) return withoutDirectives(structuredClone(patch)) as unknown[];
  if (strategy === "primitives") {
    for (const v of patch) if (!base.includes(v)) base.push(v);
    return base;
  }
  const key = strategy.mergeKey;
  for (const item of patch) {
    if (!isMap(item)) throw badRequest(`list ${path.join(".")} merges by "${key}": elements must be objects`);
    const index = base.findIndex((e) => isMap(e) && e[key] === item[key]);
    if (item.$patch === "delete") {
      if (index >= 0) base.splice(index, 1);
      continue;
    }
    const merged = mergeMap(kind, index >= 0 ? base[index] : {}, item, path);
    if (merged === undefined) continue;
    if (index >= 0) base[index] = merged;
    else base.push(merged);
  }
  return base;
}

/** Applies a strategic merge patch to an object of `kind`; returns the new object (inputs untouched). */
export function applyStrategicMergePatch<T>(kind: string, original: T, patch: unknown): T {
  if (!isMap(patch)) throw badRequest("a strategic merge patch must be a JSON object");
  return mergeMap(kind, original, patch, []) as T;
}
