/**
 * Seeded randomness for the AWS emulator: ids, request ids, throttling draws and spot-price walks are all
 * reproducible for a given seed, so a twin run can be replayed exactly.
 */

import { type Random, seededRandom } from "../../core/seeded-random.js";

/** A seeded generator with helpers for ids (mulberry32, see `lib/scheduling/seeded-random.ts`). */
export class SeededRandom {
  private readonly random: Random;

  constructor(seed: number) {
    this.random = seededRandom(seed >>> 0 || 0x9e3779b9);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.random();
  }

  /** `length` lower-case hex digits. */
  hex(length: number): string {
    let out = "";
    while (out.length < length)
      out += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, "0");
    return out.slice(0, length);
  }

  /** An RFC 4122-shaped (version 4) UUID drawn from this generator. */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** 32-bit FNV-1a hash of a string, for draws that must not depend on call order. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A float in [0, 1) determined only by `key` (order-independent). */
export function unitFromKey(key: string): number {
  return new SeededRandom(hashString(key)).next();
}

/** A standard-normal draw determined only by `key` (Box–Muller over two keyed uniforms). */
export function normalFromKey(key: string): number {
  const r = new SeededRandom(hashString(key));
  const u1 = Math.max(r.next(), 1e-12);
  const u2 = r.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
