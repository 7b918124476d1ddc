/**
 * How controllers log a decision and report what their side channels did: a decision goes to the state table's
 * decision log and, once stored, to the decision-event sink (EventBridge in Lambda); at the end of an invocation the
 * Kubernetes event recorder and the sink are flushed and their failures become metrics. Neither side channel can
 * fail or hold up a decision.
 */
import type { ClusterEvent } from "../cluster/events.js";
import type { DecisionRecord } from "../state/types.js";
import type { ControllerDeps } from "./deps.js";
import { METRIC } from "./telemetry.js";

/** Logs a decision in the state table, then publishes it (queued; never throws for the publishing). */
export async function logDecision(deps: ControllerDeps, decision: DecisionRecord): Promise<void> {
  await deps.state.logDecision(decision);
  deps.decisionEvents?.publish(decision);
}

/** Records a Kubernetes event when the controller has a recorder (queued; never throws). */
export function recordEvent(deps: ControllerDeps, event: ClusterEvent): void {
  deps.events?.record(event);
}

/**
 * Waits for the invocation's Kubernetes events and decision events to be written and reports their failures as
 * metrics (before the metrics flush). Never throws.
 */
export async function flushSideChannels(deps: ControllerDeps): Promise<void> {
  const { logger, metrics } = deps.telemetry;
  const [events, published] = await Promise.all([
    deps.events?.flush().catch((err: unknown) => {
      logger.warn("event recorder flush failed", { error: String(err) });
      return undefined;
    }),
    deps.decisionEvents?.flush().catch((err: unknown) => {
      logger.warn("decision events flush failed", { error: String(err) });
      return undefined;
    }),
  ]);
  if (events) {
    // Published only when non-zero: CloudWatch bills a series for every hour it receives a point, zeros too.
    if (events.failed + events.dropped > 0) metrics.add(METRIC.kubeEventsNotWritten, events.failed + events.dropped);
    if (events.dropped > 0) logger.info("events dropped by the per-invocation cap", { dropped: events.dropped });
  }
  if (published && published.failed > 0) metrics.add(METRIC.decisionEventsFailed, published.failed);
}
