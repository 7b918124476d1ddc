/**
 * The default stack's billable shape without synthesizing it, for each reaction mode and observability: for the
 * in-process twin (which runs the controllers without a template) and the README's table of both modes. A test
 * synthesizes the stack and checks that this shape still matches it.
 */
import type { ObservabilityMode } from "../infra/metrics-names.js";
import { DEFAULT_OBSERVABILITY } from "../infra/observability.js";
import {
  DEFAULT_WATCH_SECONDS,
  type FunctionRole,
  type FunctionSpec,
  type ReactionMode,
  type StackInventory,
} from "./stack-inventory.js";

/** One function of the default stack: memory, schedule (minutes), invoked per interruption event. */
interface DefaultFunction {
  role: FunctionRole;
  memoryMb: number;
  scheduleMinutes?: number;
  eventTriggered: boolean;
}

/** The functions of both modes. */
const DEFAULT_FUNCTIONS: DefaultFunction[] = [
  { role: "provisioner", memoryMb: 1024, scheduleMinutes: 1, eventTriggered: false },
  { role: "disruptor", memoryMb: 512, scheduleMinutes: 1, eventTriggered: false },
  { role: "gc", memoryMb: 512, scheduleMinutes: 2, eventTriggered: false },
  { role: "interruption", memoryMb: 512, eventTriggered: true },
  { role: "cluster-access", memoryMb: 256, eventTriggered: false },
];

/** The watcher of reaction seconds: 128 MB, every minute, watching 62 s (the schedule plus 2 s of overlap). */
const WATCHER: DefaultFunction = { role: "watcher", memoryMb: 128, scheduleMinutes: 1, eventTriggered: false };

/**
 * Alarm metrics of the default stack. Full: dead letters, launch failures, pods pending too long, provisioner
 * stalled, and the errors of each controller function (the watcher's too, with reaction seconds). Lean: the four of
 * `LEAN_ALARMS`.
 */
function alarmMetrics(reaction: ReactionMode, observability: ObservabilityMode): number {
  if (observability === "lean") return 4;
  return reaction === "seconds" ? 9 : 8;
}

/** Options of {@link defaultStackInventory}. */
export interface DefaultStackOptions {
  /** @default "lean" ({@link DEFAULT_OBSERVABILITY}) */
  observability?: ObservabilityMode;
  /** The stack's `loopSeconds`. @default 50 */
  loopSeconds?: number;
  /** @default 30 */
  logRetentionDays?: number;
}

/** The GC runs every five minutes with reaction minute (the cheapest mode), every two with reaction seconds. */
const GC_MINUTES_IN_MINUTE_MODE = 5;

function scheduleMinutes(f: DefaultFunction, reaction: ReactionMode): number | undefined {
  return f.role === "gc" && reaction === "minute" ? GC_MINUTES_IN_MINUTE_MODE : f.scheduleMinutes;
}

/** The default stack's inventory for `reaction`; each function's logical id is its role. */
export function defaultStackInventory(
  reaction: ReactionMode = "seconds",
  opts: DefaultStackOptions = {},
): StackInventory {
  const observability = opts.observability ?? DEFAULT_OBSERVABILITY;
  const loopSeconds = opts.loopSeconds ?? 50;
  const all = reaction === "seconds" ? [...DEFAULT_FUNCTIONS, WATCHER] : DEFAULT_FUNCTIONS;
  const functions: FunctionSpec[] = all.map((f) => ({
    logicalId: f.role,
    role: f.role,
    memoryMb: f.memoryMb,
    architecture: "arm64",
    ...(f.scheduleMinutes ? { scheduleMinutes: scheduleMinutes(f, reaction) } : {}),
    ...(f.role === "provisioner" || f.role === "disruptor" ? { loopSeconds } : {}),
    ...(f.role === "watcher" ? { watchSeconds: DEFAULT_WATCH_SECONDS } : {}),
    eventTriggered: f.eventTriggered,
  }));
  return {
    functions,
    tables: 1,
    // Reaction seconds: the interruption queue and its dead-letter queue, polled by the event source mapping;
    // reaction minute: the rules invoke the function directly, only the dead-letter queue remains.
    queues: reaction === "seconds" ? 2 : 1,
    queuePollers: reaction === "seconds" ? 1 : 0,
    alarmMetrics: alarmMetrics(reaction, observability),
    dashboards: observability === "full" ? 1 : 0,
    logRetentionDays: opts.logRetentionDays ?? 30,
    reaction,
    observability,
    notPriced: [],
  };
}
