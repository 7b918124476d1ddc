/**
 * Chaos on the twin: controller invocations killed at random step boundaries (before or after adapter calls),
 * for 20 seeds; every invariant must hold. `npm run bench:chaos` runs 200+.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadScenario } from "../../lib/twin/scenario.js";
import { runTwin } from "../../lib/twin/twin.js";

const SEEDS = Number(process.env.STEVEDORE_CHAOS_SEEDS ?? 20);

test(`chaos 0.05 over ${SEEDS} seeds keeps every invariant at zero`, async () => {
  const scenario = await loadScenario("scenarios/chaos.yaml");
  let kills = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = await runTwin({ scenario, seed, chaos: 0.05 });
    kills += r.chaosKills ?? 0;
    assert.deepEqual(
      r.invariants,
      { duplicateLaunches: 0, leakedInstances: 0, strandedPods: 0, violations: 0 },
      `seed ${seed}: ${r.violations.join("\n")}`,
    );
    assert.equal(r.pods.pendingAtEnd, 0, `seed ${seed}: pods pending at end`);
  }
  assert.ok(kills >= SEEDS, `chaos actually killed invocations (${kills})`);
});
