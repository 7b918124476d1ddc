/**
 * The stored form of a Pending claim's instance-type options (`instanceTypeOptions`): the names joined by spaces and
 * deflated into one binary attribute. A claim of the scale scenario offers 60 types, about 670 bytes as a list and
 * about 150 deflated (the names repeat their families and sizes), which keeps the Pending item, and so its put and
 * the launch record's update, at one write unit. The order is kept exactly: crash recovery re-issues CreateFleet
 * from these names with the same ClientToken, and the request must be the same. Old items store the plain list.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";

/** The stored value of `names`: deflated bytes; the plain list when empty or when a name holds a space. */
export function encodeOptionNames(names: readonly string[]): Uint8Array | string[] {
  if (names.length === 0 || names.some((n) => n.length === 0 || n.includes(" "))) return [...names];
  return new Uint8Array(deflateRawSync(names.join(" "), { level: 9 }));
}

/** The option names of a stored value: deflated bytes, or the plain list older items (and odd names) hold. */
export function decodeOptionNames(stored: unknown): string[] {
  if (stored instanceof Uint8Array) return inflateRawSync(stored).toString("utf8").split(" ");
  if (Array.isArray(stored)) return stored.map(String);
  return [];
}
