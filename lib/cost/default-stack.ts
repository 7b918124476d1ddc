/**
 * The default stack's billable shape without synthesizing it, for the in-process twin (which runs the controllers
 * without a template). A test synthesizes the stack and checks that this shape still matches it.
 */
import type { FunctionRole, FunctionSpec, StackInventory } from "./stack-inventory.js";

/** The default stack's functions: memory, schedule (minutes), queue trigger. */
const DEFAULT_FUNCTIONS: { role: FunctionRole; memoryMb: number; scheduleMinutes?: number; sqsTriggered: boolean }[] = [
  { role: "provisioner", memoryMb: 1024, scheduleMinutes: 1, sqsTriggered: false },
  { role: "disruptor", memoryMb: 1024, scheduleMinutes: 1, sqsTriggered: false },
  { role: "gc", memoryMb: 512, scheduleMinutes: 2, sqsTriggered: false },
  { role: "interruption", memoryMb: 512, sqsTriggered: true },
  { role: "cluster-access", memoryMb: 256, sqsTriggered: false },
];

/** The default stack's inventory with `loopSeconds`; each function's logical id is its role. */
export function defaultStackInventory(loopSeconds: number, logRetentionDays = 30): StackInventory {
  const functions: FunctionSpec[] = DEFAULT_FUNCTIONS.map((f) => ({
    logicalId: f.role,
    role: f.role,
    memoryMb: f.memoryMb,
    architecture: "arm64",
    ...(f.scheduleMinutes ? { scheduleMinutes: f.scheduleMinutes } : {}),
    ...(f.role === "provisioner" || f.role === "disruptor" ? { loopSeconds } : {}),
    sqsTriggered: f.sqsTriggered,
  }));
  return {
    functions,
    tables: 1,
    queues: 2,
    queuePollers: 1,
    alarmMetrics: 8,
    dashboards: 1,
    logRetentionDays,
    notPriced: [],
  };
}
