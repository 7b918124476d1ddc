/**
 * Generic decoder for the AWS Query / EC2 protocol: form parameters such as
 * `LaunchTemplateConfigs.1.Overrides.2.InstanceType` or `Filter.1.Value.1` become a nested tree in which numbered
 * segments are list positions (1-based on the wire, in order here). Handlers read the tree through
 * {@link QueryParams}, so no action needs its own parser.
 */
import { AwsApiError, invalidParameterValue, missingParameter } from "./errors.js";

/** A decoded parameter value: a scalar, a structure, or a list. */
export type QueryValue = string | QueryNode | QueryValue[];

/** A decoded structure. */
export interface QueryNode {
  [key: string]: QueryValue;
}

interface BuildNode {
  [key: string]: string | BuildNode;
}

const INDEX = /^[1-9][0-9]*$/;

/** Decodes a form-encoded body into a nested tree. */
export function decodeQueryParams(body: string): QueryNode {
  const root: BuildNode = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const segments = key.split(".");
    let node = root;
    for (let i = 0; i < segments.length - 1; i++) {
      const segment = segments[i] as string;
      const next = node[segment];
      if (typeof next === "object") {
        node = next;
      } else {
        const created: BuildNode = {};
        node[segment] = created;
        node = created;
      }
    }
    const last = segments[segments.length - 1] as string;
    if (typeof node[last] !== "object") node[last] = value;
  }
  return normalise(root) as QueryNode;
}

function normalise(node: string | BuildNode): QueryValue {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => INDEX.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => normalise(node[String(k)] as string | BuildNode));
  }
  const out: QueryNode = {};
  for (const k of keys) out[k] = normalise(node[k] as string | BuildNode);
  return out;
}

/** One EC2 `Filter.N` entry. */
export interface Ec2Filter {
  name: string;
  values: string[];
}

/** One `TagSpecification.N` entry. */
export interface TagSpecification {
  resourceType: string;
  tags: Array<{ key: string; value: string }>;
}

/** Typed, validating access to a decoded parameter tree. */
export class QueryParams {
  constructor(
    readonly node: QueryNode,
    private readonly path = "",
  ) {}

  /** Parses a form body. */
  static fromBody(body: string): QueryParams {
    return new QueryParams(decodeQueryParams(body));
  }

  private qualified(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  /** A scalar, or undefined when absent. */
  string(key: string): string | undefined {
    const v = this.node[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw invalidParameterValue(this.qualified(key), "(structure)", "expected a value");
    return v;
  }

  /** A scalar that must be present. */
  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined || v === "") throw missingParameter(this.qualified(key));
    return v;
  }

  /** An integer, or undefined when absent. */
  int(key: string): number | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw invalidParameterValue(this.qualified(key), v, "expected an integer");
    return n;
  }

  /** A number, or undefined when absent. */
  number(key: string): number | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw invalidParameterValue(this.qualified(key), v, "expected a number");
    return n;
  }

  /** A boolean (`true`/`false`), or undefined when absent. */
  bool(key: string): boolean | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (v !== "true" && v !== "false") throw invalidParameterValue(this.qualified(key), v, "expected true or false");
    return v === "true";
  }

  /** A timestamp (ISO 8601 or epoch seconds) in epoch milliseconds, or undefined when absent. */
  timestamp(key: string): number | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    const ms = /^[0-9.]+$/.test(v) ? Number(v) * 1000 : Date.parse(v);
    if (!Number.isFinite(ms)) throw invalidParameterValue(this.qualified(key), v, "expected a timestamp");
    return ms;
  }

  /** A nested structure, or undefined when absent. */
  child(key: string): QueryParams | undefined {
    const v = this.node[key];
    if (v === undefined) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) {
      throw invalidParameterValue(this.qualified(key), String(v), "expected a structure");
    }
    return new QueryParams(v, this.qualified(key));
  }

  /** A list of structures (`Key.N.Field`); empty when absent. */
  list(key: string): QueryParams[] {
    const v = this.node[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw invalidParameterValue(this.qualified(key), "(value)", "expected a list");
    return v.map((item, i) => {
      if (typeof item !== "object" || Array.isArray(item)) {
        throw invalidParameterValue(`${this.qualified(key)}.${i + 1}`, String(item), "expected a structure");
      }
      return new QueryParams(item, `${this.qualified(key)}.${i + 1}`);
    });
  }

  /** A list of scalars (`Key.N`); empty when absent. */
  strings(key: string): string[] {
    const v = this.node[key];
    if (v === undefined) return [];
    if (typeof v === "string") return [v];
    if (!Array.isArray(v) || v.some((item) => typeof item !== "string")) {
      throw invalidParameterValue(this.qualified(key), "(structure)", "expected a list of values");
    }
    return v as string[];
  }

  /** The `Filter.N.Name` / `Filter.N.Value.M` list. */
  filters(): Ec2Filter[] {
    return this.list("Filter").map((f) => ({ name: f.requiredString("Name"), values: f.strings("Value") }));
  }

  /** The `TagSpecification.N` list (key `TagSpecification` unless given). */
  tagSpecifications(key = "TagSpecification"): TagSpecification[] {
    return this.list(key).map((spec) => ({
      resourceType: spec.requiredString("ResourceType"),
      tags: spec.list("Tag").map((t) => ({ key: t.requiredString("Key"), value: t.string("Value") ?? "" })),
    }));
  }
}

/** Rejects a request whose MaxResults is outside EC2's documented range for the action. */
export function checkMaxResults(value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min || value > max) {
    throw new AwsApiError(
      "InvalidParameterValue",
      `Value ( ${value} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
}
