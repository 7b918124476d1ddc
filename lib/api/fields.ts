/**
 * Field readers that validate a parsed YAML/JSON value at a field path and collect every problem instead of
 * stopping at the first. Each reader returns the value in its normal form, or `undefined` when it is absent or
 * invalid (the problem is then recorded in the {@link Checker}).
 */
import { isQuantity, parseQuantityBase } from "../core/quantity.js";

/** One problem found in a document: a field path and the rule that failed. */
export interface Problem {
  path: string;
  message: string;
}

/** Collects problems of one document. */
export class Checker {
  readonly problems: Problem[] = [];
  /** Records that the value at `path` breaks `message`. */
  report(path: string, message: string): void {
    this.problems.push({ path, message });
  }
}

/** `spec` + `labels` → `spec.labels`. */
export function childPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** `spec.requirements` + 1 → `spec.requirements[1]`. */
export function indexPath(path: string, i: number): string {
  return `${path}[${i}]`;
}

/**
 * Map entries: a key that is a plain identifier is joined with a dot (`resources.requests` + `cpu` →
 * `resources.requests.cpu`), any other key in brackets (`spec.labels` + `app.kubernetes.io/name` →
 * `spec.labels[app.kubernetes.io/name]`).
 */
export function keyPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? childPath(path, key) : `${path}[${key}]`;
}

/** Absent means `undefined` or YAML/JSON `null`, as for Kubernetes. */
export function isAbsent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

/** A plain object (not a list, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** "a string", "a number", "a list", "an object", … for messages. */
export function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a number";
  return `a ${typeof v}`;
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(
        prev[j] + 1,
        prev[j - 1] + 1,
        diag + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest known name when it is a plausible typo of `name`. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = levenshtein(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** How an object's fields are checked. */
export interface ObjectShape {
  /** Fields that are read. Any other field is an "unknown field" problem. */
  known: readonly string[];
  /** Fields Karpenter had that Stevedore rejects, with the reason shown to the user. @default {} */
  unsupported?: Readonly<Record<string, string>>;
  /** Report "is required" when absent. @default false */
  required?: boolean;
}

/** Reads an object, reporting a wrong type, unknown fields and unsupported fields. */
export function readObject(
  c: Checker,
  v: unknown,
  path: string,
  shape: ObjectShape,
): Record<string, unknown> | undefined {
  if (isAbsent(v)) {
    if (shape.required) c.report(path, "is required");
    return undefined;
  }
  if (!isObject(v)) {
    c.report(path, `must be an object (got ${describeType(v)})`);
    return undefined;
  }
  for (const key of Object.keys(v)) {
    if (shape.known.includes(key)) continue;
    const reason = shape.unsupported?.[key];
    if (reason !== undefined) {
      if (!isAbsent(v[key])) c.report(childPath(path, key), `not supported by Stevedore: ${reason}`);
      continue;
    }
    const hint = suggest(key, shape.known);
    c.report(childPath(path, key), hint ? `unknown field (did you mean ${JSON.stringify(hint)}?)` : "unknown field");
  }
  return v;
}

/** Reads an object without checking its fields (Kubernetes objects carry many fields Stevedore does not read). */
export function readOpenObject(
  c: Checker,
  v: unknown,
  path: string,
  opts: { required?: boolean } = {},
): Record<string, unknown> | undefined {
  if (isAbsent(v)) {
    if (opts.required) c.report(path, "is required");
    return undefined;
  }
  if (!isObject(v)) {
    c.report(path, `must be an object (got ${describeType(v)})`);
    return undefined;
  }
  return v;
}

/** Options shared by scalar readers. */
export interface ScalarOptions {
  /** @default false */
  required?: boolean;
}

/** Reads a string. */
export function readString(
  c: Checker,
  v: unknown,
  path: string,
  opts: ScalarOptions & { nonEmpty?: boolean } = {},
): string | undefined {
  if (isAbsent(v)) {
    if (opts.required) c.report(path, "is required");
    return undefined;
  }
  if (typeof v !== "string") {
    c.report(path, `must be a string (got ${describeType(v)})`);
    return undefined;
  }
  if (opts.nonEmpty && v === "") {
    c.report(path, "must not be empty");
    return undefined;
  }
  return v;
}

/** Reads an integer within optional bounds. */
export function readInt(
  c: Checker,
  v: unknown,
  path: string,
  opts: ScalarOptions & { min?: number; max?: number } = {},
): number | undefined {
  if (isAbsent(v)) {
    if (opts.required) c.report(path, "is required");
    return undefined;
  }
  if (typeof v !== "number" || !Number.isInteger(v)) {
    c.report(path, `must be an integer (got ${typeof v === "number" ? v : describeType(v)})`);
    return undefined;
  }
  const { min, max } = opts;
  if (min !== undefined && max !== undefined && (v < min || v > max)) {
    c.report(path, `${v} is not between ${min} and ${max}`);
    return undefined;
  }
  if (min !== undefined && v < min) {
    c.report(path, `${v} must be at least ${min}`);
    return undefined;
  }
  if (max !== undefined && v > max) {
    c.report(path, `${v} must be at most ${max}`);
    return undefined;
  }
  return v;
}

/** Reads a boolean. */
export function readBool(c: Checker, v: unknown, path: string, opts: ScalarOptions = {}): boolean | undefined {
  if (isAbsent(v)) {
    if (opts.required) c.report(path, "is required");
    return undefined;
  }
  if (typeof v !== "boolean") {
    c.report(path, `must be true or false (got ${describeType(v)})`);
    return undefined;
  }
  return v;
}

/** Reads one of a fixed set of strings. */
export function readEnum<T extends string>(
  c: Checker,
  v: unknown,
  path: string,
  values: readonly T[],
  opts: ScalarOptions = {},
): T | undefined {
  const s = readString(c, v, path, opts);
  if (s === undefined) return undefined;
  if (!(values as readonly string[]).includes(s)) {
    c.report(path, `${JSON.stringify(s)} is not one of ${values.join(", ")}`);
    return undefined;
  }
  return s as T;
}

/** Reads a list with optional length bounds. */
export function readList(
  c: Checker,
  v: unknown,
  path: string,
  opts: ScalarOptions & { min?: number; max?: number } = {},
): unknown[] | undefined {
  if (isAbsent(v)) {
    if (opts.required) c.report(path, "is required");
    return undefined;
  }
  if (!Array.isArray(v)) {
    c.report(path, `must be a list (got ${describeType(v)})`);
    return undefined;
  }
  if (opts.min !== undefined && v.length < opts.min) {
    c.report(path, opts.min === 1 ? "must have at least one item" : `must have at least ${opts.min} items`);
  }
  if (opts.max !== undefined && v.length > opts.max) {
    c.report(path, `has ${v.length} items; at most ${opts.max} are allowed`);
  }
  return v;
}

/** Reads a list of strings; invalid items are reported and left out. */
export function readStringList(
  c: Checker,
  v: unknown,
  path: string,
  opts: ScalarOptions & { min?: number; max?: number } = {},
): string[] | undefined {
  const list = readList(c, v, path, opts);
  if (!list) return undefined;
  const out: string[] = [];
  list.forEach((item, i) => {
    const s = readString(c, item, indexPath(path, i), { required: true });
    if (s !== undefined) out.push(s);
  });
  return out;
}

/** Reads a map of string to string; entries with non-string values are reported and left out. */
export function readStringMap(
  c: Checker,
  v: unknown,
  path: string,
  opts: ScalarOptions = {},
): Record<string, string> | undefined {
  if (isAbsent(v)) {
    if (opts.required) c.report(path, "is required");
    return undefined;
  }
  if (!isObject(v)) {
    c.report(path, `must be a map of strings (got ${describeType(v)})`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string") {
      c.report(keyPath(path, k), `must be a string (got ${describeType(val)}); quote it`);
      continue;
    }
    out[k] = val;
  }
  return out;
}

/** Reads a Kubernetes quantity (`500m`, `2`, `1.5Gi`); returns it as written, numbers as decimal strings. */
export function readQuantity(
  c: Checker,
  v: unknown,
  path: string,
  opts: ScalarOptions & { nonNegative?: boolean } = {},
): string | undefined {
  if (isAbsent(v)) {
    if (opts.required) c.report(path, "is required");
    return undefined;
  }
  if ((typeof v !== "string" && typeof v !== "number") || !isQuantity(v)) {
    c.report(path, `${JSON.stringify(v)} is not a valid quantity (e.g. 500m, 2, 1.5Gi, 512Mi)`);
    return undefined;
  }
  if (opts.nonNegative && parseQuantityBase(v) < 0) {
    c.report(path, `${JSON.stringify(v)} must not be negative`);
    return undefined;
  }
  return String(v);
}

/** Reads a `ResourceList` (resource name → quantity). */
export function readResourceList(
  c: Checker,
  v: unknown,
  path: string,
  opts: ScalarOptions & { allowedKeys?: readonly string[]; nonNegative?: boolean } = {},
): Record<string, string> | undefined {
  if (isAbsent(v)) {
    if (opts.required) c.report(path, "is required");
    return undefined;
  }
  if (!isObject(v)) {
    c.report(path, `must be a map of resource name to quantity (got ${describeType(v)})`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    const p = keyPath(path, k);
    if (opts.allowedKeys && !opts.allowedKeys.includes(k)) {
      c.report(p, `${JSON.stringify(k)} is not one of ${opts.allowedKeys.join(", ")}`);
      continue;
    }
    const q = readQuantity(c, val, p, { required: true, nonNegative: opts.nonNegative });
    if (q !== undefined) out[k] = q;
  }
  return out;
}
