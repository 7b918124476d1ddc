import assert from "node:assert/strict";
import { test } from "node:test";
import { keptRunStart } from "../../lib/twin/twin.js";
import { VirtualClock } from "../../lib/twin/virtual-clock.js";

test("timers fire in virtual-time order and only when the clock advances", async () => {
  const clock = new VirtualClock({ start: 0 });
  const fired: string[] = [];
  void clock.sleep(300).then(() => fired.push(`b@${clock.now()}`));
  void clock.sleep(100).then(() => fired.push(`a@${clock.now()}`));
  await clock.settle();
  assert.deepEqual(fired, []);
  await clock.advance(1_000);
  assert.deepEqual(fired, ["a@100", "b@300"]);
  assert.equal(clock.now(), 1_000);
});

test("a loop that sleeps repeatedly runs once per period of virtual time", async () => {
  const clock = new VirtualClock({ start: 0 });
  let ticks = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      await clock.sleep(60_000);
      ticks++;
    }
  })();
  await clock.advance(10 * 60_000);
  assert.equal(ticks, 10);
  stop = true;
  await clock.advance(60_000);
  await loop;
});

test("time does not advance while tracked work is in flight", async () => {
  const clock = new VirtualClock({ start: 0 });
  const done = clock.activity.begin();
  let advanced = false;
  const p = clock.advance(5_000).then(() => {
    advanced = true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(advanced, false);
  assert.equal(clock.now(), 0);
  done();
  await p;
  assert.equal(clock.now(), 5_000);
});

test("work started by a timer completes before the next timer fires", async () => {
  const clock = new VirtualClock({ start: 0 });
  const log: string[] = [];
  void (async () => {
    await clock.sleep(1_000);
    const end = clock.activity.begin();
    await new Promise((r) => setTimeout(r, 10)); // real I/O
    log.push(`io-done@${clock.now()}`);
    end();
  })();
  void clock.sleep(1_500).then(() => log.push(`second@${clock.now()}`));
  await clock.advance(3_000);
  assert.deepEqual(log, ["io-done@1000", "second@1500"]);
});

test("a kept twin's clock: the run ends before now, then time follows the wall clock and never goes back", () => {
  const wall = Date.UTC(2026, 5, 1, 12, 0, 30);
  const start = keptRunStart(wall, 80 * 60_000);
  assert.equal(start, Date.UTC(2026, 5, 1, 10, 35, 0));
  const clock = new VirtualClock({ start: Date.now() - 60_000 });
  clock.followWallClock();
  const first = clock.now();
  assert.ok(Math.abs(first - Date.now()) < 1_000);
  assert.ok(clock.now() >= first);
  const ahead = new VirtualClock({ start: Date.now() + 3_600_000 });
  ahead.followWallClock();
  assert.ok(ahead.now() > Date.now() + 3_000_000, "a clock ahead of the wall stays where it is");
});
