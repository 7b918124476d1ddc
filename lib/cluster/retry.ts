/** Bounded retries with exponential backoff and jitter, on an injectable sleep and random source. */
import { isRetryable } from "./errors.js";

/** How to retry. */
export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  /** Delay before the second attempt (doubles each time). */
  baseDelayMs: number;
  /** Cap of one delay. */
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
}

/** The delay before retry number `retry` (0-based): exponential, capped, with "equal jitter" (50–100 %). */
export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Runs `operation`, retrying failures `shouldRetry` accepts (default: transient ones) up to `policy.attempts`. */
export async function withRetries<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  shouldRetry: (err: unknown) => boolean = isRetryable,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (attempt >= policy.attempts || !shouldRetry(err)) throw err;
      await policy.sleep(backoffDelay(attempt - 1, policy.baseDelayMs, policy.maxDelayMs, policy.random));
    }
  }
}
