/**
 * The deployed Lambda runtime's clock and bill with small hand-written bundles: a function that holds a watch
 * stream the twin pushes data on while it sleeps on a virtual timer is billed its virtual duration on every warm
 * invocation (no clock jump, no spurious timeout), and the bill charges CPU time scaled by memory and a round trip
 * per outbound request.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  billedDurationMs,
  FULL_VCPU_MEMORY_MB,
  type InvokeResult,
  LambdaRuntime,
  ROUND_TRIP_MS,
} from "../../../lib/twin/deployed/lambda-runtime.js";
import type { DeployedFunction } from "../../../lib/twin/deployed/template-model.js";
import { VirtualClock } from "../../../lib/twin/virtual-clock.js";
import { handWrittenFunction } from "../../support/hand-written-function.js";

const root = mkdtempSync(join(tmpdir(), "stevedore-billing-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

function fn(name: string, source: string, over: Partial<DeployedFunction> = {}): DeployedFunction {
  return handWrittenFunction(root, name, source, { memoryMb: 128, timeoutSeconds: 80, ...over });
}

/** A parent-side server: `/?watch=true` opens a stream (headers after a real delay), anything else answers at once. */
async function streamServer(): Promise<{ url: string; streams: Set<http.ServerResponse>; close: () => Promise<void> }> {
  const streams = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    if (!req.url?.includes("watch=true")) {
      res.end("ok");
      return;
    }
    // The round trip that opens a watch takes real time: the twin must not run its clock meanwhile.
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("\n");
      streams.add(res);
      res.on("close", () => streams.delete(res));
    }, 30);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    streams,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs `invoke` while advancing the clock; returns its result. */
async function onClock(clock: VirtualClock, invoke: Promise<InvokeResult>): Promise<InvokeResult> {
  let result: InvokeResult | undefined;
  void invoke.then((r) => {
    result = r;
  });
  const limit = clock.now() + 10 * 60_000;
  while (!result && clock.now() < limit) await clock.advance(1_000, 1_000);
  assert.ok(result, "the invocation ended");
  return result;
}

describe("deployed Lambda runtime: clock and bill", () => {
  test("a handler reading a pushed watch stream while it sleeps is billed its virtual duration, warm or cold", async () => {
    const server = await streamServer();
    const f = fn(
      "streamer",
      `import http from "node:http";
       export async function handler() {
         const t0 = Date.now();
         let events = 0;
         const req = http.get(process.env.STREAM_URL + "/items?watch=true", (res) => {
           res.on("data", () => {
             events++;
             // Work the stream starts: a request and a timer begun from a socket callback.
             http.get(process.env.STREAM_URL + "/items/x", (r) => r.resume());
             setTimeout(() => {}, 70_000);
           });
         });
         req.on("error", () => {});
         await new Promise((r) => setTimeout(r, 62_000));
         req.destroy();
         return { events, slept: Date.now() - t0 };
       }`,
      { environment: { STREAM_URL: server.url } },
    );
    const clock = new VirtualClock({ start: Date.UTC(2030, 0, 1) });
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}), clock });
    let pushing = true;
    const pusher = (async () => {
      while (pushing) {
        await clock.sleep(5_000);
        for (const res of server.streams) res.write('{"type":"ADDED"}\n', () => rt.poke());
      }
    })();
    try {
      const outcomes = [];
      for (let i = 0; i < 4; i++) outcomes.push(await onClock(clock, rt.invoke("streamer", {})));
      for (const o of outcomes) {
        assert.ok(o.status === "ok", JSON.stringify(o));
        assert.equal((o.value as { slept: number }).slept, 62_000);
        assert.ok((o.value as { events: number }).events >= 10, JSON.stringify(o.value));
        assert.ok(o.durationMs >= 62_000 && o.durationMs < 62_100, `duration ${o.durationMs} ms`);
      }
      assert.deepEqual(
        outcomes.map((o) => o.status !== "throttled" && o.cold),
        [true, false, false, false],
      );
      const m = rt.metrics().streamer;
      assert.deepEqual([m.invocations, m.timeouts, m.coldStarts], [4, 0, 1]);
    } finally {
      pushing = false;
      await rt.close();
      await server.close();
      await clock.advance(5_000);
      await pusher;
    }
  });

  test("CPU time is billed scaled by memory: the same burn costs more at 128 MB than at 1,769 MB", async () => {
    const burn = `export async function handler() {
      const start = process.cpuUsage();
      let x = 0;
      while ((process.cpuUsage(start).user) < 60_000) x += Math.sqrt(x + 1);
      return x > 0;
    }`;
    const small = fn("burn-small", burn, { memoryMb: 128 });
    const large = fn("burn-large", burn, { memoryMb: FULL_VCPU_MEMORY_MB });
    const clock = new VirtualClock({ start: Date.UTC(2030, 0, 1) });
    const rt = new LambdaRuntime([small, large], { extraEnv: () => ({}), clock });
    try {
      // Warm both first, so the init phase does not blur the comparison.
      for (const name of ["burn-small", "burn-large"]) await onClock(clock, rt.invoke(name, {}));
      const before = { small: rt.metrics()["burn-small"].billedMs, large: rt.metrics()["burn-large"].billedMs };
      const a = await onClock(clock, rt.invoke("burn-small", {}));
      const b = await onClock(clock, rt.invoke("burn-large", {}));
      assert.ok(a.status === "ok" && b.status === "ok");
      assert.equal(a.durationMs, 0, "virtual time stands still while it computes");
      assert.ok(a.cpuMs >= 60 && b.cpuMs >= 60, `cpu ${a.cpuMs} / ${b.cpuMs} ms`);
      const billedSmall = rt.metrics()["burn-small"].billedMs - before.small;
      const billedLarge = rt.metrics()["burn-large"].billedMs - before.large;
      assert.equal(billedSmall, billedDurationMs(a, 128));
      assert.ok(billedSmall >= Math.floor(60 * (FULL_VCPU_MEMORY_MB / 128)), `128 MB billed ${billedSmall} ms`);
      assert.ok(billedLarge < billedSmall / 4, `1,769 MB billed ${billedLarge} ms, 128 MB ${billedSmall} ms`);
      assert.ok(rt.metrics()["burn-small"].cpuMs >= 60);
    } finally {
      await rt.close();
    }
  });

  test("a long output line (an EMF document the report reads) reaches onOutput whole", async () => {
    const f = fn(
      "talker",
      `export async function handler() {
         console.log(JSON.stringify({ _aws: {}, DecisionLatency: Array.from({ length: 40_000 }, (_, i) => i) }));
         return true;
       }`,
    );
    const lines: string[] = [];
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}), onOutput: (_fn, line) => lines.push(line) });
    try {
      assert.equal((await rt.invoke("talker", {})).status, "ok");
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(lines.length, 1);
      assert.equal((JSON.parse(lines[0] ?? "{}") as { DecisionLatency: number[] }).DecisionLatency.length, 40_000);
    } finally {
      await rt.close();
    }
  });

  test("each outbound request is counted and billed a round trip; a watch stream counts once", async () => {
    const server = await streamServer();
    const f = fn(
      "caller",
      `import http from "node:http";
       const get = (path) => new Promise((resolve, reject) => http.get(process.env.STREAM_URL + path, (r) => { r.resume(); r.on("end", resolve); }).on("error", reject));
       export async function handler() {
         await get("/a");
         await get("/b");
         await get("/c");
         const watch = http.get(process.env.STREAM_URL + "/items?watch=true", (res) => res.resume());
         watch.on("error", () => {});
         await new Promise((r) => setTimeout(r, 1_000));
         watch.destroy();
         return true;
       }`,
      { memoryMb: FULL_VCPU_MEMORY_MB, environment: { STREAM_URL: server.url } },
    );
    const clock = new VirtualClock({ start: Date.UTC(2030, 0, 1) });
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}), clock });
    try {
      const o = await onClock(clock, rt.invoke("caller", {}));
      assert.ok(o.status === "ok", JSON.stringify(o));
      assert.equal(o.requests, 4);
      assert.equal(o.durationMs, 1_000);
      const m = rt.metrics().caller;
      assert.equal(m.requests, 4);
      assert.ok(m.billedMs >= 1_000 + 4 * ROUND_TRIP_MS, `billed ${m.billedMs} ms`);
      assert.equal(m.billedMs, billedDurationMs(o, FULL_VCPU_MEMORY_MB));
    } finally {
      await rt.close();
      await server.close();
    }
  });
});
