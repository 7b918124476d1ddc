/**
 * Fault injection for every emulated service: throttling (a seeded fraction of calls and/or token buckets per
 * action refilled on the emulator clock), queued failures for the next N calls of an action, and outage windows
 * (error responses, or dropped connections). Off by default.
 *
 * Action keys are `<service>:<Action>` (`ec2:CreateFleet`, `ssm:GetParameter`, `pricing:GetProducts`,
 * `eks:DescribeCluster`, `sts:GetCallerIdentity`); a bare action name means EC2; `*` matches every action.
 */
import type { SeededRandom } from "./random.js";
import { type BucketShape, TokenBuckets } from "./token-buckets.js";

/** A token bucket: `capacity` calls at once, refilled at `refillPerSecond` of emulator time. */
export type TokenBucketSpec = BucketShape;

/** Throttling settings. */
export interface ThrottleOptions {
  /** Fraction of calls (0–1) throttled at random (seeded). @default 0 */
  rate?: number;
  /** Action keys `rate` applies to. @default every action */
  actions?: string[];
  /** Token buckets per action key (`*` = one shared bucket per action for all actions). @default none */
  buckets?: Record<string, TokenBucketSpec>;
}

/** Outage settings. */
export interface OutageOptions {
  /** `error`: 503 (EC2 `Unavailable`, JSON services `ServiceUnavailableException`); `reset`: the connection is destroyed. @default "error" */
  mode?: "error" | "reset";
  /** Services affected (`ec2`, `ssm`, `pricing`, `eks`, `sts`). @default all */
  services?: string[];
}

/** What the injector decided for one call. */
export type Fault =
  | { kind: "throttle" }
  | { kind: "fail"; code: string; message?: string; status?: number }
  | { kind: "outage"; mode: "error" | "reset" };

/** Normalises an action key (`CreateFleet` → `ec2:CreateFleet`). */
export function actionKey(key: string): string {
  return key === "*" || key.includes(":") ? key : `ec2:${key}`;
}

interface QueuedFailure {
  code: string;
  remaining: number;
  message?: string;
  status?: number;
}

/** Decides, per call, whether a fault applies. */
export class FaultInjector {
  private throttle: ThrottleOptions = {};
  private readonly buckets = new TokenBuckets();
  private readonly failures = new Map<string, QueuedFailure[]>();
  private outageUntilMs = Number.NEGATIVE_INFINITY;
  private outageOptions: OutageOptions = {};

  constructor(
    private readonly random: SeededRandom,
    throttle: ThrottleOptions = {},
  ) {
    this.setThrottle(throttle);
  }

  /** Replaces the throttling settings (buckets start full). */
  setThrottle(options: ThrottleOptions): void {
    this.throttle = {
      ...options,
      actions: options.actions?.map(actionKey),
      buckets: options.buckets
        ? Object.fromEntries(Object.entries(options.buckets).map(([k, v]) => [actionKey(k), v]))
        : undefined,
    };
    this.buckets.clear();
  }

  /** The next `count` calls of `action` fail with `code`. */
  failNext(action: string, code: string, count = 1, message?: string, status?: number): void {
    const key = actionKey(action);
    const queue = this.failures.get(key) ?? [];
    queue.push({ code, remaining: count, message, status });
    this.failures.set(key, queue);
  }

  /** Every call (of the given services) fails until `untilMs`. */
  outage(untilMs: number, options: OutageOptions = {}): void {
    this.outageUntilMs = untilMs;
    this.outageOptions = options;
  }

  /** Ends an outage early. */
  endOutage(): void {
    this.outageUntilMs = Number.NEGATIVE_INFINITY;
  }

  /** The fault for one call of `service:action` at `nowMs`, if any. */
  check(service: string, action: string, nowMs: number): Fault | undefined {
    if (nowMs < this.outageUntilMs && (!this.outageOptions.services || this.outageOptions.services.includes(service))) {
      return { kind: "outage", mode: this.outageOptions.mode ?? "error" };
    }
    const key = `${service}:${action}`;
    const queue = this.failures.get(key);
    const head = queue?.[0];
    if (queue && head) {
      head.remaining -= 1;
      if (head.remaining <= 0) queue.shift();
      return { kind: "fail", code: head.code, message: head.message, status: head.status };
    }
    if (this.takeFromBucket(key, nowMs) === false) return { kind: "throttle" };
    const rate = this.throttle.rate ?? 0;
    if (rate > 0 && (!this.throttle.actions || this.throttle.actions.includes(key)) && this.random.next() < rate) {
      return { kind: "throttle" };
    }
    return undefined;
  }

  /** undefined when no bucket applies; otherwise whether a token was available. */
  private takeFromBucket(key: string, nowMs: number): boolean | undefined {
    const specs = this.throttle.buckets;
    const spec = specs?.[key] ?? specs?.["*"];
    if (!spec) return undefined;
    if (this.buckets.available(key, spec, nowMs) < 1) return false;
    this.buckets.take(key, 1);
    return true;
  }
}
