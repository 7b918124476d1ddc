/**
 * How much the stack observes itself, and what that costs. `lean` (the default): no dashboard, only the alarms that
 * catch a workload left waiting or an interruption left unhandled, and only the metrics those alarms read, the
 * decision latency (pending pod to CreateFleet, published only when there were launches) and failure counters (which
 * publish only when something failed). `full` (opt-in): the dashboard, every alarm and every metric, including the
 * always-on gauges (nodes per capacity type, fleet and pool $/hour). CloudWatch bills each metric series for every
 * hour it receives data, each alarm metric and each dashboard by the month, so full observability adds about $7 a
 * month to the controller's bill (see `stevedore cost --modes`). No CDK imports: the Lambda wiring and the cost model
 * read these names too.
 */

import type { ObservabilityMode } from "./metrics-names.js";

export { OBSERVABILITY_MODES, type ObservabilityMode } from "./metrics-names.js";

/**
 * The default observability in both reaction modes: `lean`, the cheap one; `full` is opt-in. The one source of the
 * default: the stack settings, the cost model's default stack and the in-process twin read it.
 */
export const DEFAULT_OBSERVABILITY: ObservabilityMode = "lean";

/** `value` when it is an observability mode, else {@link DEFAULT_OBSERVABILITY} (the Lambda wiring reads the env this way). */
export function observabilityOf(value: unknown): ObservabilityMode {
  return value === "full" || value === "lean" ? value : DEFAULT_OBSERVABILITY;
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
