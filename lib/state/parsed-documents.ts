/**
 * Parsed and validated config documents, kept per process (a warm Lambda container) and keyed by what the parse
 * reads: the document's name, its text and the values of the `${VAR}` placeholders it names. Every invocation still
 * reads the documents from their source; only the parse and validation of a text already seen is skipped, so a
 * changed document (a new version, another text, another variable value) is parsed at once. The objects are shared
 * between loads: nothing downstream modifies a loaded configuration.
 */
import { findPlaceholders, parseConfigDocuments } from "../api/index.js";

type Parsed = ReturnType<typeof parseConfigDocuments>;

/** Entries beyond this are dropped, oldest first (a configuration has a few documents). */
const MAX_ENTRIES = 256;

const entries = new Map<string, Parsed>();

function keyOf(text: string, file: string, env: Record<string, string | undefined>): string {
  const variables = [...new Set(findPlaceholders(text).map((p) => p.variable))].sort();
  return JSON.stringify([file, text, variables.map((v) => [v, env[v] ?? null])]);
}

/** {@link parseConfigDocuments} of `text`, from the cache when the same text was parsed with the same values. */
export function parseConfigDocumentsCached(
  text: string,
  file: string,
  env: Record<string, string | undefined>,
): Parsed {
  const key = keyOf(text, file, env);
  const hit = entries.get(key);
  if (hit) return hit;
  const parsed = parseConfigDocuments(text, file, { env });
  entries.set(key, parsed);
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  return parsed;
}

/** How many parses are cached (tests). */
export function cachedDocumentCount(): number {
  return entries.size;
}
