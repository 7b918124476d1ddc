/**
 * Chaos benchmark: runs a twin scenario under chaos for many seeds and reports invariant results.
 *
 *   npm run bench:chaos -- [--seeds 200] [--first 1] [--chaos 0.05] [--scenario chaos] [--json]
 *
 * Prints one line per seed (or one JSON object per seed with --json) and a summary; exits 1 if any seed broke an
 * invariant.
 */
import { parseArgs } from "node:util";
import { loadScenario } from "../lib/twin/scenario.js";
import { runTwin } from "../lib/twin/twin.js";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "200" },
    first: { type: "string", default: "1" },
    chaos: { type: "string", default: "0.05" },
    scenario: { type: "string", default: "chaos" },
    json: { type: "boolean", default: false },
  },
});
const seeds = Number(values.seeds);
const first = Number(values.first);
const chaos = Number(values.chaos);
const scenario = await loadScenario(`scenarios/${values.scenario}.yaml`);
let failed = 0;
let kills = 0;
const started = Date.now();
for (let seed = first; seed < first + seeds; seed++) {
  const r = await runTwin({ scenario, seed, chaos });
  const ok = Object.values(r.invariants).every((v) => v === 0) && r.pods.pendingAtEnd === 0;
  if (!ok) failed++;
  kills += r.chaosKills ?? 0;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ scenario: r.scenario, seed, chaos, ok, invariants: r.invariants, kills: r.chaosKills, wallTimeMs: r.wallTimeMs })}\n`,
    );
  } else {
    process.stdout.write(
      `seed ${String(seed).padStart(4)}  ${ok ? "ok  " : "FAIL"}  kills ${String(r.chaosKills ?? 0).padStart(3)}  ${JSON.stringify(r.invariants)}  ${(r.wallTimeMs / 1000).toFixed(1)} s${ok ? "" : `\n  ${r.violations.join("\n  ")}`}\n`,
    );
  }
}
if (!values.json) {
  process.stdout.write(
    `\n${seeds - failed}/${seeds} seeds kept every invariant (chaos ${chaos}, ${kills} invocations killed) in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
}
process.exitCode = failed > 0 ? 1 : 0;
