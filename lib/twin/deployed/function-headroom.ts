/**
 * The `headroom` section of the deployed mode's report: per function, the largest CPU time, virtual duration and
 * heap any one invocation used, next to the function's timeout and memory, and whether each stays within half of
 * its limit (the margin a function should keep at the load the scenario puts on it).
 *
 * CPU is judged at the function's memory size: Lambda gives a function under {@link FULL_VCPU_MEMORY_MB} a
 * proportional share of a vCPU, so `cpuMsMax` of the twin's core takes `cpuMsMax × 1769 / memoryMb` of wall time
 * there (`cpuMsAtMemoryMax`), which is what must fit in half the timeout. Heap is V8's used heap at its peak
 * (`runtime-bootstrap.ts` says what that captures), judged against half of MemorySize.
 */
import { FULL_VCPU_MEMORY_MB, type FunctionMetrics } from "./lambda-runtime.js";
import type { DeployedFunction } from "./template-model.js";

/** `headroom.<function>` in the report. */
export interface FunctionHeadroom {
  invocations: number;
  /** Largest CPU time of one invocation on the twin's core, ms. */
  cpuMsMax: number;
  /** `cpuMsMax` scaled to the function's share of a vCPU, ms. */
  cpuMsAtMemoryMax: number;
  /** Largest virtual duration of one invocation (waiting included, computation free), ms. */
  durationMsMax: number;
  /** Largest peak V8 used heap of one invocation, MB. */
  heapMbMax: number;
  /** Largest resident set an environment reached (heap, buffers, code, runtime), MB. */
  rssMbMax: number;
  timeoutMs: number;
  memoryMb: number;
  /** `cpuMsAtMemoryMax` ≤ half the timeout. */
  cpuWithinHalfTimeout: boolean;
  /** `heapMbMax` ≤ half the memory. */
  heapWithinHalfMemory: boolean;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The report section for the functions that ran. */
export function functionHeadroom(
  functions: DeployedFunction[],
  metrics: Record<string, FunctionMetrics>,
): Record<string, FunctionHeadroom> {
  const out: Record<string, FunctionHeadroom> = {};
  for (const fn of functions) {
    const m = metrics[fn.name];
    if (!m || m.invocations === 0) continue;
    const timeoutMs = fn.timeoutSeconds * 1000;
    const cpuMsAtMemoryMax = m.cpuMsMax * Math.max(1, FULL_VCPU_MEMORY_MB / fn.memoryMb);
    out[fn.name] = {
      invocations: m.invocations,
      cpuMsMax: Math.round(m.cpuMsMax),
      cpuMsAtMemoryMax: Math.round(cpuMsAtMemoryMax),
      durationMsMax: Math.round(m.durationMsMax),
      heapMbMax: round1(m.heapMbMax),
      rssMbMax: round1(m.rssMbMax),
      timeoutMs,
      memoryMb: fn.memoryMb,
      cpuWithinHalfTimeout: cpuMsAtMemoryMax <= timeoutMs / 2,
      heapWithinHalfMemory: m.heapMbMax <= fn.memoryMb / 2,
    };
  }
  return out;
}
