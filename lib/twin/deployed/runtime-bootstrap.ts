/**
 * The runtime interface a deployed function's execution environment runs (a plain ES module written into the
 * environment's temporary directory and started with `node`): it imports the handler from the asset directory at the
 * first invocation (the init phase), then answers invocations sent over the IPC channel with the handler's result.
 * Like Lambda's Node.js runtime, `context.getRemainingTimeInMillis()` counts down to the invocation's deadline, and
 * the module stays loaded between invocations (warm starts keep module state).
 *
 * For the bill, each result carries what the invocation used, measured from the invoke message to the result
 * (the init phase included, as Lambda bills INIT for managed runtimes): the process's CPU time
 * (`process.cpuUsage()`), the outbound HTTP requests it started (Node's `http.client.request.start` diagnostics
 * channel; a watch stream counts once), and the environment's clock when it finished.
 *
 * It also carries the memory the invocation used. `heapMb` is the peak of V8's used heap (`usedHeapSize`, old and
 * new spaces, code and large objects: what `--max-old-space-size` limits) over the invocation: the largest of the
 * heap at the invoke message, at the result, and just before each garbage collection in between (`v8.GCProfiler`
 * reports the heap before every collection; between collections the used heap only grows, so the largest
 * pre-collection value is the peak up to the concurrent sweeper's lag). Not captured: memory outside V8's heap
 * (Buffers and ArrayBuffers, the bundle's code as loaded by the module system, native allocations, thread stacks)
 * and any invocation that times out or crashes (it sends no result). `rssMb` is the process's peak resident set
 * since it started (`process.resourceUsage().maxRSS`), everything included — the environment's high-water mark,
 * as Lambda's "Max Memory Used" is, not this invocation's alone.
 */

/** Parent → environment. */
export interface InvokeMessage {
  type: "invoke";
  id: number;
  event: unknown;
  /** Epoch ms at which the invocation times out. */
  deadlineAt: number;
  requestId: string;
  functionName: string;
  functionArn: string;
  memoryMb: number;
}

/** Environment → parent. */
export interface ResultMessage {
  type: "result";
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string; stack?: string };
  /** The error happened while importing the handler (init phase). */
  initError?: boolean;
  /** CPU time (user + system) the process used for this invocation, ms. */
  cpuMs: number;
  /** Outbound HTTP requests started during this invocation. */
  requests: number;
  /** Peak V8 used heap during the invocation, MB (see the module's TSDoc for what it captures). */
  heapMb: number;
  /** The process's peak resident set since it started, MB. */
  rssMb: number;
  /** The environment's `Date.now()` when it sent the result (on the twin's clock: the virtual time it reached). */
  endedAt: number;
}

/** Source of the bootstrap module. */
export const RUNTIME_BOOTSTRAP_SOURCE = `
import { pathToFileURL } from "node:url";
import { existsSync } from "node:fs";
import { join } from "node:path";
import diagnostics from "node:diagnostics_channel";
import v8 from "node:v8";
let requestsStarted = 0;
diagnostics.subscribe("http.client.request.start", () => { requestsStarted++; });
const MB = 1024 * 1024;
function peakHeapBytes(profile, atStart) {
  let peak = Math.max(atStart, v8.getHeapStatistics().used_heap_size);
  for (const gc of profile?.statistics ?? []) peak = Math.max(peak, gc.beforeGC?.heapStatistics?.usedHeapSize ?? 0);
  return peak;
}
const taskRoot = process.env.LAMBDA_TASK_ROOT;
const [moduleName, exportName] = (process.env._HANDLER ?? "index.handler").split(".");
let handlerPromise;
function loadHandler() {
  handlerPromise ??= (async () => {
    const file = [".mjs", ".js", ".cjs"].map((ext) => join(taskRoot, moduleName + ext)).find((f) => existsSync(f));
    if (!file) throw new Error("Runtime.ImportModuleError: cannot find module " + moduleName + " in " + taskRoot);
    const mod = await import(pathToFileURL(file).href);
    const fn = mod[exportName];
    if (typeof fn !== "function") throw new Error("Runtime.HandlerNotFound: " + moduleName + "." + exportName + " is undefined or not exported");
    return fn;
  })();
  return handlerPromise;
}
function toError(err) {
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { name: "Error", message: String(err) };
}
process.on("message", async (msg) => {
  globalThis.__stevedoreTwinOnMessage?.(msg);
  if (msg.type !== "invoke") return;
  const cpuAtStart = process.cpuUsage();
  const requestsAtStart = requestsStarted;
  const heapAtStart = v8.getHeapStatistics().used_heap_size;
  const gcProfiler = new v8.GCProfiler();
  gcProfiler.start();
  const send = (result) => {
    const cpu = process.cpuUsage(cpuAtStart);
    const heapMb = peakHeapBytes(gcProfiler.stop(), heapAtStart) / MB;
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const usage = { cpuMs: (cpu.user + cpu.system) / 1000, requests: requestsStarted - requestsAtStart, heapMb, rssMb, endedAt: Date.now() };
    process.send({ type: "result", id: msg.id, ...result, ...usage });
  };
  let handler;
  try {
    // On the twin's virtual clock, the init phase holds the clock (the virtual-time preload defines the hook).
    const work = globalThis.__stevedoreTwinWork ?? ((p) => p);
    handler = await work(loadHandler());
  } catch (err) {
    send({ ok: false, error: toError(err), initError: true });
    return;
  }
  const context = {
    awsRequestId: msg.requestId,
    functionName: msg.functionName,
    invokedFunctionArn: msg.functionArn,
    memoryLimitInMB: String(msg.memoryMb),
    functionVersion: "$LATEST",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, msg.deadlineAt - Date.now()),
  };
  try {
    const value = await handler(msg.event, context);
    send({ ok: true, value: value ?? null });
  } catch (err) {
    send({ ok: false, error: toError(err) });
  }
});
process.on("unhandledRejection", (err) => {
  console.error("Runtime.UnhandledPromiseRejection", err);
  process.exit(128);
});
// The twin that started this environment is gone (it exited, or was killed without stopping its environments):
// nothing will invoke it again.
process.on("disconnect", () => process.exit(0));
`;
