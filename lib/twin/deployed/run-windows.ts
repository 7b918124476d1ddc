/**
 * The two windows of a deployed run: the scenario, and the quiet tail after it. At the scenario's end the run
 * snapshots every counter the bill reads (per function invocations and billed GB-seconds, DynamoDB units, SQS
 * message requests, decision events, log bytes, instances launched) and what the report says about the scenario
 * (its pods, its pod-ready latencies); the tail's usage is the end of the tail minus the snapshot.
 */
import type { MeasuredRequests, MeasuredWindow } from "./deployed-cost.js";
import type { DeployedStack } from "./deployed-stack.js";
import { type LogVolume, type RunRequests, runRequests } from "./run-requests.js";

/** The counters at one moment of the run. */
export interface UsageSnapshot {
  /** Virtual time of the snapshot. */
  at: number;
  metrics: Record<string, { invocations: number; gbSeconds: number }>;
  requests: { report: RunRequests; measured: MeasuredRequests };
  launched: number;
}

/** The bill's counters now. */
export function usageSnapshot(at: number, stack: DeployedStack, logs: LogVolume, launched: number): UsageSnapshot {
  const metrics: UsageSnapshot["metrics"] = {};
  for (const [name, m] of Object.entries(stack.lambda.metrics())) {
    metrics[name] = { invocations: m.invocations, gbSeconds: m.gbSeconds };
  }
  return { at, metrics, requests: runRequests(stack, logs), launched };
}

/** The window from the run's start (`runStart`, virtual time) to the snapshot. */
export function windowUntil(runStart: number, s: UsageSnapshot): MeasuredWindow {
  return { elapsedMs: s.at - runStart, metrics: s.metrics, launched: s.launched, requests: s.requests.measured };
}

const REQUEST_KEYS = [
  "dynamoReadUnits",
  "dynamoWriteUnits",
  "sqsMessageRequests",
  "logBytes",
  "decisionEvents",
] as const;

/** The window between two snapshots: the later's counters less the earlier's. */
export function windowBetween(from: UsageSnapshot, to: UsageSnapshot): MeasuredWindow {
  const metrics: MeasuredWindow["metrics"] = {};
  for (const [name, m] of Object.entries(to.metrics)) {
    const before = from.metrics[name] ?? { invocations: 0, gbSeconds: 0 };
    metrics[name] = { invocations: m.invocations - before.invocations, gbSeconds: m.gbSeconds - before.gbSeconds };
  }
  const requests: MeasuredRequests = {};
  for (const key of REQUEST_KEYS) {
    const value = to.requests.measured[key];
    if (value !== undefined) requests[key] = value - (from.requests.measured[key] ?? 0);
  }
  return { elapsedMs: to.at - from.at, metrics, launched: to.launched - from.launched, requests };
}
