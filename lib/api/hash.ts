/**
 * A stable hash of configuration for drift detection: object keys sorted, lists treated as sets (order does not
 * matter), `undefined` fields ignored. Same input → same hash across processes and versions of Node.
 */
import { createHash } from "node:crypto";

/** Canonical JSON: keys sorted; every list's items sorted by their own canonical form. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value
      .map(canonicalJson)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** 16 hex characters of SHA-256 over {@link canonicalJson}. */
export function stableHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16);
}
