/**
 * A month of a real cluster made of two measured windows: a scenario's burst, which happens `burstsPerDay` times a
 * day, and a quiet tail (the cluster at the scenario's end state with the controllers idling), which fills the rest
 * of the month. Repeating a scenario back to back all month would bill a cluster that bursts without pause; a cluster
 * that scales up for the day's peak and sits still in between spends most of its month in the quiet state.
 *
 * The month is one combined {@link MeasuredRun} whose quantities are the scenario's × the bursts in a month plus
 * the tail's per-minute rate × the month's remaining minutes, and whose length is a whole month, so
 * `measuredUsage` extrapolates it by a factor of 1. When the bursts fill the month (or there is no tail), it is the
 * scenario back to back.
 */
import { MINUTES_PER_MONTH } from "./assumptions.js";
import type { MeasuredRun } from "./monthly-usage.js";

/** Bursts a day the daily pattern assumes unless told otherwise. */
export const DEFAULT_BURSTS_PER_DAY = 1;
/** Days in the cost model's month (730 h). */
export const DAYS_PER_MONTH = MINUTES_PER_MONTH / (24 * 60);

/** How many times each window counts in the month. */
export interface PatternFactors {
  /** The scenario's window, times a month. */
  scenario: number;
  /** The quiet tail's window, times a month. */
  quiet: number;
  /** Whether the bursts fill the month (or nothing quiet was measured): the scenario back to back. */
  backToBack: boolean;
}

/** The factors of the daily pattern for a scenario of `scenarioMinutes` and a tail of `quietMinutes`. */
export function patternFactors(scenarioMinutes: number, quietMinutes: number, burstsPerDay: number): PatternFactors {
  const scenario = Math.max(1, scenarioMinutes);
  const bursts = burstsPerDay * DAYS_PER_MONTH;
  const burstMinutes = bursts * scenario;
  if (quietMinutes <= 0 || burstMinutes >= MINUTES_PER_MONTH) {
    return { scenario: MINUTES_PER_MONTH / scenario, quiet: 0, backToBack: true };
  }
  return { scenario: bursts, quiet: (MINUTES_PER_MONTH - burstMinutes) / quietMinutes, backToBack: false };
}

const NOTHING: MeasuredRun = { periodMinutes: 0, functions: {} };

function weighted(a: number | undefined, fa: number, b: number | undefined, fb: number): number | undefined {
  if (a === undefined && b === undefined) return undefined;
  return (a ?? 0) * fa + (b ?? 0) * fb;
}

function combinedFunctions(s: MeasuredRun, q: MeasuredRun, f: PatternFactors): MeasuredRun["functions"] {
  const out: MeasuredRun["functions"] = {};
  for (const id of new Set([...Object.keys(s.functions), ...Object.keys(q.functions)])) {
    const a = s.functions[id];
    const b = q.functions[id];
    const gbSeconds = weighted(a?.gbSeconds, f.scenario, b?.gbSeconds, f.quiet);
    out[id] = {
      invocations: (a?.invocations ?? 0) * f.scenario + (b?.invocations ?? 0) * f.quiet,
      ...(gbSeconds === undefined ? {} : { gbSeconds }),
    };
  }
  return out;
}

/**
 * The month of the daily pattern as one measured run of a month's length: `scenario` `burstsPerDay` times a day,
 * `quiet` (measured over its own `periodMinutes`) the rest of the time. A quantity either window measured is summed
 * (a window that did not measure it adds nothing); one neither measured stays unmeasured. With no bursts the month
 * is the quiet window's alone, and with bursts filling the month the scenario's alone. Metric series' hours
 * are left out: a burst and a tail are each too short to say in which of a month's hours a series gets data; the
 * caller prices them with `burst-metric-series.ts` (the bursts' hours at the burst's rate).
 */
export function dailyPatternRun(
  scenario: MeasuredRun,
  quiet: MeasuredRun,
  burstsPerDay: number = DEFAULT_BURSTS_PER_DAY,
): MeasuredRun {
  const f = patternFactors(scenario.periodMinutes, quiet.periodMinutes, burstsPerDay);
  // A window the month does not include measures nothing in it: the month is then exactly the other window's.
  const s = f.scenario > 0 ? scenario : NOTHING;
  const q = f.quiet > 0 ? quiet : NOTHING;
  const sum = (key: "decisionEvents" | "dynamoReadUnits" | "dynamoWriteUnits" | "sqsMessageRequests" | "logBytes") =>
    weighted(s[key], f.scenario, q[key], f.quiet);
  const run: MeasuredRun = { periodMinutes: MINUTES_PER_MONTH, functions: combinedFunctions(s, q, f) };
  for (const key of [
    "decisionEvents",
    "dynamoReadUnits",
    "dynamoWriteUnits",
    "sqsMessageRequests",
    "logBytes",
  ] as const) {
    const value = sum(key);
    if (value !== undefined) run[key] = value;
  }
  return run;
}
