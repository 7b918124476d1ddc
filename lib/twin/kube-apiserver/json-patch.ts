/**
 * RFC 6902 JSON Patch (`application/json-patch+json`): add, remove, replace, move, copy, test. Failures become the
 * 422 the real server answers with.
 */
import { ApiError, failureStatus } from "./status.js";

/** One JSON Patch operation. */
export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

function patchError(message: string): ApiError {
  return new ApiError(
    failureStatus(422, "Invalid", `the server rejected our request due to an error in our request: ${message}`),
  );
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw patchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

type Container = Record<string, unknown> | unknown[];

/** Resolves the parent container of `pointer` and the last token. */
function parentOf(doc: unknown, pointer: string): { parent: Container; token: string } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw patchError("operations on the document root are not supported");
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    cur = childOf(cur, t, pointer);
  }
  if (cur === null || typeof cur !== "object") throw patchError(`path "${pointer}" has no parent object`);
  return { parent: cur as Container, token: tokens[tokens.length - 1] };
}

function childOf(cur: unknown, token: string, pointer: string): unknown {
  if (Array.isArray(cur)) {
    const index = Number(token);
    if (!/^\d+$/.test(token) || index >= cur.length) throw patchError(`path "${pointer}": index ${token} out of range`);
    return cur[index];
  }
  if (cur !== null && typeof cur === "object" && Object.hasOwn(cur, token)) {
    return (cur as Record<string, unknown>)[token];
  }
  throw patchError(`doc is missing path: "${pointer}"`);
}

function getValue(doc: unknown, pointer: string): unknown {
  let cur = doc;
  for (const t of parsePointer(pointer)) cur = childOf(cur, t, pointer);
  return cur;
}

function addValue(doc: unknown, pointer: string, value: unknown): void {
  const { parent, token } = parentOf(doc, pointer);
  if (Array.isArray(parent)) {
    const index = token === "-" ? parent.length : Number(token);
    if (!(token === "-" || /^\d+$/.test(token)) || index > parent.length) {
      throw patchError(`path "${pointer}": index ${token} out of range`);
    }
    parent.splice(index, 0, value);
  } else {
    parent[token] = value;
  }
}

function removeValue(doc: unknown, pointer: string): unknown {
  const { parent, token } = parentOf(doc, pointer);
  if (Array.isArray(parent)) {
    const index = Number(token);
    if (!/^\d+$/.test(token) || index >= parent.length)
      throw patchError(`path "${pointer}": index ${token} out of range`);
    return parent.splice(index, 1)[0];
  }
  if (!Object.hasOwn(parent, token)) throw patchError(`Unable to remove nonexistent key: ${token}: missing value`);
  const old = parent[token];
  delete parent[token];
  return old;
}

/** Deep JSON equality. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ak = Object.keys(a as object);
  const bk = Object.keys(b as object);
  return (
    ak.length === bk.length &&
    ak.every((k) => Object.hasOwn(b as object, k) && jsonEqual((a as never)[k], (b as never)[k]))
  );
}

/** Applies `operations` to a deep copy of `doc` and returns it. */
export function applyJsonPatch<T>(doc: T, operations: unknown): T {
  if (!Array.isArray(operations)) throw patchError("a JSON patch must be an array of operations");
  const out = structuredClone(doc);
  for (const raw of operations as JsonPatchOperation[]) {
    if (raw === null || typeof raw !== "object" || typeof raw.path !== "string") {
      throw patchError("each operation needs an op and a path");
    }
    switch (raw.op) {
      case "add":
        addValue(out, raw.path, structuredClone(raw.value));
        break;
      case "remove":
        removeValue(out, raw.path);
        break;
      case "replace":
        removeValue(out, raw.path);
        addValue(out, raw.path, structuredClone(raw.value));
        break;
      case "move":
        addValue(out, raw.path, removeValue(out, String(raw.from)));
        break;
      case "copy":
        addValue(out, raw.path, structuredClone(getValue(out, String(raw.from))));
        break;
      case "test": {
        let actual: unknown;
        try {
          actual = getValue(out, raw.path);
        } catch {
          actual = undefined;
        }
        if (!jsonEqual(actual, raw.value)) throw patchError(`testing value ${raw.path} failed: test failed`);
        break;
      }
      default:
        throw patchError(`Unexpected kind: ${String((raw as { op: unknown }).op)}`);
    }
  }
  return out;
}
