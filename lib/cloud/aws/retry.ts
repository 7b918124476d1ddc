/**
 * Client-side rate limiting (a token bucket per EC2 API class) and retries with full jitter for throttling. The SDK
 * clients keep `maxAttempts` low (3) so retries do not multiply into storms; this layer decides when to try again.
 *
 * Bucket defaults follow the rates Karpenter's EC2 test double applies (`kwok/ec2/ratelimiting.go`): non-mutating
 * 20/s burst 100, mutating 5/s burst 50, launches 2/s burst 5, terminations 5/s burst 100.
 */
import type { Clock } from "../../core/clock.js";

/** API classes that share a bucket. */
export type ApiClass = "describe" | "mutate" | "launch" | "terminate" | "ssm" | "pricing";

/** A token bucket's shape. */
export interface BucketSpec {
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Maximum tokens (burst). */
  capacity: number;
}

/** Default buckets per API class. */
export const DEFAULT_BUCKETS: Record<ApiClass, BucketSpec> = {
  describe: { refillPerSecond: 20, capacity: 100 },
  mutate: { refillPerSecond: 5, capacity: 50 },
  launch: { refillPerSecond: 2, capacity: 5 },
  terminate: { refillPerSecond: 5, capacity: 100 },
  ssm: { refillPerSecond: 10, capacity: 40 },
  pricing: { refillPerSecond: 5, capacity: 10 },
};

/** AWS error codes meaning "slow down". */
export const THROTTLING_CODES = new Set([
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "ThrottledException",
  "SlowDown",
  "EC2ThrottledException",
  "PriorRequestNotComplete",
]);

/** The AWS error code of a thrown SDK error (`name`, or `Code`/`code` for older shapes). */
export function awsErrorCode(err: unknown): string | undefined {
  if (!err || typeof err !== "object") return undefined;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e.Code, e.code, e.name]) if (typeof v === "string" && v !== "" && v !== "Error") return v;
  return undefined;
}

/** True for throttling errors (by code, or HTTP 429). */
export function isThrottlingError(err: unknown): boolean {
  const code = awsErrorCode(err);
  if (code && THROTTLING_CODES.has(code)) return true;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status === 429;
}

/** A token bucket on an injected clock. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: BucketSpec,
    private readonly clock: Clock,
  ) {
    this.tokens = spec.capacity;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.spec.capacity, this.tokens + elapsed * this.spec.refillPerSecond);
    this.updatedAt = now;
  }

  /** Resolves when a token was taken (waiting on the clock when the bucket is empty). Callers are served FIFO. */
  take(): Promise<void> {
    const next = this.queue.then(async () => {
      this.refill();
      while (this.tokens < 1) {
        const waitMs = Math.ceil(((1 - this.tokens) / this.spec.refillPerSecond) * 1000);
        await this.clock.sleep(waitMs);
        this.refill();
      }
      this.tokens -= 1;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Tokens currently available (after refill). */
  available(): number {
    this.refill();
    return this.tokens;
  }
}

/** Retry policy for throttled calls. */
export interface RetryOptions {
  /** Attempts including the first. @default 5 */
  maxAttempts?: number;
  /** First backoff ceiling in ms. @default 200 */
  baseDelayMs?: number;
  /** Backoff ceiling in ms. @default 20000 */
  maxDelayMs?: number;
  /** Random source in [0, 1) for full jitter. @default Math.random */
  random?: () => number;
  /** Buckets per class (merged over {@link DEFAULT_BUCKETS}). @default DEFAULT_BUCKETS */
  buckets?: Partial<Record<ApiClass, BucketSpec>>;
}

/** Rate-limits and retries AWS calls: `await gate.call("describe", () => ec2.send(cmd))`. */
export class ApiGate {
  private readonly buckets = new Map<ApiClass, TokenBucket>();
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly specs: Record<ApiClass, BucketSpec>;
  /** Throttling errors seen (for logs and tests). */
  throttled = 0;

  constructor(
    private readonly clock: Clock,
    opts: RetryOptions = {},
  ) {
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.baseDelayMs = opts.baseDelayMs ?? 200;
    this.maxDelayMs = opts.maxDelayMs ?? 20_000;
    this.random = opts.random ?? Math.random;
    this.specs = { ...DEFAULT_BUCKETS, ...opts.buckets };
  }

  /** The bucket of a class (created on first use). */
  bucket(cls: ApiClass): TokenBucket {
    let b = this.buckets.get(cls);
    if (!b) {
      b = new TokenBucket(this.specs[cls], this.clock);
      this.buckets.set(cls, b);
    }
    return b;
  }

  /** Full-jitter delay before retry number `attempt` (1-based): uniform in [0, min(max, base × 2^(attempt−1))). */
  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * ceiling);
  }

  /** Takes a token, runs `fn`, and retries throttling errors with full jitter; other errors propagate at once. */
  async call<T>(cls: ApiClass, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.bucket(cls).take();
      try {
        return await fn();
      } catch (err) {
        if (!isThrottlingError(err)) throw err;
        this.throttled++;
        if (attempt >= this.maxAttempts) throw err;
        await this.clock.sleep(this.backoffMs(attempt));
      }
    }
  }
}
