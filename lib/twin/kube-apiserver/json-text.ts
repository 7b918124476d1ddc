/**
 * JSON text of responses and watch events, with each stored object serialised once: stored objects are frozen
 * and replaced (never changed) on every write, so the text of one is cached by identity. A list of 10,000 pods then
 * costs a join of cached strings rather than a fresh serialisation of every pod for every list and every watcher.
 * The text is byte for byte what `JSON.stringify` gives.
 */
import type { KubeObject } from "./resources.js";

const textCache = new WeakMap<object, string>();
const bareCache = new WeakMap<object, Readonly<Record<string, unknown>>>();

/** The JSON text of a value; cached when it is a frozen object. */
export function jsonText(value: unknown): string {
  if (value === null || typeof value !== "object" || !Object.isFrozen(value)) return JSON.stringify(value);
  let text = textCache.get(value);
  if (text === undefined) textCache.set(value, (text = JSON.stringify(value)));
  return text;
}

/** A stored object without `apiVersion` and `kind`, as list items carry it; the same (frozen) object every time. */
export function withoutTypeMeta(o: Readonly<KubeObject>): Readonly<Record<string, unknown>> {
  if (!Object.isFrozen(o)) {
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  }
  let bare = bareCache.get(o);
  if (bare === undefined) {
    const { apiVersion: _a, kind: _k, ...rest } = o;
    bareCache.set(o, (bare = Object.freeze(rest)));
  }
  return bare;
}

/** The JSON text of a response body: a list's items come from the cache, everything else is serialised. */
export function responseText(body: unknown): string {
  if (body === null || typeof body !== "object" || !Array.isArray((body as { items?: unknown }).items))
    return JSON.stringify(body);
  const { items, ...rest } = body as { items: unknown[] };
  const head = JSON.stringify(rest);
  const separator = head === "{}" ? "" : ",";
  return `${head.slice(0, -1)}${separator}"items":[${items.map(jsonText).join(",")}]}`;
}

/** The JSON text of a watch event. */
export function watchEventText(event: { type: string; object: unknown }): string {
  return `{"type":${JSON.stringify(event.type)},"object":${jsonText(event.object)}}`;
}
