import assert from "node:assert/strict";
import { test } from "node:test";
import { InvocationMeter } from "../../lib/twin/invocation-meter.js";
import { VirtualClock } from "../../lib/twin/virtual-clock.js";

/** Spins until the process has used `ms` of CPU. */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1_000 >= ms) return;
  }
}

class Adapter {
  calledAt: number[] = [];
  constructor(private readonly clock: VirtualClock) {}
  async call(): Promise<string> {
    this.calledAt.push(this.clock.now());
    return "ok";
  }
}

async function invocation(charge: boolean) {
  const clock = new VirtualClock({ start: 0 });
  const meter = new InvocationMeter(clock, charge);
  const adapter = new Adapter(clock);
  const wrapped = meter.wrap(adapter);
  const running = (async () => {
    burnCpu(40);
    assert.equal(await wrapped.call(), "ok");
    await meter.wrapClock().sleep(1_000);
  })();
  await clock.advance(5_000);
  await running;
  return { adapter, usage: meter.finish(), clock };
}

test("an invocation's computation is charged to the virtual clock before its next call goes out", async () => {
  const { adapter, usage } = await invocation(true);
  assert.ok(usage.cpuMs >= 40, `measured ${usage.cpuMs} ms of CPU`);
  assert.ok(usage.heapMb > 0);
  assert.equal(adapter.calledAt.length, 1);
  assert.ok(adapter.calledAt[0] >= 40, `the call went out at virtual ${adapter.calledAt[0]} ms, after the work`);
});

test("without charging, the computation is measured but takes no virtual time", async () => {
  const { adapter, usage } = await invocation(false);
  assert.ok(usage.cpuMs >= 40);
  assert.deepEqual(adapter.calledAt, [0]);
});
