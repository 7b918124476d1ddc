/**
 * REST verbs of the fake kube-apiserver over the store: list (selectors, limit/continue), get, create, replace,
 * patch (JSON, merge, strategic merge), delete and deletecollection, and the `status` subresource.
 */
import { applyJsonPatch } from "./json-patch.js";
import { withoutTypeMeta } from "./json-text.js";
import { applyMergePatch } from "./merge-patch.js";
import { apiVersionOf, type KubeObject, objectStoreKey, type ResourceType } from "./resources.js";
import type { ResourcePath } from "./routing.js";
import { type ObjectFilter, parseFieldSelector, parseLabelSelector } from "./selectors.js";
import {
  badRequest,
  conflict,
  expired,
  methodNotAllowed,
  notFound,
  successStatus,
  unsupportedMediaType,
} from "./status.js";
import type { DeleteRequest, KubeObjectStore } from "./store.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";

/** A parsed HTTP request aimed at a resource. */
export interface ResourceRequest {
  method: string;
  path: ResourcePath;
  query: URLSearchParams;
  body: unknown;
  /** Media type of the body, lower-case, without parameters. */
  contentType: string;
}

/** A handler's answer. */
export interface HandlerResult {
  code: number;
  body: unknown;
}

/** Server behaviour switches the handlers read. */
export interface HandlerOptions {
  /** Bound pods deleted with a grace period get a deletionTimestamp and stay until deleted with grace 0. */
  gracefulPodDeletion: boolean;
}

/** Compiles the namespace, `labelSelector` and `fieldSelector` of a request. */
export function requestFilter(req: ResourceRequest): ObjectFilter {
  return {
    namespace: req.path.namespace,
    labels: parseLabelSelector(req.query.get("labelSelector") ?? undefined),
    fields: parseFieldSelector(req.query.get("fieldSelector") ?? undefined, req.path.type),
  };
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: token.rv, start: token.start })).toString("base64url");
}

function decodeContinue(raw: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as { rv?: unknown; start?: unknown };
    if (typeof t.rv === "number" && typeof t.start === "string") return { rv: t.rv, start: t.start };
  } catch {
    // fall through
  }
  throw badRequest(`invalid continue token: ${raw}`);
}

/** GET on a collection (non-watch). */
export function listObjects(store: KubeObjectStore, req: ResourceRequest): HandlerResult {
  const type = req.path.type;
  const filter = requestFilter(req);
  const limit = Number(req.query.get("limit") ?? 0);
  const cont = req.query.get("continue");
  const keyOf = (o: Readonly<KubeObject>) => objectStoreKey(type, o.metadata.namespace, o.metadata.name!);
  let listRv = store.resourceVersion;
  let items: Readonly<KubeObject>[];
  if (cont) {
    const token = decodeContinue(cont);
    const atVersion = store.peekAllAt(type.plural, filter, token.start, token.rv);
    if (!atVersion) {
      throw expired(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
      );
    }
    listRv = token.rv;
    items = atVersion;
  } else {
    items = store.peekAll(type.plural, filter);
  }
  const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
  if (limit > 0 && items.length > limit) {
    const page = items.slice(0, limit);
    metadata.continue = encodeContinue({ rv: listRv, start: keyOf(page[page.length - 1]) });
    metadata.remainingItemCount = items.length - limit;
    items = page;
  }
  return {
    code: 200,
    body: { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata, items: items.map(withoutTypeMeta) },
  };
}

function requireObject(type: ResourceType, store: KubeObjectStore, path: ResourcePath): Readonly<KubeObject> {
  const o = store.peek(type.plural, path.name!, path.namespace);
  if (!o) throw notFound(type.plural, type.group, path.name!);
  return o;
}

function bodyObject(req: ResourceRequest): KubeObject {
  const body = req.body as KubeObject | undefined;
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw badRequest("the request body must be a JSON object");
  if (body.kind !== undefined && body.kind !== req.path.type.kind) {
    throw badRequest(`the kind of the provided object (${body.kind}) does not match ${req.path.type.kind}`);
  }
  body.metadata ??= {};
  if (req.path.type.namespaced) {
    if (body.metadata.namespace && body.metadata.namespace !== req.path.namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    body.metadata.namespace = req.path.namespace;
  }
  return body;
}

/** GET on one object (or its status). */
export function getObject(store: KubeObjectStore, req: ResourceRequest): HandlerResult {
  return { code: 200, body: requireObject(req.path.type, store, req.path) };
}

/** POST on a collection. */
export function createObject(store: KubeObjectStore, req: ResourceRequest): HandlerResult {
  if (req.path.namespace === undefined && req.path.type.namespaced) throw methodNotAllowed("POST");
  return { code: 201, body: store.create(req.path.type.plural, bodyObject(req)) };
}

/** PUT on an object or its status. */
export function replaceObject(store: KubeObjectStore, req: ResourceRequest): HandlerResult {
  const body = bodyObject(req);
  if (body.metadata.name !== req.path.name) {
    throw badRequest(
      `the name of the object (${body.metadata.name}) does not match the name on the URL (${req.path.name})`,
    );
  }
  requireObject(req.path.type, store, req.path);
  const subresource = req.path.subresource === "status" ? "status" : undefined;
  return { code: 200, body: store.update(req.path.type.plural, body, { subresource }) };
}

/** PATCH on an object or its status. */
export function patchObject(store: KubeObjectStore, req: ResourceRequest): HandlerResult {
  const type = req.path.type;
  const current = requireObject(type, store, req.path);
  let patched: KubeObject;
  switch (req.contentType) {
    case "application/json-patch+json":
      patched = applyJsonPatch(current as KubeObject, req.body);
      break;
    case "application/merge-patch+json":
      patched = applyMergePatch(current, req.body) as KubeObject;
      break;
    case "application/strategic-merge-patch+json":
      patched = applyStrategicMergePatch(type.kind, current as KubeObject, req.body);
      break;
    default:
      throw unsupportedMediaType(req.contentType);
  }
  if (
    patched === null ||
    typeof patched !== "object" ||
    typeof patched.metadata !== "object" ||
    patched.metadata === null
  ) {
    throw badRequest("the patch removed the object's metadata");
  }
  if (patched.metadata.name !== current.metadata.name) throw badRequest("the patch may not change metadata.name");
  const wantedRv = patched.metadata.resourceVersion;
  if (wantedRv && wantedRv !== current.metadata.resourceVersion)
    throw conflict(type.plural, type.group, current.metadata.name!);
  patched.metadata.resourceVersion = current.metadata.resourceVersion;
  const subresource = req.path.subresource === "status" ? "status" : undefined;
  return { code: 200, body: store.update(type.plural, patched, { subresource }) };
}

/** Reads DeleteOptions from the body and the query string. */
export function deleteRequestOf(req: ResourceRequest, options: HandlerOptions): DeleteRequest {
  const body = (req.body ?? {}) as { gracePeriodSeconds?: number; preconditions?: DeleteRequest["preconditions"] };
  const queryGrace = req.query.get("gracePeriodSeconds");
  return {
    gracePeriodSeconds: body.gracePeriodSeconds ?? (queryGrace !== null ? Number(queryGrace) : undefined),
    preconditions: body.preconditions,
    gracefulPodDeletion: options.gracefulPodDeletion,
  };
}

/** DELETE on an object. Pods answer with the object; other kinds with a success Status once gone. */
export function deleteObject(store: KubeObjectStore, req: ResourceRequest, options: HandlerOptions): HandlerResult {
  const type = req.path.type;
  const { object, deleted } = store.requestDelete(
    type.plural,
    req.path.name!,
    req.path.namespace,
    deleteRequestOf(req, options),
  );
  if (type.plural === "pods" || !deleted) return { code: deleted ? 200 : 202, body: object };
  return {
    code: 200,
    body: successStatus(200, {
      name: object.metadata.name,
      ...(type.group ? { group: type.group } : {}),
      kind: type.plural,
      uid: object.metadata.uid,
    }),
  };
}

/** DELETE on a collection (with selectors). */
export function deleteCollection(store: KubeObjectStore, req: ResourceRequest, options: HandlerOptions): HandlerResult {
  const type = req.path.type;
  const filter = requestFilter(req);
  const request = deleteRequestOf(req, options);
  const items = store
    .peekAll(type.plural, filter)
    .map((o) => store.requestDelete(type.plural, o.metadata.name!, o.metadata.namespace, request).object);
  return {
    code: 200,
    body: {
      kind: `${type.kind}List`,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion: String(store.resourceVersion) },
      items: items.map(withoutTypeMeta),
    },
  };
}
