/**
 * `${VAR}` placeholders in input documents, as `envsubst` would replace them before `kubectl apply`.
 * Substitution is textual (so a placeholder may stand for a number); placeholders whose variable is unset are
 * left in place, and {@link findPlaceholders} reports where they remain so the loader can warn per field.
 */
import { indexPath, isObject, keyPath } from "./fields.js";

/** An environment map; `undefined` values count as unset. */
export type EnvMap = Record<string, string | undefined>;

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` with its value and `${VAR:-default}` with the value or, when unset or empty, the default.
 * Unset variables without a default are left as written.
 */
export function substituteEnv(text: string, env: EnvMap): string {
  return text.replace(PLACEHOLDER, (whole, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === "" ? fallback : value;
    return value === undefined ? whole : value;
  });
}

const SENTINEL_PREFIX = "__stevedore_unset_";
const SENTINEL = /__stevedore_unset_([A-Za-z_][A-Za-z0-9_]*?)__/g;

/**
 * {@link substituteEnv} for text about to be parsed as YAML: unset placeholders become a YAML-safe token (so that
 * `[${X}]` or `{a: ${X}}` still parse); {@link restorePlaceholders} turns the tokens back into `${X}`.
 */
export function substituteEnvForParsing(text: string, env: EnvMap): string {
  return substituteEnv(text, env).replace(PLACEHOLDER, (_, name: string) => `${SENTINEL_PREFIX}${name}__`);
}

/** Puts `${X}` back wherever {@link substituteEnvForParsing} left a token, in keys and string values. */
export function restorePlaceholders(value: unknown): unknown {
  if (typeof value === "string") {
    return value.includes(SENTINEL_PREFIX) ? value.replace(SENTINEL, (_, name: string) => `\${${name}}`) : value;
  }
  if (Array.isArray(value)) return value.map(restorePlaceholders);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[restorePlaceholders(k) as string] = restorePlaceholders(v);
    return out;
  }
  return value;
}

/** A placeholder left in a parsed document. */
export interface RemainingPlaceholder {
  /** Variable name. */
  variable: string;
  /** Field path in the document (`spec.subnetSelector[alpha.eksctl.io/cluster-name]`). */
  path: string;
}

/** Lists every `${VAR}` still present in string values of a parsed document, with its field path. */
export function findPlaceholders(value: unknown, path = ""): RemainingPlaceholder[] {
  const out: RemainingPlaceholder[] = [];
  const walk = (v: unknown, p: string) => {
    if (typeof v === "string") {
      for (const m of v.matchAll(PLACEHOLDER)) out.push({ variable: m[1], path: p });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(item, indexPath(p, i));
      });
    } else if (isObject(v)) {
      for (const [k, item] of Object.entries(v)) walk(item, p ? keyPath(p, k) : k);
    }
  };
  walk(value, path);
  return out;
}
