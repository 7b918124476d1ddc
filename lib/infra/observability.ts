/**
 * How much the stack observes itself, and what that costs. `full`: the dashboard, every alarm and every metric,
 * including the always-on gauges (nodes per capacity type, fleet and pool $/hour). `lean`: no dashboard, only the
 * alarms that catch a workload left waiting or an interruption left unhandled, and only the metrics those alarms
 * read plus failure counters (which publish only when something failed). CloudWatch bills each metric series for
 * every hour it receives data, each alarm metric and each dashboard by the month, so lean observability is most of
 * what separates the minute-reaction bill from the seconds one. No CDK imports: the Lambda wiring and the cost model
 * read these names too.
 */

import type { ObservabilityMode } from "./metrics-names.js";

export { OBSERVABILITY_MODES, type ObservabilityMode } from "./metrics-names.js";

/**
 * The default for a `reaction` setting as given (read defensively: any value but `"minute"` means the default
 * `seconds` reaction): `full` with seconds, `lean` with minute, the cheapest mode.
 */
export function defaultObservability(reaction: unknown): ObservabilityMode {
  return reaction === "minute" ? "lean" : "full";
}

/** `full` unless `value` is `"lean"` (the Lambda wiring reads the env this way: default full). */
export function observabilityOf(value: unknown): ObservabilityMode {
  return value === "lean" ? "lean" : "full";
}

/**
 * Alarms kept in lean observability, by construct id (see `alarms.ts`): together they catch every way a pod can wait
 * silently — pods pending too long (launch failures and capacity errors end here), provisioner errors and a
 * provisioner that stopped running (both leave the pending alarm without data, which it treats as fine) — and lost
 * interruption handling (dead letters). Dropped: the errors of the disruptor, the garbage collector and the
 * interruption function (failures that cost money slowly rather than leave workloads waiting; the interruption
 * function's repeated failures reach the dead-letter queue anyway) and launch failures on their own.
 */
export const LEAN_ALARMS = [
  "DeadLetterQueue",
  "PodsPendingTooLong",
  "ProvisionerErrors",
  "ProvisionerStalled",
] as const;
