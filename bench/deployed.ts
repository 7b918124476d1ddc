/**
 * `npm run bench:deployed [scenario…]`: runs scenarios (default: default, spot-storm, chaos) with `--deployed` —
 * the synthesized assembly's bundles in their own processes on the twin's virtual clock — and prints, per scenario,
 * the wall time, the invariants and the functions' counters. Exit 1 when an invariant is violated.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeAssembly } from "../lib/twin/deployed/assembly.js";
import { runDeployed } from "../lib/twin/deployed/deployed-run.js";
import { scenarioStackSettings } from "../lib/twin/deployed/scenario-stack-settings.js";
import { loadScenario } from "../lib/twin/scenario.js";

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["default", "spot-storm", "chaos"];
let failed = false;
for (const name of names) {
  const scenario = await loadScenario(join("scenarios", `${name}.yaml`));
  const outdir = mkdtempSync(join(tmpdir(), "stevedore-bench-assembly-"));
  try {
    await synthesizeAssembly({
      outdir,
      settings: scenarioStackSettings(scenario),
    });
    const r = await runDeployed({ scenario, assemblyDir: outdir });
    const inv = r.invariants;
    const clean = inv.duplicateLaunches + inv.leakedInstances + inv.strandedPods + inv.violations === 0;
    failed ||= !clean;
    console.log(
      `${name}: ${r.virtualMinutes} virtual min in ${(r.wallTimeMs / 1000).toFixed(1)} s wall; invariants ` +
        `dup ${inv.duplicateLaunches} leaked ${inv.leakedInstances} stranded ${inv.strandedPods} violations ${inv.violations}; ` +
        `pods ${r.pods.scheduled}/${r.pods.total} scheduled; nodes launched ${r.nodes.launched} terminated ${r.nodes.terminated}; ` +
        `interruptions ${r.interruptions.received} received ${r.interruptions.drainedInTime} drained in time; ` +
        `IAM denials ${r.iam.denials.length}`,
    );
    for (const v of r.violations) console.log(`  ${v}`);
    for (const d of r.iam.denials) console.log(`  denied ${d.action} on ${d.resource}`);
    for (const [fn, m] of Object.entries(r.lambda)) {
      if (m.invocations === 0) continue;
      console.log(
        `  lambda.${fn}: ${m.invocations} invocations, ${m.coldStarts} cold, ${m.timeouts} timeouts, ${m.errors} errors, ` +
          `${m.throttles} throttles, ${m.billedGbSeconds} GB-s, p99 ${m.durationMsP99} ms`,
      );
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
