/**
 * The two windows of a deployed run: the scenario, and the quiet tail after it. At the scenario's end the run
 * snapshots every counter the bill reads (per function invocations and billed GB-seconds, DynamoDB units, SQS
 * message requests, decision events, log bytes, instances launched) and what the report says about the scenario
 * (its pods, its pod-ready latencies); the tail's usage is the end of the tail minus the snapshot.
 */
import type { TwinReport } from "../report.js";
import type { TwinRun } from "../run/setup.js";
import type { TimedLatency } from "../run/timed-telemetry.js";
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

/** DynamoDB usage by call between two snapshots (calls that did nothing in between are left out). */
export function dynamoByCallBetween(from: UsageSnapshot, to: UsageSnapshot): Record<string, DynamoUsageDelta> {
  const before = from.requests.report.dynamodb.byCall;
  const out: Record<string, DynamoUsageDelta> = {};
  for (const [call, u] of Object.entries(to.requests.report.dynamodb.byCall)) {
    const b = before[call];
    const delta = {
      requests: u.requests - (b?.requests ?? 0),
      readUnits: round(u.readUnits - (b?.readUnits ?? 0)),
      writeUnits: round(u.writeUnits - (b?.writeUnits ?? 0)),
    };
    if (delta.requests > 0) out[call] = delta;
  }
  return out;
}

/** Requests and request units of one call in a window. */
export interface DynamoUsageDelta {
  requests: number;
  readUnits: number;
  writeUnits: number;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** What the run looked like at the scenario's end. */
export interface ScenarioEnd {
  usage: UsageSnapshot;
  pods: TwinReport["pods"];
  /** Pod-ready latencies the collector had recorded. */
  podsReady: number;
}

/** The run's two windows, measured. */
export interface RunWindows {
  scenario: MeasuredWindow;
  quiet?: MeasuredWindow;
  quietDynamoByCall?: Record<string, DynamoUsageDelta>;
  /** The scenario's requests section. */
  requests: RunRequests;
  /** Workload pods at the scenario's end. @default at the run's end (no tail) */
  pods?: TwinReport["pods"];
  /** The scenario's wind-down before the tail, virtual ms. */
  windDownMs: number;
}

/**
 * Splits the run at the scenario's end: the scenario's window and the tail's; the latencies the report reads are
 * cut to the scenario's (the provisioner's decisions, and the pods that became ready, before its end).
 */
export function scenarioWindows(
  run: TwinRun,
  runStart: number,
  scenarioEnd: ScenarioEnd | undefined,
  end: UsageSnapshot,
  emfLatencies: TimedLatency[],
): RunWindows {
  const cut = scenarioEnd?.usage.at ?? end.at;
  run.latencies.push(...emfLatencies.filter((l) => l.t <= cut - runStart));
  if (!scenarioEnd) return { scenario: windowUntil(runStart, end), requests: end.requests.report, windDownMs: 0 };
  run.collector.podReadyMs.splice(scenarioEnd.podsReady);
  return {
    scenario: windowUntil(runStart, scenarioEnd.usage),
    quiet: windowBetween(scenarioEnd.usage, end),
    quietDynamoByCall: dynamoByCallBetween(scenarioEnd.usage, end),
    requests: scenarioEnd.usage.requests.report,
    pods: scenarioEnd.pods,
    windDownMs: run.windDownMs ?? 0,
  };
}
