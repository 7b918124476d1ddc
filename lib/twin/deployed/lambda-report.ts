/**
 * The `lambda` section of the deployed mode's report: per function, what Lambda would bill and how it behaved.
 */
import type { FunctionMetrics } from "./lambda-runtime.js";

/** `lambda.<function>` in the report. */
export interface LambdaReportEntry {
  invocations: number;
  coldStarts: number;
  timeouts: number;
  errors: number;
  throttles: number;
  /** Invocations that waited for one of the twin's environments (its process limit, not Lambda's). */
  environmentWaits: number;
  droppedEvents: number;
  /** Sum of billed durations (each rounded up to 1 ms). */
  billedMs: number;
  /** Billed duration × memory, GB-s. */
  gbSeconds: number;
  /** Same as `gbSeconds` (the name the bill reads). */
  billedGbSeconds: number;
  durationMsP99: number;
  /** Sum of the virtual durations (billedMs less the CPU and round-trip charges). */
  durationMs: number;
  /** CPU time the environments used, ms (before scaling by memory). */
  cpuMs: number;
  /** Outbound AWS and Kubernetes requests (a watch stream counts once). */
  requests: number;
  /** Billed ms per invocation. */
  billedMsPerInvocation: number;
}

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

/** The report section from the runtime's metrics. */
export function lambdaReport(metrics: Record<string, FunctionMetrics>): Record<string, LambdaReportEntry> {
  return Object.fromEntries(
    Object.entries(metrics).map(([name, m]) => [
      name,
      {
        invocations: m.invocations,
        coldStarts: m.coldStarts,
        timeouts: m.timeouts,
        errors: m.errors,
        throttles: m.throttles,
        environmentWaits: m.environmentWaits,
        droppedEvents: m.droppedEvents,
        billedMs: m.billedMs,
        gbSeconds: Number(m.gbSeconds.toFixed(4)),
        billedGbSeconds: Number(m.gbSeconds.toFixed(4)),
        durationMsP99: Math.round(p99(m.durationsMs)),
        durationMs: Math.round(m.durationsMs.reduce((a, b) => a + b, 0)),
        cpuMs: Math.round(m.cpuMs),
        requests: m.requests,
        billedMsPerInvocation: m.invocations === 0 ? 0 : Math.round(m.billedMs / m.invocations),
      },
    ]),
  );
}
