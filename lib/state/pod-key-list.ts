/**
 * The stored form of a claim's pod keys (`namespace/name`): one string, the keys in order, separated by spaces, each
 * written as the part that differs from the key before it. A key is split after its last `-` (or after its `/`
 * when the name has no `-`): a key whose prefix is the previous key's is written as its suffix alone; any other
 * key is written whole and sets the prefix. Pods of one workload share their prefix, so
 * `default/web-7d9f8-abcde default/web-7d9f8-fghij` is stored as `default/web-7d9f8-abcde fghij`. Pod names and
 * namespaces have no space or `/`, so a token with a `/` is always a whole key. Old items store the plain list.
 */

/** The split point of a key: the length of its prefix. */
function prefixLength(key: string): number {
  const slash = key.indexOf("/");
  const dash = key.lastIndexOf("-");
  return dash > slash ? dash + 1 : slash + 1;
}

/**
 * The stored value of `keys` (order kept): the encoded string; the plain list when there are none, or when a key is
 * not a `namespace/name` (no `/`, or a space) and so could not be told apart from a suffix.
 */
export function encodePodKeys(keys: readonly string[]): string | string[] {
  if (keys.length === 0 || keys.some((k) => !k.includes("/") || k.includes(" "))) return [...keys];
  const tokens: string[] = [];
  let prefix: string | undefined;
  for (const key of keys) {
    const cut = prefixLength(key);
    const own = key.slice(0, cut);
    const rest = key.slice(cut);
    if (own === prefix && rest.length > 0 && !rest.includes("/")) tokens.push(rest);
    else {
      tokens.push(key);
      prefix = own;
    }
  }
  return tokens.join(" ");
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
