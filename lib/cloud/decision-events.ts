/**
 * The decision-events seam: every decision the controllers log is also published as an event, so teams can route
 * launches, disruptions and interruptions to chat or tickets with ordinary rules. Publishing never waits and never
 * throws: a failed put is logged and counted, the decision stands. `lib/cloud/aws/eventbridge-decisions.ts`
 * implements it over EventBridge PutEvents on the account's default bus.
 */
import type { DecisionRecord } from "../state/types.js";

/** The `source` of every decision event. */
export const DECISION_EVENT_SOURCE = "stevedore";

/**
 * The `detail-type` of a decision event: one per action (`launch` → `Stevedore Launch`, `cordon-and-drain` →
 * `Stevedore Cordon And Drain`), so a rule can pick actions by detail-type.
 */
export function decisionDetailType(action: string): string {
  const words = action
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0].toUpperCase() + w.slice(1));
  return ["Stevedore", ...(words.length > 0 ? words : ["Decision"])].join(" ");
}

/** What a publisher did since the last flush. */
export interface DecisionPublishStats {
  /** Events the bus accepted. */
  published: number;
  /** Events that failed (rejected entries, failed or throttled calls). */
  failed: number;
}

/** Publishes decisions as events. */
export interface DecisionEventSink {
  /** Queues a decision; sends a batch once one is full. Returns at once and never throws. */
  publish(decision: DecisionRecord): void;
  /** Sends what is queued and waits for every send; returns and resets the counts. */
  flush(): Promise<DecisionPublishStats>;
}

/** Publishes nothing (the default). */
export const noDecisionEvents: DecisionEventSink = {
  publish: () => {},
  flush: async () => ({ published: 0, failed: 0 }),
};
