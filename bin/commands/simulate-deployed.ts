/**
 * `stevedore simulate --deployed`: runs a scenario against what `cdk deploy` ships — the synthesized template and
 * the Lambda bundles of the cloud assembly — instead of the in-process controllers.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AssemblyError, synthesizeAssembly } from "../../lib/twin/deployed/assembly.js";
import { type DeployedReport, runDeployed } from "../../lib/twin/deployed/deployed-run.js";
import { scenarioReaction, scenarioStackSettings } from "../../lib/twin/deployed/scenario-stack-settings.js";
import type { Scenario } from "../../lib/twin/scenario.js";
import { type CommandIO, UsageError } from "./io.js";

/** Options of the deployed mode. */
export interface DeployedSimulateOptions {
  scenario: Scenario;
  /** A cloud assembly directory; synthesized (with bundling) when absent. */
  assembly?: string;
  /** Stack setting `loopSeconds` for the synthesized app. @default the scenario's `controllers.loopSeconds` */
  loopSeconds?: number;
  /** Virtual minutes to run. @default the scenario's duration */
  minutes?: number;
  out: string;
  quiet: boolean;
}

/** Renders the report's summary lines. */
export function renderDeployedSummary(r: DeployedReport): string {
  const lines = [
    `deployed stack, scenario "${r.scenario}", ${r.virtualMinutes} virtual minutes and ${r.quietTail.minutes} quiet in ${(r.wallTimeMs / 1000).toFixed(1)} s`,
  ];
  lines.push(`  stood up: table ${r.stack.table ?? "(none)"}`);
  for (const q of r.stack.queues) lines.push(`    queue ${q}`);
  for (const f of r.stack.functions) lines.push(`    function ${f}`);
  lines.push(`    ${r.stack.rules.length} rules, ${r.stack.eventSourceMappings} event source mapping(s)`);
  const types = [...new Set(r.stack.unmodelled.map((u) => u.type))].sort();
  lines.push(`  not modelled (${r.stack.unmodelled.length} resources): ${types.join(", ")}`);
  for (const [fn, m] of Object.entries(r.lambda)) {
    lines.push(
      `  lambda.${fn}: ${m.invocations} invocations, ${m.coldStarts} cold, ${m.timeouts} timeouts, ${m.errors} errors, ` +
        `${m.throttles} throttles, ${m.billedMs} ms billed, ${m.gbSeconds} GB-s, p99 ${m.durationMsP99} ms`,
    );
  }
  lines.push(
    `  IAM denials: ${r.iam.denials.length}${r.iam.denials.map((d) => `\n    ${d.action} on ${d.resource}`).join("")}`,
  );
  lines.push(
    `  cluster: ${r.cluster.liveInstances} instances, ${r.cluster.nodes} nodes, ${r.cluster.pendingPods} pending pods`,
  );
  const bill = r.controllerCost;
  lines.push(
    `  controller bill: $${bill.monthlyUsd}/month (the scenario ${bill.burstsPerDay} time(s) a day, quiet otherwise); ` +
      `back to back $${bill.backToBackMonthlyUsd}; quiet all month $${bill.quietMonthlyUsd ?? "-"}; the scenario once $${bill.scenarioUsd}`,
  );
  const inv = r.invariants;
  lines.push(
    `  invariants: duplicate launches ${inv.duplicateLaunches}, leaked instances ${inv.leakedInstances}, ` +
      `stranded pods ${inv.strandedPods}, violations ${inv.violations}`,
  );
  for (const v of r.violations.slice(0, 20)) lines.push(`    ${v}`);
  return lines.join("\n");
}

/** Whether the deployed run was clean: every invariant 0, no function error or timeout and no IAM denial. */
export function deployedRunClean(r: DeployedReport): boolean {
  const inv = r.invariants;
  const invariantsHold =
    inv.duplicateLaunches === 0 && inv.leakedInstances === 0 && inv.strandedPods === 0 && inv.violations === 0;
  return (
    invariantsHold &&
    r.iam.denials.length === 0 &&
    Object.values(r.lambda).every((m) => m.errors === 0 && m.timeouts === 0)
  );
}

/** Runs the deployed mode; returns the exit code. */
export async function simulateDeployed(o: DeployedSimulateOptions, io: CommandIO): Promise<number> {
  const log = (line: string) => {
    if (!o.quiet) io.stderr(`${line}\n`);
  };
  let assembly = o.assembly ? resolve(io.cwd, o.assembly) : undefined;
  if (!assembly) {
    log(
      `stevedore twin: synthesizing the app for cluster ${o.scenario.clusterName}, reaction ${scenarioReaction(o.scenario)} (esbuild bundles, as cdk deploy)`,
    );
    assembly = await synthesizeAssembly({ settings: scenarioStackSettings(o.scenario, o.loopSeconds) });
  }
  log(`stevedore twin: scenario "${o.scenario.name}" on the deployed stack of ${assembly}`);
  try {
    const report = await runDeployed({
      scenario: o.scenario,
      assemblyDir: assembly,
      ...(o.minutes ? { minutes: o.minutes } : {}),
      onLine: (l) => log(`  ${l}`),
    });
    const outDir = resolve(io.cwd, o.out);
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
    io.stdout(`\n${renderDeployedSummary(report)}\n  report: ${join(outDir, "report.json")}\n`);
    return deployedRunClean(report) ? 0 : 3;
  } catch (err) {
    if (err instanceof AssemblyError) throw new UsageError(err.message);
    throw err;
  }
}
