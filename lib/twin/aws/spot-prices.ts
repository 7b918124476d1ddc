/**
 * Spot prices that move. Each type × zone pool starts at a fraction of the on-demand price drawn from the seed, then
 * follows a mean-preserving geometric random walk that steps every `stepMs` from the emulator's start time. Every
 * draw is keyed by (seed, type, zone, step), so a price depends only on time, never on who asked first. Prices are
 * clamped to [floorRatio, capRatio] × on-demand and rounded to 6 decimals (EC2's precision). {@link
 * SpotPriceModel.set} pins a pool's price from a time on; the walk continues from the pinned value.
 */
import type { EmulatorCatalog } from "./catalog.js";
import { normalFromKey, unitFromKey } from "./random.js";

/** Spot market settings. */
export interface SpotPriceOptions {
  /** Range of a pool's starting price as a fraction of on-demand. @default [0.25, 0.45] */
  initialRatio?: [number, number];
  /** Time between price steps (ms). @default 600000 (10 minutes) */
  stepMs?: number;
  /** Standard deviation of the log price change per step. @default 0.04 */
  volatility?: number;
  /** Lowest price as a fraction of on-demand. @default 0.1 */
  floorRatio?: number;
  /** Highest price as a fraction of on-demand. @default 1 */
  capRatio?: number;
}

/** A price and the time it took effect. */
export interface SpotPricePoint {
  price: number;
  timestampMs: number;
}

interface Segment {
  fromMs: number;
  fromStep: number;
  base: number;
}

interface Pool {
  onDemand: number;
  logWalk: number[];
  segments: Segment[];
}

/** The spot market of the emulated region. */
export class SpotPriceModel {
  private readonly pools = new Map<string, Pool>();
  private readonly opts: Required<SpotPriceOptions>;

  constructor(
    private readonly catalog: EmulatorCatalog,
    private readonly seed: number,
    private readonly originMs: number,
    options: SpotPriceOptions = {},
  ) {
    this.opts = {
      initialRatio: options.initialRatio ?? [0.25, 0.45],
      stepMs: options.stepMs ?? 600_000,
      volatility: options.volatility ?? 0.04,
      floorRatio: options.floorRatio ?? 0.1,
      capRatio: options.capRatio ?? 1,
    };
  }

  private step(atMs: number): number {
    return atMs <= this.originMs ? 0 : Math.floor((atMs - this.originMs) / this.opts.stepMs);
  }

  private stepStart(step: number): number {
    return this.originMs + step * this.opts.stepMs;
  }

  private pool(type: string, zone: string): Pool | undefined {
    const key = `${type}|${zone}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const t = this.catalog.get(type);
      if (!t?.spotSupported) return undefined;
      const [lo, hi] = this.opts.initialRatio;
      const ratio = lo + (hi - lo) * unitFromKey(`${this.seed}|ratio|${key}`);
      pool = {
        onDemand: t.onDemandPrice,
        logWalk: [0],
        segments: [{ fromMs: Number.NEGATIVE_INFINITY, fromStep: 0, base: t.onDemandPrice * ratio }],
      };
      this.pools.set(key, pool);
    }
    return pool;
  }

  private walk(pool: Pool, key: string, step: number): number {
    const sigma = this.opts.volatility;
    while (pool.logWalk.length <= step) {
      const k = pool.logWalk.length;
      const z = sigma === 0 ? 0 : normalFromKey(`${this.seed}|walk|${key}|${k}`);
      pool.logWalk.push((pool.logWalk[k - 1] as number) + sigma * z - (sigma * sigma) / 2);
    }
    return pool.logWalk[step] as number;
  }

  private priceIn(pool: Pool, key: string, atMs: number): number {
    let segment = pool.segments[0] as Segment;
    for (const s of pool.segments) if (s.fromMs <= atMs) segment = s;
    const step = this.step(atMs);
    const raw = segment.base * Math.exp(this.walk(pool, key, step) - this.walk(pool, key, segment.fromStep));
    const clamped = Math.min(pool.onDemand * this.opts.capRatio, Math.max(pool.onDemand * this.opts.floorRatio, raw));
    return Math.round(clamped * 1e6) / 1e6;
  }

  /** The price in effect at a time, or undefined when the type has no spot market in the region. */
  price(type: string, zone: string, atMs: number): number | undefined {
    const pool = this.pool(type, zone);
    return pool ? this.priceIn(pool, `${type}|${zone}`, atMs) : undefined;
  }

  /** Pins a pool's price from `atMs` on (the walk continues from it). */
  set(type: string, zone: string, price: number, atMs: number): void {
    const pool = this.pool(type, zone);
    if (!pool) throw new Error(`${type} has no spot market in the emulated region`);
    pool.segments = pool.segments.filter((s) => s.fromMs < atMs);
    pool.segments.push({ fromMs: atMs, fromStep: this.step(atMs), base: price });
  }

  /** Times in (fromMs, toMs] at which the pool's price may change. */
  private boundaries(pool: Pool, fromMs: number, toMs: number): number[] {
    const out: number[] = [];
    if (this.opts.volatility > 0) {
      for (let k = this.step(fromMs) + 1; k <= this.step(toMs); k++) out.push(this.stepStart(k));
    }
    for (const s of pool.segments) if (s.fromMs > fromMs && s.fromMs <= toMs) out.push(s.fromMs);
    return [...new Set(out)].sort((a, b) => a - b);
  }

  /** When the price in effect at `atMs` took effect. */
  private effectiveSince(pool: Pool, atMs: number): number {
    let since = this.opts.volatility > 0 ? this.stepStart(this.step(atMs)) : this.originMs;
    for (const s of pool.segments) if (s.fromMs <= atMs && s.fromMs > since) since = s.fromMs;
    return Math.min(since, atMs);
  }

  /** The price in effect at `fromMs` and every change up to `toMs`, newest first. */
  history(type: string, zone: string, fromMs: number, toMs: number): SpotPricePoint[] {
    const pool = this.pool(type, zone);
    if (!pool) return [];
    const key = `${type}|${zone}`;
    const points: SpotPricePoint[] = [
      { price: this.priceIn(pool, key, fromMs), timestampMs: this.effectiveSince(pool, fromMs) },
    ];
    for (const t of this.boundaries(pool, fromMs, toMs)) {
      const price = this.priceIn(pool, key, t);
      if (price !== (points.at(-1) as SpotPricePoint).price) points.push({ price, timestampMs: t });
    }
    return points.reverse();
  }

  /** Dollars (in the price currency) a spot instance of the pool costs between two times. */
  cost(type: string, zone: string, fromMs: number, toMs: number): number {
    const pool = this.pool(type, zone);
    if (!pool || toMs <= fromMs) return 0;
    const key = `${type}|${zone}`;
    let total = 0;
    let t = fromMs;
    for (const b of [...this.boundaries(pool, fromMs, toMs), toMs]) {
      if (b <= t) continue;
      total += (this.priceIn(pool, key, t) * (b - t)) / 3_600_000;
      t = b;
    }
    return total;
  }
}
