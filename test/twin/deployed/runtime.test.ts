/**
 * The deployed mode's Lambda runtime and SQS, with small hand-written bundles: cold and warm environments, a
 * timeout that kills the environment (no `finally` runs), reserved concurrency, async retries, billing, and an SQS
 * event source mapping with partial batch responses, visibility-timeout redelivery and the dead-letter queue.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { systemClock } from "../../../lib/core/clock.js";
import { LambdaRuntime } from "../../../lib/twin/deployed/lambda-runtime.js";
import { QueuePoller } from "../../../lib/twin/deployed/queue-poller.js";
import { SqsQueues } from "../../../lib/twin/deployed/sqs-queues.js";
import type { DeployedFunction, DeployedQueue } from "../../../lib/twin/deployed/template-model.js";
import { VirtualClock } from "../../../lib/twin/virtual-clock.js";
import { handWrittenFunction } from "../../support/hand-written-function.js";

const root = mkdtempSync(join(tmpdir(), "stevedore-runtime-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

function fn(name: string, source: string, over: Partial<DeployedFunction> = {}): DeployedFunction {
  return handWrittenFunction(root, name, source, { timeoutSeconds: 5, environment: { GREETING: "hi" }, ...over });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("deployed Lambda runtime", () => {
  test("cold then warm: module state survives, TMPDIR and cwd are the environment's own, heap follows memory", async () => {
    const f = fn(
      "counter",
      `import v8 from "node:v8";
       let n = 0;
       export async function handler(event, context) {
         return { n: ++n, greeting: process.env.GREETING, tmp: process.env.TMPDIR, cwd: process.cwd(), remaining: context.getRemainingTimeInMillis(),
                  heapMb: Math.round(v8.getHeapStatistics().heap_size_limit / 1048576), echo: event.x };
       }`,
    );
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}) });
    try {
      const first = await rt.invoke("counter", { x: 1 });
      const second = await rt.invoke("counter", { x: 2 });
      assert.equal(first.status, "ok");
      assert.ok(first.status === "ok" && second.status === "ok");
      const a = first.value as Record<string, unknown>;
      const b = second.value as Record<string, unknown>;
      assert.deepEqual([a.n, b.n, a.echo, b.echo, a.greeting], [1, 2, 1, 2, "hi"]);
      assert.equal(first.cold, true);
      assert.equal(second.cold, false);
      assert.equal(a.tmp, a.cwd, "cwd is the private temporary directory");
      assert.ok((a.remaining as number) > 4000 && (a.remaining as number) <= 5000);
      assert.ok((a.heapMb as number) < 400, `heap limit ${a.heapMb} MB for 256 MB of memory`);
      const m = rt.metrics().counter;
      assert.deepEqual([m.invocations, m.coldStarts, m.timeouts], [2, 1, 0]);
      assert.ok(m.billedMs >= 2 && Number.isInteger(m.billedMs));
      assert.ok(Math.abs(m.gbSeconds - (m.billedMs / 1000) * 0.25) < 1e-9);
    } finally {
      await rt.close();
    }
  });

  test("a timeout kills the environment: no finally block runs, and the next invocation starts cold", async () => {
    const marker = join(root, "finally-ran");
    const f = fn(
      "slow",
      `import { writeFileSync } from "node:fs";
       export async function handler(event) {
         if (!event.hang) return "quick";
         try { await new Promise((r) => setTimeout(r, 3000)); } finally { writeFileSync(${JSON.stringify(marker)}, "x"); }
       }`,
    );
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}), timeoutMs: () => 300 });
    try {
      const timedOut = await rt.invoke("slow", { hang: true });
      assert.equal(timedOut.status, "timeout");
      await sleep(200);
      assert.equal(existsSync(marker), false, "the finally block never ran");
      const next = await rt.invoke("slow", {});
      assert.ok(next.status === "ok" && next.cold, "a new environment");
      assert.equal(rt.metrics().slow.timeouts, 1);
    } finally {
      await rt.close();
    }
  });

  test("on a virtual clock the bundle's Date and timers are the twin's: an hour's sleep takes no real hour", async () => {
    const f = fn(
      "sleeper",
      `import { setTimeout as sleepFor } from "node:timers/promises";
       export async function handler(event, context) {
         const t0 = Date.now();
         const remaining = context.getRemainingTimeInMillis();
         await new Promise((r) => setTimeout(r, 10 * 60_000));
         await sleepFor(50 * 60_000);
         return { t0, slept: Date.now() - t0, newDate: new Date().getTime() - t0, remaining };
       }`,
      { timeoutSeconds: 900 * 10 },
    );
    const start = Date.UTC(2030, 0, 1);
    const clock = new VirtualClock({ start });
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}), clock });
    try {
      const wallStart = Date.now();
      const outcome = rt.invoke("sleeper", {});
      let result: Awaited<typeof outcome> | undefined;
      void outcome.then((o) => {
        result = o;
      });
      while (!result && clock.now() < start + 2 * 3_600_000) await clock.advance(60_000, 60_000);
      assert.ok(result?.status === "ok", JSON.stringify(result));
      const v = result.value as { t0: number; slept: number; newDate: number; remaining: number };
      assert.equal(v.t0, start, "Date.now() is the twin's virtual time");
      assert.equal(v.slept, 3_600_000, "setTimeout and timers/promises sleep virtual time");
      assert.equal(v.newDate, 3_600_000, "new Date() follows");
      assert.equal(v.remaining, 9_000_000, "the deadline is virtual");
      assert.equal(result.durationMs, 3_600_000, "billed on virtual time");
      assert.ok(Date.now() - wallStart < 30_000, "an hour of virtual sleep takes seconds");
    } finally {
      await rt.close();
    }
  });

  test("reserved concurrency throttles; a throttled async event is retried until its maximum age", async () => {
    const f = fn(
      "single",
      `export async function handler() { await new Promise((r) => setTimeout(r, 400)); return 1; }`,
      {
        reservedConcurrency: 1,
        maxEventAgeSeconds: 60,
      },
    );
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}), asyncRetryBaseMs: 50 });
    try {
      const [a, b] = await Promise.all([rt.invoke("single", {}), rt.invoke("single", {})]);
      assert.deepEqual([a.status, b.status].sort(), ["ok", "throttled"]);
      const busy = rt.invoke("single", {});
      rt.invokeAsync("single", {});
      await busy;
      await rt.drain();
      const m = rt.metrics().single;
      assert.equal(m.invocations, 3, "the throttled async event ran once the environment was free");
      assert.ok(m.throttles >= 2);
      assert.equal(m.droppedEvents, 0);
    } finally {
      await rt.close();
    }
  });

  test("the twin's environment limit: a burst beyond it waits for a warm environment instead of a new process", async () => {
    const f = fn(
      "burst",
      `export async function handler() { await new Promise((r) => setTimeout(r, 100)); return 1; }`,
    );
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}), environmentsPerFunction: 2 });
    try {
      for (let i = 0; i < 5; i++) rt.invokeAsync("burst", {});
      await rt.drain();
      const m = rt.metrics().burst;
      assert.deepEqual([m.invocations, m.throttles, m.droppedEvents, m.environmentWaits], [5, 0, 0, 3]);
      assert.equal(m.coldStarts, 2, "two processes, reused");
    } finally {
      await rt.close();
    }
  });

  test("an init error fails the invocation with the error and marks it as init", async () => {
    const f = fn("broken", `throw new Error("environment variable STEVEDORE_TABLE is required");`);
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}) });
    try {
      const r = await rt.invoke("broken", {});
      assert.ok(r.status === "error" && r.initError);
      assert.match(r.status === "error" ? (r.error?.message ?? "") : "", /STEVEDORE_TABLE/);
    } finally {
      await rt.close();
    }
  });
});

describe("deployed SQS event source mapping", () => {
  const queue: DeployedQueue = {
    logicalId: "Q",
    name: "q",
    arn: "arn:aws:sqs:us-east-1:123456789012:q",
    url: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
    visibilityTimeoutSeconds: 2,
    messageRetentionSeconds: 900,
    redrive: { deadLetterArn: "arn:aws:sqs:us-east-1:123456789012:dlq", maxReceiveCount: 2 },
  };
  const dlq: DeployedQueue = { ...queue, logicalId: "D", name: "dlq", arn: queue.redrive?.deadLetterArn ?? "" };
  const { redrive: _, ...dlqConfig } = dlq;
  const mapping = (f: DeployedFunction) => ({
    logicalId: "M",
    functionArn: f.arn,
    queueArn: queue.arn,
    batchSize: 10,
    reportBatchItemFailures: true,
  });

  test("reported failures come back after the visibility timeout; after maxReceiveCount they are in the DLQ", async () => {
    const f = fn(
      "consumer",
      `export async function handler(event) {
         return { batchItemFailures: event.Records.filter((r) => r.body === "poison").map((r) => ({ itemIdentifier: r.messageId })) };
       }`,
    );
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}) });
    const queues = new SqsQueues(systemClock, [queue, dlqConfig]);
    const poller = new QueuePoller(mapping(f), queues, rt);
    try {
      queues.send(queue.arn, "good");
      queues.send(queue.arn, "poison");
      assert.equal(await poller.pollOnce(), true);
      assert.deepEqual(queues.bodies(queue.arn), ["poison"], "the good message was deleted");
      assert.equal(await poller.pollOnce(), false, "invisible until the visibility timeout");
      await sleep(2_100);
      assert.equal(await poller.pollOnce(), true, "redelivered");
      await sleep(2_100);
      assert.equal(await poller.pollOnce(), false, "a third receive would exceed maxReceiveCount: moved instead");
      assert.deepEqual(queues.bodies(dlq.arn), ["poison"]);
      assert.equal(queues.stats.get(queue.arn)?.movedToDeadLetter, 1);
      assert.equal(rt.metrics().consumer.invocations, 2);
    } finally {
      await rt.close();
    }
  });

  test("a batch whose invocation fails is redelivered whole", async () => {
    const f = fn("crasher", `export async function handler() { throw new Error("boom"); }`);
    const rt = new LambdaRuntime([f], { extraEnv: () => ({}) });
    const queues = new SqsQueues(systemClock, [queue, dlqConfig]);
    const poller = new QueuePoller(mapping(f), queues, rt);
    try {
      queues.send(queue.arn, "a");
      queues.send(queue.arn, "b");
      await poller.pollOnce();
      assert.deepEqual(queues.depth(queue.arn), { visible: 0, inFlight: 2 });
      assert.equal(poller.stats.returned, 2);
      await sleep(2_100);
      assert.deepEqual(queues.depth(queue.arn), { visible: 2, inFlight: 0 });
    } finally {
      await rt.close();
    }
  });
});
