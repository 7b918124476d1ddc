/**
 * Client-side rate limiting (a token bucket per EC2 API class) and retries with full jitter for throttling. The SDK
 * clients keep `maxAttempts` low (3) so retries do not multiply into storms; this layer decides when to try again.
 *
 * EC2 calls are named by action ({@link ec2Call}) and limited per action by EC2's documented request buckets and,
 * for RunInstances/TerminateInstances, resource buckets (`ec2-rate-limits.ts`, the same table the AWS emulator
 * enforces). SSM and Pricing keep one bucket per service.
 */
import type { Clock } from "../../core/clock.js";
import {
  EC2_CATEGORY_LIMITS,
  EC2_RESOURCE_LIMITS,
  type Ec2RequestShape,
  ec2RequestBucket,
  ec2ResourceCount,
  isUnfilteredUnpaginated,
} from "./ec2-rate-limits.js";

/**
 * Non-EC2 API classes that share a bucket. `describe`, `mutate`, `launch` and `terminate` are coarse EC2 classes
 * kept for callers not yet naming their action: prefer {@link ec2Call}.
 */
export type ApiClass = "describe" | "mutate" | "launch" | "terminate" | "ssm" | "pricing" | "iam";

/** One EC2 call: its action and request (for the filtered/paginated and resource-count rules). */
export interface Ec2Call {
  ec2: string;
  input?: Ec2RequestShape;
}

/** Names an EC2 call for the gate: `gate.call(ec2Call("DescribeSubnets", input), () => ec2.send(cmd))`. */
export function ec2Call(action: string, input?: Ec2RequestShape): Ec2Call {
  return { ec2: action, input };
}

/** A token bucket's shape. */
export interface BucketSpec {
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Maximum tokens (burst). */
  capacity: number;
}

/** Default buckets per API class (the coarse EC2 classes take their category's documented limit). */
export const DEFAULT_BUCKETS: Record<ApiClass, BucketSpec> = {
  describe: EC2_CATEGORY_LIMITS["non-mutating"],
  mutate: EC2_CATEGORY_LIMITS.mutating,
  launch: EC2_CATEGORY_LIMITS.mutating,
  terminate: { refillPerSecond: 5, capacity: 100 },
  ssm: { refillPerSecond: 10, capacity: 40 },
  pricing: { refillPerSecond: 5, capacity: 10 },
  iam: { refillPerSecond: 5, capacity: 10 },
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

  /**
   * Resolves when `count` tokens were taken (waiting on the clock when the bucket has fewer; `count` is capped at
   * the capacity). Callers are served FIFO.
   */
  take(count = 1): Promise<void> {
    const want = Math.min(Math.max(1, count), this.spec.capacity);
    const next = this.queue.then(async () => {
      this.refill();
      while (this.tokens < want) {
        const waitMs = Math.ceil(((want - this.tokens) / this.spec.refillPerSecond) * 1000);
        await this.clock.sleep(waitMs);
        this.refill();
      }
      this.tokens -= want;
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
  /**
   * Buckets per class or EC2 bucket key (an action, `<action>#unfiltered`, or `<action>#resources`), merged over
   * {@link DEFAULT_BUCKETS} and the documented EC2 limits. @default DEFAULT_BUCKETS and the EC2 limits
   */
  buckets?: Partial<Record<ApiClass, BucketSpec>> & Record<string, BucketSpec>;
}

/** Rate-limits and retries AWS calls: `await gate.call(ec2Call("DescribeSubnets", input), () => ec2.send(cmd))`. */
export class ApiGate {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly specs: Record<string, BucketSpec>;
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

  /** The bucket of a class or EC2 bucket key (created on first use; `fallback` when nothing is configured). */
  bucket(key: string, fallback?: BucketSpec): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) {
      const spec = this.specs[key] ?? fallback;
      if (!spec) throw new Error(`no rate limit for "${key}"`);
      b = new TokenBucket(spec, this.clock);
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Takes the request token (and, for RunInstances/TerminateInstances, the resource tokens) of one call. */
  private async takeTokens(api: ApiClass | Ec2Call): Promise<void> {
    if (typeof api === "string") return this.bucket(api).take();
    const request = ec2RequestBucket(api.ec2, isUnfilteredUnpaginated(api.input));
    await this.bucket(request.key, request.limit).take();
    const resources = ec2ResourceCount(api.ec2, api.input);
    if (resources > 0) await this.bucket(`${api.ec2}#resources`, EC2_RESOURCE_LIMITS[api.ec2]).take(resources);
  }

  /** Full-jitter delay before retry number `attempt` (1-based): uniform in [0, min(max, base × 2^(attempt−1))). */
  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * ceiling);
  }

  /** Takes a token, runs `fn`, and retries throttling errors with full jitter; other errors propagate at once. */
  async call<T>(api: ApiClass | Ec2Call, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.takeTokens(api);
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
