/**
 * The deployed runtime's per-invocation memory and CPU measurement, with small hand-written bundles that allocate a
 * known amount of V8 heap: the peak is reported whether the memory is still held at the result or was collected
 * before it, and the report's headroom section judges each function's maxima against half its memory and timeout.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { functionHeadroom } from "../../../lib/twin/deployed/function-headroom.js";
import { FULL_VCPU_MEMORY_MB, LambdaRuntime, newFunctionMetrics } from "../../../lib/twin/deployed/lambda-runtime.js";
import type { DeployedFunction } from "../../../lib/twin/deployed/template-model.js";
import { handWrittenFunction } from "../../support/hand-written-function.js";

const root = mkdtempSync(join(tmpdir(), "stevedore-headroom-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

function fn(name: string, source: string, over: Partial<DeployedFunction> = {}): DeployedFunction {
  return handWrittenFunction(root, name, source, over);
}

/** 80 MB of doubles on V8's heap (10 arrays of a million 8-byte elements); `collect` drops them and runs a full GC. */
const allocator = (collect: boolean) => `
  import v8 from "node:v8";
  import vm from "node:vm";
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc");
  export async function handler() {
    let chunks = [];
    for (let c = 0; c < 10; c++) {
      const chunk = [];
      for (let i = 0; i < 1_000_000; i++) chunk.push(i + 0.5);
      chunks.push(chunk);
      await new Promise((r) => setImmediate(r));
    }
    const held = chunks.length;
    ${collect ? "chunks = undefined; gc();" : ""}
    return { held, heapAtEndMb: v8.getHeapStatistics().used_heap_size / 2 ** 20, keep: chunks?.length };
  }`;

describe("deployed Lambda runtime: heap and CPU per invocation", () => {
  test("an invocation holding 80 MB reports a heap peak of at least that, below the heap limit", async () => {
    // 512 MB: the peak includes garbage from the arrays' growth, which varies with GC timing, so it stays well
    // inside half the memory whatever the timing; the same maxima judged against 128 MB must fail.
    const holder = fn("holder", allocator(false), { memoryMb: 512 });
    const idle = fn("idle", "export async function handler() { return 1; }");
    const rt = new LambdaRuntime([holder, idle], { extraEnv: () => ({}) });
    try {
      const o = await rt.invoke("holder", {});
      assert.ok(o.status === "ok", JSON.stringify(o));
      assert.ok(o.heapMb >= 78 && o.heapMb < 256, `heap ${o.heapMb} MB`);
      assert.ok(o.rssMb >= o.heapMb, `RSS ${o.rssMb} MB, heap ${o.heapMb} MB`);
      const i = await rt.invoke("idle", {});
      assert.ok(i.status === "ok" && i.heapMb > 0 && i.heapMb < 40, `idle heap ${i.status === "ok" && i.heapMb} MB`);
      const h = functionHeadroom([holder, idle], rt.metrics());
      assert.equal(h.holder?.heapMbMax, Math.round(o.heapMb * 10) / 10);
      assert.deepEqual([h.holder?.memoryMb, h.holder?.timeoutMs, h.holder?.invocations], [512, 30_000, 1]);
      assert.equal(h.holder?.heapWithinHalfMemory, true, `${o.heapMb} MB of 512 MB`);
      const small = functionHeadroom([{ ...holder, memoryMb: 128 }, idle], rt.metrics());
      assert.equal(small.holder?.heapWithinHalfMemory, false, `${o.heapMb} MB against half of 128 MB`);
      assert.equal(h.idle?.heapWithinHalfMemory, true);
    } finally {
      await rt.close();
    }
  });

  test("memory collected before the result still counts: the peak comes from the heap before each collection", async () => {
    const collector = fn("collector", allocator(true), { memoryMb: 128 });
    const rt = new LambdaRuntime([collector], { extraEnv: () => ({}) });
    try {
      const o = await rt.invoke("collector", {});
      assert.ok(o.status === "ok", JSON.stringify(o));
      const atEnd = (o.value as { heapAtEndMb: number }).heapAtEndMb;
      assert.ok(atEnd < 40, `the handler's heap at its end: ${atEnd} MB`);
      assert.ok(o.heapMb >= 78, `peak ${o.heapMb} MB`);
      const h = functionHeadroom([collector], rt.metrics()).collector;
      assert.equal(h?.heapWithinHalfMemory, false, `${h?.heapMbMax} MB of 128 MB is over half`);
    } finally {
      await rt.close();
    }
  });

  test("CPU is judged at the function's share of a vCPU against half its timeout", () => {
    const small = fn("small", "", { memoryMb: 128, timeoutSeconds: 10 });
    const large = fn("large", "", { memoryMb: FULL_VCPU_MEMORY_MB, timeoutSeconds: 10 });
    const metrics = {
      small: { ...newFunctionMetrics(), invocations: 1, cpuMsMax: 400 },
      large: { ...newFunctionMetrics(), invocations: 1, cpuMsMax: 400 },
    };
    const h = functionHeadroom([small, large], metrics);
    assert.equal(h.small?.cpuMsAtMemoryMax, Math.round((400 * FULL_VCPU_MEMORY_MB) / 128));
    assert.equal(h.small?.cpuWithinHalfTimeout, false, "5.5 s at 128 MB is over 5 s");
    assert.equal(h.large?.cpuMsAtMemoryMax, 400);
    assert.equal(h.large?.cpuWithinHalfTimeout, true);
  });
});
