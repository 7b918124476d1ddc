/**
 * EC2 `Filter` semantics: values within one filter are OR-ed, filters are AND-ed, values may use `*` and `?`
 * wildcards, and `tag:<key>`, `tag-key` and `tag-value` work on every taggable resource. Unknown filter names are
 * rejected as EC2 does.
 */
import { AwsApiError } from "./errors.js";
import type { Ec2Filter } from "./query-params.js";

/** Extracts the value(s) a named filter compares against. */
export type FilterField<T> = (resource: T) => string | number | boolean | undefined | Array<string | number>;

/** The filters a resource type supports. */
export type FilterFields<T> = Record<string, FilterField<T>>;

const globCache = new Map<string, RegExp>();

/** True when `value` matches an EC2 filter pattern (`*` = any run, `?` = one character; `\` escapes). */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern === value;
  let re = globCache.get(pattern);
  if (!re) {
    let source = "";
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i] as string;
      if (c === "\\" && i + 1 < pattern.length) source += escapeRegex(pattern[++i] as string);
      else if (c === "*") source += ".*";
      else if (c === "?") source += ".";
      else source += escapeRegex(c);
    }
    re = new RegExp(`^${source}$`, "s");
    globCache.set(pattern, re);
  }
  return re.test(value);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Throws `InvalidParameterValue` for a filter name the resource type does not support. */
export function checkFilterNames<T>(filters: Ec2Filter[], fields: FilterFields<T>, taggable: boolean): void {
  for (const f of filters) {
    const tagFilter = f.name.startsWith("tag:") || f.name === "tag-key" || f.name === "tag-value";
    if (fields[f.name] === undefined && !(taggable && tagFilter)) {
      throw new AwsApiError("InvalidParameterValue", `The filter '${f.name}' is invalid`);
    }
  }
}

/** True when the resource passes every filter. */
export function matchesFilters<T>(
  resource: T,
  filters: Ec2Filter[],
  fields: FilterFields<T>,
  tags?: (resource: T) => ReadonlyMap<string, string>,
): boolean {
  for (const f of filters) {
    let candidates: string[];
    if (tags && f.name.startsWith("tag:")) {
      const v = tags(resource).get(f.name.slice(4));
      candidates = v === undefined ? [] : [v];
    } else if (tags && f.name === "tag-key") {
      candidates = [...tags(resource).keys()];
    } else if (tags && f.name === "tag-value") {
      candidates = [...tags(resource).values()];
    } else {
      const field = fields[f.name];
      if (!field) throw new AwsApiError("InvalidParameterValue", `The filter '${f.name}' is invalid`);
      const raw = field(resource);
      if (raw === undefined) candidates = [];
      else if (Array.isArray(raw)) candidates = raw.map(String);
      else candidates = [String(raw)];
    }
    if (!f.values.some((pattern) => candidates.some((c) => globMatch(pattern, c)))) return false;
  }
  return true;
}
