/**
 * `stevedore simulate`: runs a scenario on the local digital twin and writes `out/report.json` and `out/report.html`.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderSummary, type TwinReport } from "../../lib/twin/report.js";
import { renderReportHtml } from "../../lib/twin/report-html.js";
import { loadScenario, ScenarioError } from "../../lib/twin/scenario.js";
import { runTwin, runTwinAndKeep } from "../../lib/twin/twin.js";
import { type Command, type CommandIO, UsageError } from "./io.js";
import { simulateDeployed } from "./simulate-deployed.js";
import { keptTwinInstructions, untilInterrupted, writeKeptTwinFiles } from "./simulate-keep.js";

const HELP = `usage: stevedore simulate [scenario] [--seed N] [--chaos P] [--out DIR] [--no-cpu-charge] [--quiet] [--keep]
       stevedore simulate [scenario] --deployed [--assembly DIR] [--loop-seconds N] [--minutes N] [--out DIR]

Runs a scenario (a file, or a name under scenarios/; default: scenarios/default.yaml) on the local digital twin:
Stevedore's real controllers against a fake kube-apiserver, an AWS emulator and dynalite on a virtual clock.
Writes DIR/report.json and DIR/report.html (default DIR: out).
  --chaos P   kill each controller invocation with probability P, at a random step boundary (before or
              after one of its Kubernetes/EC2/DynamoDB calls); invariants must still hold
  --no-cpu-charge  do not charge each controller invocation's measured CPU time to the virtual clock (by default
              it is charged, so latencies include computation; without it runs repeat exactly for a seed)
  --keep      after the scenario, keep the fake kube-apiserver (HTTPS), the AWS emulator and the state table
              running with its final state, write DIR/kubeconfig and DIR/twin.env, print how to point kubectl
              and stevedore status/decisions/explain at them, and wait for Ctrl-C. The run is placed so that it
              ends now, and the twin's clock then follows the wall clock
  --deployed  run what cdk deploy ships instead: synthesize the app (or read the cloud assembly in --assembly
              DIR) and run its Lambda bundles, each in its own process, under the template's settings and IAM
              policies, against the same stand-ins on the same virtual clock, for --minutes virtual minutes
              (default: the scenario's duration); --loop-seconds sets the synthesized stack's loopSeconds (default:
              the scenario's). Exit 3 on a violated invariant, a function error or timeout, or an IAM denial
Exit codes: 0 all invariants hold, 3 an invariant was violated, 2 invalid scenario or arguments, 1 internal error.
`;

function scenarioPath(arg: string | undefined, cwd: string): string {
  if (!arg) return resolve(cwd, "scenarios/default.yaml");
  if (existsSync(resolve(cwd, arg))) return resolve(cwd, arg);
  const named = resolve(cwd, "scenarios", arg.endsWith(".yaml") ? arg : `${arg}.yaml`);
  if (existsSync(named)) return named;
  throw new UsageError(`scenario "${arg}" not found (as a file or under scenarios/)`);
}

function number(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} ${value}: must be a number from ${min} to ${max}`);
  return n;
}

/** Whether every invariant holds. */
export function invariantsHold(report: TwinReport): boolean {
  return Object.values(report.invariants).every((v) => v === 0);
}

/** Writes DIR/report.json and DIR/report.html and prints the summary. */
async function writeReport(outDir: string, report: TwinReport, io: CommandIO): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, "report.html"), renderReportHtml(report));
  io.stdout(`\n${renderSummary(report)}\n  report: ${join(outDir, "report.html")} and report.json\n`);
}

/** Runs `stevedore simulate`. */
export const run: Command = async (argv, io) => {
  try {
    const { values, positionals } = (() => {
      try {
        return parseArgs({
          args: argv,
          allowPositionals: true,
          options: {
            seed: { type: "string" },
            chaos: { type: "string" },
            out: { type: "string", default: "out" },
            quiet: { type: "boolean", default: false },
            keep: { type: "boolean", default: false },
            "no-cpu-charge": { type: "boolean", default: false },
            deployed: { type: "boolean", default: false },
            assembly: { type: "string" },
            "loop-seconds": { type: "string" },
            minutes: { type: "string" },
            help: { type: "boolean", short: "h", default: false },
          },
        });
      } catch (err) {
        throw new UsageError(`stevedore simulate: ${(err as Error).message}\n\n${HELP}`);
      }
    })();
    if (values.help) {
      io.stdout(HELP);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`one scenario at a time\n\n${HELP}`);
    const file = scenarioPath(positionals[0], io.cwd);
    const scenario = await loadScenario(file);
    const seed = number("seed", values.seed, 0, 2 ** 31);
    const chaos = number("chaos", values.chaos, 0, 1) ?? 0;
    const quiet = !!values.quiet;
    if (values.deployed) {
      return await simulateDeployed(
        {
          scenario,
          ...(values.assembly ? { assembly: values.assembly } : {}),
          loopSeconds: number("loop-seconds", values["loop-seconds"], 5, 840),
          minutes: number("minutes", values.minutes, 1, 10_000),
          out: values.out ?? "out",
          quiet,
        },
        io,
      );
    }
    if (!quiet)
      io.stderr(
        `stevedore twin: scenario "${scenario.name}" (${scenario.duration} of cluster life)${chaos > 0 ? `, chaos ${chaos}` : ""}\n`,
      );
    const options = {
      scenario,
      seed,
      chaos,
      chargeCpu: !values["no-cpu-charge"],
      onProgress: quiet ? undefined : (line: string) => io.stderr(`  ${line}\n`),
    };
    const outDir = resolve(io.cwd, values.out ?? "out");
    if (!values.keep) {
      const report = await runTwin(options);
      await writeReport(outDir, report, io);
      return invariantsHold(report) ? 0 : 3;
    }
    const kept = await runTwinAndKeep(options);
    try {
      await writeReport(outDir, kept.report, io);
      const endpoints = await writeKeptTwinFiles(outDir, kept, scenario.region);
      io.stdout(keptTwinInstructions(endpoints, io.cwd));
      await untilInterrupted();
      io.stderr("stevedore twin: stopping\n");
    } finally {
      await kept.close();
    }
    return invariantsHold(kept.report) ? 0 : 3;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ScenarioError) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
};
