/**
 * Maps a kube-apiserver URL path onto a resource request:
 * `/api/v1[/watch][/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]` and the same under `/apis/{group}/{version}`.
 */
import { findResourceType, RESOURCE_TYPES, type ResourceType } from "./resources.js";
import { pathNotFound } from "./status.js";

/** A parsed resource path. */
export interface ResourcePath {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Legacy `/watch/` path form. */
  legacyWatch: boolean;
  /** `POST /api/v1/namespaces/{ns}/bindings`. */
  bindings?: boolean;
}

/** Parses `pathname`; undefined for non-resource paths (`/version`, `/healthz`, discovery). Throws 404 on unknown. */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const segments = pathname
    .split("/")
    .filter((s) => s !== "")
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 3) {
    group = "";
    version = segments[1];
    rest = segments.slice(2);
  } else if (segments[0] === "apis" && segments.length >= 4) {
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  let legacyWatch = false;
  if (rest[0] === "watch") {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const inner = findResourceType(group, version, rest[2]);
    if (inner?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    } else if (group === "" && rest[2] === "bindings" && rest.length === 3) {
      return { type: RESOURCE_TYPES.pods, namespace: rest[1], legacyWatch: false, bindings: true };
    }
  }
  if (rest.length === 0 || rest.length > 3) throw pathNotFound();
  const type = findResourceType(group, version, rest[0]);
  if (!type) throw pathNotFound();
  if (type.namespaced !== (namespace !== undefined) && rest.length > 1) throw pathNotFound();
  return { type, namespace, name: rest[1], subresource: rest[2], legacyWatch };
}
