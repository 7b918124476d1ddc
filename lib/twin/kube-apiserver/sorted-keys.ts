/**
 * A resource's object keys in list order (namespace/name, as etcd lists them), kept sorted as objects come and go
 * by binary search, so a list after a create costs no re-sort.
 */

/** Where `key` is or would be in sorted `keys`; with `after`, the first position holding a greater key. */
export function keyPosition(keys: readonly string[], key: string, after = false): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < key || (after && keys[mid] === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `key` (not yet present) in sorted `keys`. */
export function insertSorted(keys: string[], key: string): void {
  keys.splice(keyPosition(keys, key), 0, key);
}

/** Removes `key` from sorted `keys`, if present. */
export function removeSorted(keys: string[], key: string): void {
  const at = keyPosition(keys, key);
  if (keys[at] === key) keys.splice(at, 1);
}
