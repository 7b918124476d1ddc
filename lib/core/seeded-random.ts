/**
 * Deterministic pseudo-random numbers (mulberry32): the same seed gives the same sequence on every platform.
 * Used wherever Stevedore needs reproducible randomness — pod-name suffixes of expanded workloads, the twin's
 * emulator and chaos, benchmark and property-test generators. Pure.
 */

/** A seeded generator of floats in [0, 1). */
export type Random = () => number;

/** Creates a generator from a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly chosen element. */
export function pick<T>(random: Random, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)];
}
