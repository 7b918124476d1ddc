/**
 * Token buckets on the emulator's clock, keyed by name: a bucket starts full and refills continuously up to its
 * capacity. Scenario throttling (`faults.ts`) and EC2's documented limits (`rate-limits.ts`) both draw from them.
 */

/** A bucket's shape: `capacity` tokens at once, refilled at `refillPerSecond` of emulator time. */
export interface BucketShape {
  capacity: number;
  refillPerSecond: number;
}

interface Bucket {
  shape: BucketShape;
  tokens: number;
  atMs: number;
}

/** Named token buckets. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  /** Tokens in the bucket `key` (created full with `shape`) at `nowMs`, after refilling. */
  available(key: string, shape: BucketShape, nowMs: number): number {
    let b = this.buckets.get(key);
    if (!b) {
      b = { shape, tokens: shape.capacity, atMs: nowMs };
      this.buckets.set(key, b);
    }
    const elapsed = Math.max(0, nowMs - b.atMs) / 1000;
    b.tokens = Math.min(b.shape.capacity, b.tokens + elapsed * b.shape.refillPerSecond);
    b.atMs = nowMs;
    return b.tokens;
  }

  /** Takes `n` tokens from `key` (call {@link TokenBuckets.available} first at the same instant). */
  take(key: string, n: number): void {
    const b = this.buckets.get(key);
    if (b) b.tokens -= n;
  }

  /** Forgets every bucket (they start full again). */
  clear(): void {
    this.buckets.clear();
  }
}
