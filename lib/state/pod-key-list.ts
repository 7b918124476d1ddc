/**
 * The stored form of a claim's pod keys (`namespace/name`): one string of space-separated tokens. A key is split
 * after its last `-` (or after its `/` when the name has no `-`); keys are grouped by that prefix, groups in the
 * order their first key came, keys in their order within a group. A group's first key is written whole, the others
 * as their suffix alone. Pods of one workload share their prefix, so `default/web-7d9f8-abcde default/db-0
 * default/web-7d9f8-fghij` is stored as `default/web-7d9f8-abcde fghij default/db-0`. Pod names and namespaces have
 * no space or `/`, so a token with a `/` is always a whole key. Old items store the plain list.
 */

/** The split point of a key: the length of its prefix. */
function prefixLength(key: string): number {
  const slash = key.indexOf("/");
  const dash = key.lastIndexOf("-");
  return dash > slash ? dash + 1 : slash + 1;
}

/**
 * The stored value of `keys`: the encoded string (keys of one prefix brought together); the plain list when there
 * are none, or when a key is not a `namespace/name` (no `/`, or a space) and so could not be told from a suffix.
 */
export function encodePodKeys(keys: readonly string[]): string | string[] {
  if (keys.length === 0 || keys.some((k) => !k.includes("/") || k.includes(" "))) return [...keys];
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const prefix = key.slice(0, prefixLength(key));
    const suffix = key.slice(prefix.length);
    const group = groups.get(prefix);
    if (group && suffix.length > 0) group.push(suffix);
    else if (group) group.push(key);
    else groups.set(prefix, [key]);
  }
  return [...groups.values()].flat().join(" ");
}

/** The pod keys of a stored value: the encoded string, or the plain list older items hold. */
export function decodePodKeys(stored: unknown): string[] {
  if (Array.isArray(stored)) return stored.map(String);
  if (typeof stored !== "string" || stored.length === 0) return [];
  const keys: string[] = [];
  let prefix = "";
  for (const token of stored.split(" ")) {
    if (token.includes("/")) {
      keys.push(token);
      prefix = token.slice(0, prefixLength(token));
    } else keys.push(prefix + token);
  }
  return keys;
}
