/**
 * The preload module (`node --import`) that puts a deployed function's execution environment on the twin's virtual
 * clock without changing its bundle. In the child process it replaces:
 *
 * - `Date.now()` and `new Date()` with the virtual time the twin last sent;
 * - `setTimeout`/`setInterval` (the globals and `node:timers`, `node:timers/promises`) of at least
 *   {@link REAL_TIMER_BELOW_MS} with virtual timers: the child registers each with the twin, which fires it when its
 *   virtual clock reaches it. Shorter timers stay real (they are yields, not waits) and count as work.
 *
 * The twin advances its clock only while every environment is idle. The child tells it when it is: no HTTP request
 * in flight (Node's `http.client.request.start` diagnostics channel, until the request closes; a watch stream only
 * until its response starts; a synchronous Lambda invoke only while it is sent and while its answer is read), no
 * short real timer
 * pending, no file system or DNS request pending, no WebAssembly compiling, not in the runtime's init phase (the
 * bootstrap wraps it in `globalThis.__stevedoreTwinWork`), and a few quiet event-loop turns. Messages (parent → child carry
 * `now` and `seq`; child → parent: `timer`, `clear`, `idle` with the last `seq` seen) travel on the IPC channel;
 * the runtime bootstrap hands each incoming message to `globalThis.__stevedoreTwinOnMessage` first.
 * `performance.now()` stays real: it measures CPU budgets, not time of day.
 */

/** Response header with the twin's virtual time, on the answer of a synchronous Lambda invoke. */
export const TWIN_NOW_HEADER = "x-stevedore-twin-now";

/** Virtual timers shorter than this stay real timers. */
export const REAL_TIMER_BELOW_MS = 20;

/** Parent → child: fire these virtual timers (all due at `now`). */
export interface WakeMessage {
  type: "wake";
  ids: number[];
  now: number;
  seq: number;
}

/** Child → parent messages of the preload. */
export type VirtualTimeMessage =
  | { type: "timer"; id: number; at: number }
  | { type: "clear"; id: number }
  | { type: "idle"; seq: number };

/** Source of the preload module. */
export const VIRTUAL_TIME_PRELOAD_SOURCE = `
import { createRequire, syncBuiltinESMExports } from "node:module";
import diagnostics from "node:diagnostics_channel";
const require = createRequire(import.meta.url);
const timers = require("node:timers");
const timersPromises = require("node:timers/promises");
const RealDate = Date;
const real = { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate };
const REAL_BELOW_MS = ${REAL_TIMER_BELOW_MS};
let now = Number(process.env.STEVEDORE_TWIN_CLOCK_START || RealDate.now());
let seq = 0;
let idleSent = true;
let inflight = 0;
let generation = 0;
let checking = false;
let nextId = 1;
const virtualTimers = new Map();
const realPending = new Map();

function begin() { inflight++; generation++; }
function end() { inflight--; generation++; if (inflight === 0) maybeIdle(); }
const BUSY_RESOURCES = new Set(["FSReqCallback", "FSReqPromise", "GetAddrInfoReqWrap", "TCPConnectWrap"]);
const ioPending = () => process.getActiveResourcesInfo().some((r) => BUSY_RESOURCES.has(r));
const turn = () => new Promise((r) => real.setImmediate(r));
const realDelay = (ms) => new Promise((r) => real.setTimeout(r, ms));

function maybeIdle() {
  if (checking || idleSent) return;
  checking = true;
  void quietLoop();
}
async function quietLoop() {
  let quiet = 0;
  let seen = generation;
  while (quiet < 3) {
    if (inflight > 0) { checking = false; return; }
    if (ioPending()) { quiet = 0; await realDelay(1); } else await turn();
    if (generation === seen && inflight === 0 && !ioPending()) quiet++;
    else { quiet = 0; seen = generation; }
  }
  checking = false;
  if (!idleSent) { idleSent = true; process.send({ type: "idle", seq }); }
}

class VirtualDate extends RealDate {
  constructor(...args) { if (args.length === 0) super(now); else super(...args); }
  static now() { return now; }
}
globalThis.Date = VirtualDate;

class VirtualTimeout {
  constructor(id, fn, args, repeatMs) { this.id = id; this.fn = fn; this.args = args; this.repeatMs = repeatMs; this.refed = true; }
  ref() { this.refed = true; return this; }
  unref() { this.refed = false; return this; }
  hasRef() { return this.refed; }
  refresh() { clearVirtual(this); schedule(this, this.delay); return this; }
  close() { clearVirtual(this); return this; }
  [Symbol.toPrimitive]() { return this.id; }
}
function schedule(t, ms) {
  t.delay = ms;
  t.id = nextId++;
  virtualTimers.set(t.id, t);
  generation++;
  process.send({ type: "timer", id: t.id, at: now + ms });
}
function clearVirtual(t) {
  if (virtualTimers.delete(t.id)) process.send({ type: "clear", id: t.id });
}
function fire(id) {
  const t = virtualTimers.get(id);
  if (!t) return;
  virtualTimers.delete(id);
  if (t.repeatMs !== undefined) schedule(t, t.repeatMs);
  t.fn(...t.args);
}

function virtualSetTimeout(fn, ms, ...args) {
  const delay = Math.max(0, Number(ms) || 0);
  if (typeof fn !== "function" || delay < REAL_BELOW_MS) {
    begin();
    let done = false;
    const handle = real.setTimeout(() => {
      done = true;
      realPending.delete(handle);
      try { fn(...args); } finally { end(); }
    }, delay);
    realPending.set(handle, () => { if (!done) { done = true; end(); } });
    return handle;
  }
  const t = new VirtualTimeout(0, fn, args, undefined);
  schedule(t, delay);
  return t;
}
function virtualClearTimeout(t) {
  if (t instanceof VirtualTimeout) return clearVirtual(t);
  const release = realPending.get(t);
  if (release) { realPending.delete(t); release(); }
  return real.clearTimeout(t);
}
function virtualSetInterval(fn, ms, ...args) {
  const delay = Math.max(1, Number(ms) || 0);
  if (delay < REAL_BELOW_MS) return real.setInterval(fn, delay, ...args);
  const t = new VirtualTimeout(0, fn, args, delay);
  schedule(t, delay);
  return t;
}
function virtualClearInterval(t) {
  if (t instanceof VirtualTimeout) return clearVirtual(t);
  return real.clearInterval(t);
}
function promiseTimeout(ms, value, options) {
  return new Promise((resolve, reject) => {
    const signal = options?.signal;
    if (signal?.aborted) return reject(signal.reason);
    const t = virtualSetTimeout(() => resolve(value), ms);
    signal?.addEventListener("abort", () => { virtualClearTimeout(t); reject(signal.reason); }, { once: true });
  });
}
Object.assign(globalThis, { setTimeout: virtualSetTimeout, clearTimeout: virtualClearTimeout, setInterval: virtualSetInterval, clearInterval: virtualClearInterval });
Object.assign(timers, { setTimeout: virtualSetTimeout, clearTimeout: virtualClearTimeout, setInterval: virtualSetInterval, clearInterval: virtualClearInterval });
timersPromises.setTimeout = promiseTimeout;
syncBuiltinESMExports();

// Work the event loop cannot show: the runtime's init phase, and WebAssembly compiled off the main thread.
globalThis.__stevedoreTwinWork = async (promise) => { begin(); try { return await promise; } finally { end(); } };
for (const name of ["compile", "instantiate", "compileStreaming", "instantiateStreaming"]) {
  const original = WebAssembly[name];
  if (typeof original === "function") WebAssembly[name] = (...args) => globalThis.__stevedoreTwinWork(original.apply(WebAssembly, args));
}

function watchStarted(request) {
  // A watch is work until its response starts (the round trip that opens it); then the stream is long-lived by
  // design and not work in flight. Its events arrive while the twin holds the clock for them (it sends a wake with
  // no timers after writing them); each chunk read here restarts the quiet turns so its callbacks run first.
  begin();
  let open = true;
  const opened = () => { if (open) { open = false; end(); } };
  request.once("close", opened);
  request.once("error", opened);
  request.once("response", (response) => {
    opened();
    const socket = response.socket;
    const onData = () => { generation++; };
    socket?.on("data", onData);
    const stop = () => socket?.off("data", onData);
    response.once("end", stop);
    response.once("close", stop);
  });
}
function syncInvokeStarted(request) {
  // A synchronous Lambda invoke waits for another function's whole invocation: work until the request is sent (the
  // twin's gateway holds the clock from its arrival until the invoked function runs), then a wait the clock may
  // pass, like the function's own timers; its answer is work again (the gateway sends a wake after writing it).
  begin();
  let sending = true;
  const sent = () => { if (sending) { sending = false; end(); } };
  request.once("finish", sent);
  request.once("close", sent);
  request.once("error", sent);
  request.once("response", (response) => {
    // The answer comes after the invoked function's virtual time: it says what time it is now.
    const answeredAt = Number(response.headers["${TWIN_NOW_HEADER}"]);
    if (answeredAt > now) now = answeredAt;
    begin();
    let reading = true;
    const read = () => { if (reading) { reading = false; end(); } };
    response.once("end", read);
    response.once("close", read);
    response.once("error", read);
  });
}
const isSyncInvoke = (request) =>
  String(request.path).startsWith("/2015-03-31/functions/") &&
  String(request.path).includes("/invocations") &&
  !["Event", "DryRun"].includes(String(request.getHeader("x-amz-invocation-type") ?? ""));
diagnostics.subscribe("http.client.request.start", ({ request }) => {
  if (/[?&]watch=(true|1)/.test(request.path)) return watchStarted(request);
  if (isSyncInvoke(request)) return syncInvokeStarted(request);
  begin();
  let done = false;
  const finish = () => { if (!done) { done = true; end(); } };
  request.once("close", finish);
  request.once("error", finish);
  request.once("response", (response) => {
    response.once("end", finish);
    response.once("close", finish);
    response.once("error", finish);
  });
});

// The runtime bootstrap passes every message here first: a listener of this module's own would start reading the
// IPC channel before the bootstrap listens, and the first invocation would reach only this one.
globalThis.__stevedoreTwinOnMessage = (msg) => {
  if (!msg || typeof msg.seq !== "number") return;
  if (typeof msg.now === "number") now = Math.max(now, msg.now);
  seq = msg.seq;
  idleSent = false;
  generation++;
  if (msg.type === "wake") for (const id of msg.ids) fire(id);
  maybeIdle();
};
`;
