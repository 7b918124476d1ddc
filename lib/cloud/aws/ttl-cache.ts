/**
 * A keyed cache whose entries expire after a TTL on an injected clock, with "keep last good" support: a failed
 * refresh can fall back to the expired value. Used for AMIs, subnets, security groups, instance types and prices.
 */
import type { Clock } from "../../core/clock.js";

interface Entry<V> {
  value: V;
  storedAt: number;
}

/** TTL cache keyed by string. */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Promise<V>>();

  constructor(
    private readonly clock: Clock,
    readonly ttlMs: number,
  ) {}

  /** The fresh value for `key`, or undefined. */
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    return e && this.clock.now() - e.storedAt < this.ttlMs ? e.value : undefined;
  }

  /** The last stored value for `key`, fresh or not. */
  getStale(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V): void {
    this.entries.set(key, { value, storedAt: this.clock.now() });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * The fresh value, else loads it (concurrent callers share one load). When `keepLastGood` is set and the load
   * fails, the stale value is returned (and `onStale` told why) if there is one; otherwise the error propagates.
   */
  async getOrLoad(
    key: string,
    load: () => Promise<V>,
    opts: { keepLastGood?: boolean; onStale?: (err: unknown) => void } = {},
  ): Promise<V> {
    const fresh = this.get(key);
    if (fresh !== undefined) return fresh;
    let p = this.inflight.get(key);
    if (!p) {
      p = load().then(
        (v) => {
          this.set(key, v);
          return v;
        },
        (err) => {
          const stale = this.getStale(key);
          if (opts.keepLastGood && stale !== undefined) {
            opts.onStale?.(err);
            return stale;
          }
          throw err;
        },
      );
      p.finally(() => this.inflight.delete(key)).catch(() => undefined);
      this.inflight.set(key, p);
    }
    return p;
  }
}
