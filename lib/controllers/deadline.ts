/**
 * An invocation's deadline: the time (on the controllers' clock) after which it starts no new unit of work — a
 * pass, a launch round, a drain step, a command, a queue message — so a Lambda returns, with what it did recorded,
 * before its timeout, and the next invocation does the rest. On Lambda it comes from the context's
 * `getRemainingTimeInMillis()` minus a safety margin; in tests and the twin from the (virtual) clock.
 */
import type { Clock } from "../core/clock.js";

/** Kept free before the Lambda timeout: a unit started just before the deadline must still finish. @default 10 s */
export const DEADLINE_SAFETY_MARGIN_MS = 10_000;

/** The part of the Lambda context a deadline needs. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** The deadline of a Lambda invocation on `clock`: its remaining time less the safety margin. */
export function lambdaDeadline(
  clock: Clock,
  context: RemainingTime,
  safetyMarginMs = DEADLINE_SAFETY_MARGIN_MS,
): number {
  return clock.now() + Math.max(0, context.getRemainingTimeInMillis() - safetyMarginMs);
}

/** Tracks one invocation's deadline and how often it stopped work. */
export class InvocationDeadline {
  /** Times a unit of work was not started because the deadline was near. */
  stops = 0;

  constructor(
    private readonly clock: Clock,
    /** Clock time after which no unit starts; `Infinity` when unbounded. */
    readonly at: number = Number.POSITIVE_INFINITY,
  ) {}

  /** Milliseconds left (may be negative). */
  remaining(): number {
    return this.at - this.clock.now();
  }

  /** Whether a unit expected to take `estimateMs` may start now. */
  allows(estimateMs = 0): boolean {
    return this.clock.now() + estimateMs < this.at;
  }

  /** {@link allows}, counting a stop when it does not. */
  admit(estimateMs = 0): boolean {
    if (this.allows(estimateMs)) return true;
    this.stops++;
    return false;
  }
}
