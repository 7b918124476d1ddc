/**
 * The non-resource paths of the fake kube-apiserver: `/version`, the health checks and the legacy discovery
 * documents (`/api`, `/api/v1`, `/apis`, `/apis/{group}`, `/apis/{group}/{version}`) that kubectl and client-go
 * build their REST mapping from. The documents are derived from `RESOURCE_TYPES`, so a resource type added there is
 * discoverable at once. Aggregated discovery is not served: clients asking for it fall back to these documents.
 */
import type { HandlerResult } from "./handlers.js";
import { RESOURCE_TYPES, type ResourceType } from "./resources.js";

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const STATUS_VERBS = ["get", "patch", "update"];

/** kubectl's short names (`kubectl get po`), as the real apiserver lists them. */
const SHORT_NAMES: Readonly<Record<string, string[]>> = {
  pods: ["po"],
  nodes: ["no"],
  namespaces: ["ns"],
  configmaps: ["cm"],
  events: ["ev"],
  daemonsets: ["ds"],
  deployments: ["deploy"],
  poddisruptionbudgets: ["pdb"],
};

/** Members of the `all` category (`kubectl get all`). */
const IN_ALL = new Set(["pods", "daemonsets", "deployments"]);

/** One `APIResource` of a resource list. */
interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
  shortNames?: string[];
  categories?: string[];
}

function mainResource(type: ResourceType): ApiResource {
  return {
    name: type.plural,
    singularName: type.kind.toLowerCase(),
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: ALL_VERBS,
    ...(SHORT_NAMES[type.plural] ? { shortNames: SHORT_NAMES[type.plural] } : {}),
    ...(IN_ALL.has(type.plural) ? { categories: ["all"] } : {}),
  };
}

function subresource(
  type: ResourceType,
  name: string,
  kind: string,
  verbs: string[],
  groupVersion?: { group: string; version: string },
): ApiResource {
  return {
    name: `${type.plural}/${name}`,
    singularName: "",
    namespaced: type.namespaced,
    kind,
    verbs,
    ...groupVersion,
  };
}

/** The resources of one group version, with their subresources (`pods/eviction` is what `kubectl drain` looks for). */
function resourcesOf(group: string, version: string): ApiResource[] {
  const resources: ApiResource[] = [];
  for (const type of Object.values(RESOURCE_TYPES)) {
    if (type.group !== group || type.version !== version) continue;
    resources.push(mainResource(type));
    if (type.hasStatus) resources.push(subresource(type, "status", type.kind, STATUS_VERBS));
    if (type.plural === "pods" && group === "") {
      resources.push(subresource(type, "binding", "Binding", ["create"]));
      resources.push(subresource(type, "eviction", "Eviction", ["create"], { group: "policy", version: "v1" }));
    }
  }
  if (group === "" && version === "v1") {
    resources.push({ name: "bindings", singularName: "binding", namespaced: true, kind: "Binding", verbs: ["create"] });
  }
  return resources;
}

/** The named groups and their versions, in the order the resource types list them. */
function groups(): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const type of Object.values(RESOURCE_TYPES)) {
    if (type.group === "") continue;
    const versions = byGroup.get(type.group) ?? [];
    if (!versions.includes(type.version)) versions.push(type.version);
    byGroup.set(type.group, versions);
  }
  return byGroup;
}

function apiGroup(name: string, versions: string[]) {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

function resourceList(group: string, version: string): HandlerResult | undefined {
  const resources = resourcesOf(group, version);
  if (resources.length === 0) return undefined;
  const groupVersion = group === "" ? version : `${group}/${version}`;
  return { code: 200, body: { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources } };
}

/** The server's version, as `kubectl version` shows it. */
export const SERVER_VERSION = {
  major: "1",
  minor: "31",
  gitVersion: "v1.31.0-stevedore-fake",
  goVersion: "go1.22.0",
  compiler: "gc",
  platform: "linux/amd64",
} as const;

/** The answer to a non-resource path, or undefined when `pathname` is a resource path (or unknown). */
export function nonResourceResponse(pathname: string): HandlerResult | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  if (path === "/version") return { code: 200, body: SERVER_VERSION };
  if (path === "/healthz" || path === "/readyz" || path === "/livez") return { code: 200, body: "ok" };
  if (path === "/api") {
    return { code: 200, body: { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] } };
  }
  if (path === "/apis") {
    const list = [...groups()].map(([name, versions]) => apiGroup(name, versions));
    return { code: 200, body: { kind: "APIGroupList", apiVersion: "v1", groups: list } };
  }
  const segments = path.split("/").slice(1);
  if (segments[0] === "api" && segments.length === 2) return resourceList("", segments[1]);
  if (segments[0] !== "apis") return undefined;
  const versions = groups().get(segments[1] ?? "");
  if (!versions) return undefined;
  if (segments.length === 2)
    return { code: 200, body: { kind: "APIGroup", apiVersion: "v1", ...apiGroup(segments[1], versions) } };
  if (segments.length === 3) return resourceList(segments[1], segments[2]);
  return undefined;
}
