/**
 * The twin's asynchronous invokes of a reserved-concurrency-1 function (the watcher's trigger of the provisioner):
 * start now when free; when busy, one waiting event that runs when the running invocation ends; later events merge
 * into it; a waiting event older than the maximum event age is dropped. And the bus's reserved concurrency above 1
 * (the watcher's 2).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Clock } from "../../lib/core/clock.js";
import { TwinEventBus } from "../../lib/twin/event-bus.js";
import { AsyncInvoker } from "../../lib/twin/run/async-invoke.js";

/** A clock the test moves; sleepers wake when their time has come. */
class StepClock implements Clock {
  private sleepers: { at: number; wake: () => void }[] = [];
  t = 0;
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.sleepers.push({ at: this.t + ms, wake: resolve }));
  }
  async advance(ms: number): Promise<void> {
    this.t += ms;
    for (const s of this.sleepers.filter((x) => x.at <= this.t)) s.wake();
    this.sleepers = this.sleepers.filter((x) => x.at > this.t);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}

/** A function whose invocations last `ms` of clock time; records start times. */
function timedFunction(clock: StepClock, ms: number): { fn: () => Promise<void>; starts: number[] } {
  const starts: number[] = [];
  return {
    starts,
    fn: async () => {
      starts.push(clock.now());
      await clock.sleep(ms);
    },
  };
}

describe("AsyncInvoker", () => {
  it("starts at once when the function is free, else runs one waiting event when it ends", async () => {
    const clock = new StepClock();
    const bus = new TwinEventBus(clock, () => {});
    const f = timedFunction(clock, 10_000);
    const invoker = new AsyncInvoker(bus, clock, "provisioner", f.fn);
    invoker.invoke();
    await clock.advance(1000);
    invoker.invoke();
    invoker.invoke();
    await clock.advance(1000);
    invoker.invoke();
    assert.deepEqual(f.starts, [0]);
    await clock.advance(8000);
    assert.deepEqual(f.starts, [0, 10_000], "the waiting event runs as the first invocation ends");
    await clock.advance(10_000);
    assert.deepEqual(f.starts, [0, 10_000], "merged events add nothing");
    assert.deepEqual(invoker.stats, { accepted: 4, startedAtOnce: 1, startedLater: 1, merged: 2, dropped: 0 });
  });

  it("shares the function with its schedule, and drops an event that waited longer than the maximum event age", async () => {
    const clock = new StepClock();
    const bus = new TwinEventBus(clock, () => {});
    const f = timedFunction(clock, 70_000);
    const invoker = new AsyncInvoker(bus, clock, "provisioner", f.fn, 60_000);
    void bus.schedule("provisioner", "rate(1 minute)", f.fn, { runAtStart: true });
    await clock.advance(1);
    invoker.invoke();
    await clock.advance(70_000);
    assert.deepEqual(f.starts, [0], "the event waited 70 s: dropped");
    assert.equal(invoker.stats.dropped, 1);
    bus.stop();
  });

  it("starts nothing once the bus has stopped", async () => {
    const clock = new StepClock();
    const bus = new TwinEventBus(clock, () => {});
    const f = timedFunction(clock, 1000);
    const invoker = new AsyncInvoker(bus, clock, "provisioner", f.fn);
    bus.stop();
    invoker.invoke();
    await clock.advance(5000);
    assert.deepEqual(f.starts, []);
    assert.equal(invoker.stats.dropped, 1);
  });
});

describe("TwinEventBus reserved concurrency", () => {
  it("lets two watchers overlap and throttles a third", async () => {
    const clock = new StepClock();
    const bus = new TwinEventBus(clock, () => {});
    const f = timedFunction(clock, 62_000);
    assert.equal(bus.invoke("watcher", f.fn, 2), true);
    await clock.advance(60_000);
    assert.equal(bus.invoke("watcher", f.fn, 2), true, "the next watcher starts while the last one finishes");
    assert.equal(bus.invoke("watcher", f.fn, 2), false);
    assert.deepEqual(bus.stats.throttled, { watcher: 1 });
    await clock.advance(2000);
    assert.equal(bus.invoke("watcher", f.fn, 2), true, "the first one has ended");
    await clock.advance(62_000);
    await bus.drain();
    assert.deepEqual(bus.runningFunctions(), []);
  });
});
