/**
 * DynamoDB's size of an item, by AWS's rules for billing and limits: the UTF-8 bytes of every attribute name plus
 * its value's size — a string its UTF-8 bytes, a number 1 byte plus 1 per two significant digits, a boolean or
 * null 1 byte, a list or map 3 bytes plus 1 byte and the size of each element (a map's element also its key's
 * bytes). A write costs one write unit per started KB of the larger of the old and the new item; a strongly
 * consistent query one read unit per started 4 KB of the items it reads, filtered out or not.
 */
import type { NativeAttributeValue } from "@aws-sdk/lib-dynamodb";

/** The item's size in bytes, as lib-dynamodb marshals it (undefined attributes are left out). */
export function dynamoItemSize(item: Record<string, NativeAttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name) + valueSize(value);
  }
  return size;
}

function valueSize(value: NativeAttributeValue): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number" || typeof value === "bigint") return numberSize(String(value));
  if (Array.isArray(value)) {
    let size = 3;
    for (const v of value) if (v !== undefined) size += 1 + valueSize(v);
    return size;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let size = 0;
    for (const v of value) size += valueSize(v);
    return size;
  }
  if (typeof value === "object") return 3 + mapSize(value as Record<string, NativeAttributeValue>);
  return 0;
}

function mapSize(map: Record<string, NativeAttributeValue>): number {
  let size = 0;
  for (const [k, v] of Object.entries(map)) if (v !== undefined) size += 1 + Buffer.byteLength(k) + valueSize(v);
  return size;
}

/** 1 byte, plus 1 per two significant digits (leading and trailing zeros and the sign and point do not count). */
function numberSize(text: string): number {
  const [mantissa] = text.toLowerCase().split("e");
  const digits = mantissa.replace(/[-+.]/g, "").replace(/^0+/, "").replace(/0+$/, "");
  if (digits.length === 0) return 1;
  return 1 + Math.ceil(digits.length / 2);
}
