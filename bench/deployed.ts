/**
 * `npm run bench:deployed [scenario…]`: runs scenarios (default: default, spot-storm, chaos) with `--deployed` —
 * the synthesized assembly's bundles in their own processes on the twin's virtual clock — and prints, per scenario,
 * the wall time, the invariants, the decision latency, the functions' counters (billed ms per invocation, CPU ms,
 * requests), each function's headroom (largest CPU time and heap of one invocation against half its timeout and
 * memory) and the controller's monthly bill extrapolated from the run. `--reaction seconds|minute` runs the
 * scenarios with that `controllers.reaction` instead of their own; `--output <file>` appends every function's output
 * lines (logs, EMF) to the file as `<function> <line>`; `--report <file>` appends each scenario's report (the
 * itemized bill, the requests by caller) as one JSON line. `--quiet-minutes N` sets the quiet tail measured after
 * each scenario (default 10) and `--bursts-per-day N` the daily pattern the month is priced for (default 1). Exit 1
 * when an invariant is violated, 2 on a bad option.
 */
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_BURSTS_PER_DAY } from "../lib/cost/daily-pattern.js";
import { synthesizeAssembly } from "../lib/twin/deployed/assembly.js";
import { DEFAULT_QUIET_MINUTES, runDeployed } from "../lib/twin/deployed/deployed-run.js";
import { scenarioStackSettings } from "../lib/twin/deployed/scenario-stack-settings.js";
import { loadScenario } from "../lib/twin/scenario.js";

const args = process.argv.slice(2);
const reactionAt = args.indexOf("--reaction");
const reactionArg = reactionAt >= 0 ? (args.splice(reactionAt, 2)[1] ?? "") : undefined;
if (reactionArg !== undefined && reactionArg !== "seconds" && reactionArg !== "minute") {
  console.error(`--reaction: expected seconds or minute, got "${reactionArg}"`);
  process.exit(2);
}
const reaction: "seconds" | "minute" | undefined = reactionArg;
const outputAt = args.indexOf("--output");
const outputFile = outputAt >= 0 ? args.splice(outputAt, 2)[1] : undefined;
if (outputAt >= 0 && !outputFile) {
  console.error("--output: expected a file name");
  process.exit(2);
}
const reportAt = args.indexOf("--report");
const reportFile = reportAt >= 0 ? args.splice(reportAt, 2)[1] : undefined;
if (reportAt >= 0 && !reportFile) {
  console.error("--report: expected a file name");
  process.exit(2);
}
/** The value of `--<name> N` (removed from args), a number ≥ 0; exits 2 naming the option otherwise. */
function numberOption(name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const raw = args.splice(at, 2)[1];
  const value = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name}: expected a number ≥ 0, got "${raw ?? ""}"`);
    process.exit(2);
  }
  return value;
}
const quietMinutes = numberOption("quiet-minutes", DEFAULT_QUIET_MINUTES);
const burstsPerDay = numberOption("bursts-per-day", DEFAULT_BURSTS_PER_DAY);
const onOutput = outputFile ? (fn: string, line: string) => appendFileSync(outputFile, `${fn} ${line}\n`) : undefined;
const names = args.length > 0 ? args : ["default", "spot-storm", "chaos"];
let failed = false;
for (const name of names) {
  const loaded = await loadScenario(join("scenarios", `${name}.yaml`));
  const scenario = reaction ? { ...loaded, controllers: { ...loaded.controllers, reaction } } : loaded;
  const outdir = mkdtempSync(join(tmpdir(), "stevedore-bench-assembly-"));
  try {
    await synthesizeAssembly({
      outdir,
      settings: scenarioStackSettings(scenario),
    });
    const r = await runDeployed({
      scenario,
      assemblyDir: outdir,
      quietMinutes,
      burstsPerDay,
      ...(onOutput ? { onOutput } : {}),
    });
    const inv = r.invariants;
    const clean = inv.duplicateLaunches + inv.leakedInstances + inv.strandedPods + inv.violations === 0;
    failed ||= !clean;
    console.log(
      `${name}: ${r.virtualMinutes} virtual min (wind-down ${r.quietTail.windDownMinutes}) + ${r.quietTail.minutes} quiet in ${(r.wallTimeMs / 1000).toFixed(1)} s wall; invariants ` +
        `dup ${inv.duplicateLaunches} leaked ${inv.leakedInstances} stranded ${inv.strandedPods} violations ${inv.violations}; ` +
        `pods ${r.pods.scheduled}/${r.pods.total} scheduled; nodes launched ${r.nodes.launched} terminated ${r.nodes.terminated}; ` +
        `interruptions ${r.interruptions.received} received ${r.interruptions.drainedInTime} drained in time; ` +
        `IAM denials ${r.iam.denials.length}`,
    );
    if (reportFile) appendFileSync(reportFile, `${JSON.stringify(r)}\n`);
    for (const v of r.violations) console.log(`  ${v}`);
    for (const d of r.iam.denials) console.log(`  denied ${d.action} on ${d.resource}`);
    console.log(
      `  reaction ${reaction ?? "(scenario's)"}; decision p50 ${r.latency.decisionP50Ms} ms, p99 ${r.latency.decisionP99Ms} ms`,
    );
    for (const [fn, m] of Object.entries(r.lambda)) {
      if (m.invocations === 0) continue;
      console.log(
        `  lambda.${fn}: ${m.invocations} invocations, ${m.coldStarts} cold, ${m.timeouts} timeouts, ${m.errors} errors, ` +
          `${m.throttles} throttles, ${m.billedGbSeconds} GB-s, billed ${m.billedMsPerInvocation} ms/invocation ` +
          `(virtual ${m.durationMs} ms, CPU ${m.cpuMs} ms, ${m.requests} requests in all), p99 ${m.durationMsP99} ms`,
      );
    }
    for (const [fn, h] of Object.entries(r.headroom)) {
      console.log(
        `  headroom.${fn}: CPU max ${h.cpuMsMax} ms (${h.cpuMsAtMemoryMax} ms at ${h.memoryMb} MB) of ${h.timeoutMs} ms timeout` +
          `${h.cpuWithinHalfTimeout ? "" : " OVER HALF"}; heap max ${h.heapMbMax} MB of ${h.memoryMb} MB` +
          `${h.heapWithinHalfMemory ? "" : " OVER HALF"} (RSS max ${h.rssMbMax} MB); duration max ${h.durationMsMax} ms`,
      );
    }
    const q = r.requests;
    console.log(
      `  requests: DynamoDB ${q.dynamodb.requests} calls, ${q.dynamodb.readUnits} RRU, ${q.dynamodb.writeUnits} WRU ` +
        `(${q.dynamodb.conditionFailures} failed conditions, at most ${q.dynamodb.writeUnitsMaxPerRequest} WRU a call); ` +
        `SQS ${JSON.stringify(q.sqs)}; decision events ${JSON.stringify(q.decisionEvents)}; log bytes ${JSON.stringify(q.logBytes)}`,
    );
    const bill = r.controllerCost;
    console.log(
      `  controllerCost: $${bill.monthlyUsd}/month (${bill.burstsPerDay} burst(s) a day, quiet otherwise); ${JSON.stringify(bill.byService)}`,
    );
    console.log(
      `  back to back all month: $${bill.backToBackMonthlyUsd}/month; quiet all month: $${bill.quietMonthlyUsd ?? "-"}/month ` +
        `(measured over ${bill.quietMinutes} quiet min)`,
    );
    console.log(
      `  this run once: $${bill.scenarioUsd} over ${bill.scenarioMinutes} virtual min; ${JSON.stringify(bill.scenarioByService)}`,
    );
    for (const [id, f] of Object.entries(bill.byFunction)) {
      console.log(`    ${id}: ${f.invocations} invocations, ${f.gbSeconds} GB-s, $${f.usd}/month`);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
