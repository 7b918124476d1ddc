import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../../lib/core/seeded-random.js";
import { ChaosKill, withChaos } from "../../lib/twin/chaos.js";

test("chaos kills before or after calls at about the configured rate, deterministically per seed", async () => {
  let effects = 0;
  const target = {
    async act() {
      effects++;
      return 1;
    },
    sync() {
      return 2;
    },
  };
  const run = async (seed: number) => {
    const stats = { killsBefore: 0, killsAfter: 0 };
    const random = seededRandom(seed);
    let ok = 0;
    for (let i = 0; i < 1000; i++) {
      // Each call is a fresh invocation.
      const wrapped = withChaos(target, "t", 0.2, random, stats);
      try {
        await wrapped.act();
        ok++;
      } catch (err) {
        assert.ok(err instanceof ChaosKill);
      }
    }
    return { ok, ...stats };
  };
  const a = await run(3);
  const b = await run(3);
  assert.deepEqual(a, b);
  const kills = a.killsBefore + a.killsAfter;
  assert.ok(kills > 120 && kills < 280, `~20% killed: ${kills}`);
  assert.ok(a.killsAfter > 0 && a.killsBefore > 0);
  assert.equal(effects, 2 * (1000 - a.killsBefore), "a kill after the call still let the call take effect");
  const stats = { killsBefore: 0, killsAfter: 0 };
  assert.equal(withChaos(target, "t", 0, Math.random, stats), target, "rate 0 wraps nothing");
});

test("once an invocation is killed, every later call of it fails too", async () => {
  const stats = { killsBefore: 0, killsAfter: 0 };
  const life = {};
  let calls = 0;
  const target = {
    async act() {
      calls++;
    },
  };
  const a = withChaos(target, "a", 1, () => 0, stats, [], life);
  const b = withChaos(target, "b", 1e-9, () => 0.99, stats, [], life);
  await assert.rejects(a.act(), ChaosKill);
  await assert.rejects(b.act(), /before a\.act/);
  assert.equal(calls, 0);
});

test("a killed synchronous method throws (its caller expects a value), a killed async one rejects", async () => {
  const target = {
    parse: (s: string) => s.length,
    async fetch() {
      return 1;
    },
  };
  const stats = { killsBefore: 0, killsAfter: 0 };
  const doomed = withChaos(target, "cloud", 2, () => 0, stats);
  assert.throws(() => doomed.parse("x"), ChaosKill);
  await assert.rejects(doomed.fetch(), ChaosKill);
});
