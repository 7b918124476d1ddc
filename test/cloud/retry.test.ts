import assert from "node:assert/strict";
import { test } from "node:test";
import { ec2RequestBucket, ec2ResourceCount, isUnfilteredUnpaginated } from "../../lib/cloud/aws/ec2-rate-limits.js";
import { ApiGate, ec2Call, isThrottlingError, TokenBucket } from "../../lib/cloud/aws/retry.js";
import { TtlCache } from "../../lib/cloud/aws/ttl-cache.js";
import { ManualClock } from "./fixtures.js";

const throttle = () => Object.assign(new Error("Request limit exceeded."), { name: "RequestLimitExceeded" });

test("token bucket: burst, then waits on the clock at the refill rate", async () => {
  const clock = new ManualClock(0);
  const bucket = new TokenBucket({ refillPerSecond: 2, capacity: 3 }, clock);
  for (let i = 0; i < 3; i++) await bucket.take();
  assert.equal(clock.now(), 0, "the burst is free");
  await bucket.take();
  assert.equal(clock.now(), 500, "then one token per 500 ms");
  await bucket.take();
  assert.equal(clock.now(), 1000);
  clock.advance(10_000);
  assert.equal(bucket.available(), 3, "refill is capped at capacity");
});

test("full jitter: backoff is uniform below an exponentially growing, capped ceiling", () => {
  const gate = new ApiGate(new ManualClock(), { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 });
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((a) => gate.backoffMs(a)),
    [99, 199, 399, 799, 999],
  );
  const zero = new ApiGate(new ManualClock(), { random: () => 0 });
  assert.equal(zero.backoffMs(3), 0);
});

test("throttling is retried with backoff until it succeeds", async () => {
  const clock = new ManualClock(0);
  const gate = new ApiGate(clock, { baseDelayMs: 100, random: () => 0.5 });
  let calls = 0;
  const result = await gate.call("describe", async () => {
    calls++;
    if (calls < 3) throw throttle();
    return "ok";
  });
  assert.equal(result, "ok");
  assert.equal(calls, 3);
  assert.equal(gate.throttled, 2);
  assert.equal(clock.now(), 50 + 100, "slept 0.5 × 100 then 0.5 × 200");
});

test("throttling past maxAttempts propagates the last error; other errors are not retried", async () => {
  const gate = new ApiGate(new ManualClock(0), { maxAttempts: 3, random: () => 0 });
  let calls = 0;
  await assert.rejects(
    gate.call("launch", async () => {
      calls++;
      throw throttle();
    }),
    { name: "RequestLimitExceeded" },
  );
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(
    gate.call("launch", async () => {
      calls++;
      throw Object.assign(new Error("no"), { name: "UnauthorizedOperation" });
    }),
    { name: "UnauthorizedOperation" },
  );
  assert.equal(calls, 1);
});

test("throttling is recognised by code and by HTTP 429", () => {
  assert.ok(isThrottlingError(throttle()));
  assert.ok(isThrottlingError({ name: "ThrottlingException" }));
  assert.ok(isThrottlingError({ name: "Whatever", $metadata: { httpStatusCode: 429 } }));
  assert.ok(!isThrottlingError({ name: "InsufficientInstanceCapacity" }));
});

test("CreateFleet follows EC2's documented mutating bucket: 50 at once, then 5/s", async () => {
  const clock = new ManualClock(0);
  const gate = new ApiGate(clock);
  await Promise.all(Array.from({ length: 60 }, () => gate.call(ec2Call("CreateFleet"), async () => undefined)));
  assert.equal(clock.now(), 2000, "10 calls beyond the burst of 50 at 5 per second");
});

test("EC2 buckets are per action: a burst of CreateFleet does not slow CreateTags", async () => {
  const clock = new ManualClock(0);
  const gate = new ApiGate(clock);
  await Promise.all(Array.from({ length: 50 }, () => gate.call(ec2Call("CreateFleet"), async () => undefined)));
  await Promise.all(Array.from({ length: 100 }, () => gate.call(ec2Call("CreateTags"), async () => undefined)));
  assert.equal(clock.now(), 0);
  await gate.call(ec2Call("CreateTags"), async () => undefined);
  assert.equal(clock.now(), 100, "CreateTags refills at 10 per second");
});

test("TerminateInstances takes one resource token per instance (1000, then 20/s)", async () => {
  const clock = new ManualClock(0);
  const gate = new ApiGate(clock);
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-${i}`);
  await gate.call(ec2Call("TerminateInstances", { InstanceIds: ids(1000) }), async () => undefined);
  assert.equal(clock.now(), 0);
  await gate.call(ec2Call("TerminateInstances", { InstanceIds: ids(40) }), async () => undefined);
  assert.equal(clock.now(), 2000, "40 instances at 20 per second");
});

test("the documented buckets: categories, the unfiltered describe bucket, uncategorized actions", () => {
  assert.deepEqual(ec2RequestBucket("DescribeSubnets", true), {
    key: "DescribeSubnets",
    limit: { capacity: 100, refillPerSecond: 20 },
  });
  assert.deepEqual(ec2RequestBucket("DescribeInstances", false).limit, { capacity: 100, refillPerSecond: 20 });
  assert.deepEqual(ec2RequestBucket("DescribeInstances", true), {
    key: "DescribeInstances#unfiltered",
    limit: { capacity: 50, refillPerSecond: 10 },
  });
  assert.deepEqual(ec2RequestBucket("CreateFleet", true).limit, { capacity: 50, refillPerSecond: 5 });
  assert.deepEqual(ec2RequestBucket("RequestSpotInstances", true).limit, { capacity: 50, refillPerSecond: 5 });
  assert.deepEqual(ec2RequestBucket("RunInstances", true).limit, { capacity: 5, refillPerSecond: 2 });
  assert.deepEqual(ec2RequestBucket("TerminateInstances", true).limit, { capacity: 100, refillPerSecond: 5 });
  assert.deepEqual(ec2RequestBucket("CreateTags", true).limit, { capacity: 100, refillPerSecond: 10 });
  assert.equal(isUnfilteredUnpaginated({ Filters: [{}] }), false);
  assert.equal(isUnfilteredUnpaginated({ MaxResults: 5 }), false);
  assert.equal(isUnfilteredUnpaginated({ InstanceIds: ["i-1"] }), true);
  assert.equal(ec2ResourceCount("RunInstances", { MaxCount: 7 }), 7);
  assert.equal(ec2ResourceCount("TerminateInstances", { InstanceIds: ["a", "b"] }), 2);
  assert.equal(ec2ResourceCount("CreateFleet", {}), 0);
});

test("TTL cache: expiry on the clock, shared loads, keep-last-good", async () => {
  const clock = new ManualClock(0);
  const cache = new TtlCache<number>(clock, 1000);
  let loads = 0;
  const load = async () => ++loads;
  const [a, b] = await Promise.all([cache.getOrLoad("k", load), cache.getOrLoad("k", load)]);
  assert.deepEqual([a, b, loads], [1, 1, 1]);
  clock.advance(999);
  assert.equal(await cache.getOrLoad("k", load), 1);
  clock.advance(1);
  assert.equal(await cache.getOrLoad("k", load), 2);
  clock.advance(1000);
  const errors: unknown[] = [];
  const failing = async (): Promise<number> => {
    throw new Error("down");
  };
  assert.equal(await cache.getOrLoad("k", failing, { keepLastGood: true, onStale: (e) => errors.push(e) }), 2);
  assert.equal(errors.length, 1);
  await assert.rejects(cache.getOrLoad("k", failing), /down/);
  await assert.rejects(cache.getOrLoad("other", failing, { keepLastGood: true }), /down/);
});
