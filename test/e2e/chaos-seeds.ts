/**
 * Chaos on the twin: controller invocations killed at random step boundaries (before or after adapter calls),
 * for many seeds; every invariant must hold. `npm run bench:chaos` runs 200+.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadScenario } from "../../lib/twin/scenario.js";
import { runTwin } from "../../lib/twin/twin.js";

/** Runs chaos 0.05 over seeds `first` … `first + count - 1`; CI splits 20 seeds over two files (two cores). */
export function chaosSeeds(first: number, count: number): void {
  test(`chaos 0.05 over seeds ${first}…${first + count - 1} keeps every invariant at zero`, {
    timeout: 900_000,
  }, async () => {
    await runSeeds(first, count);
  });
}

async function runSeeds(first: number, count: number): Promise<void> {
  const scenario = await loadScenario("scenarios/chaos.yaml");
  let kills = 0;
  for (let seed = first; seed < first + count; seed++) {
    const r = await runTwin({ scenario, seed, chaos: 0.05 });
    kills += r.chaosKills ?? 0;
    assert.deepEqual(
      r.invariants,
      { duplicateLaunches: 0, leakedInstances: 0, strandedPods: 0, violations: 0, podsEvictedTwice: 0 },
      `seed ${seed}: ${r.violations.join("\n")}`,
    );
    assert.equal(r.pods.pendingAtEnd, 0, `seed ${seed}: pods pending at end`);
  }
  assert.ok(kills >= count / 2, `chaos actually killed invocations (${kills})`);
}
