/**
 * Twin benchmark: runs one scenario on the digital twin (controller CPU charged to virtual time) and reports its
 * numbers — how many pods ran, the node peak, decision and pod-running latencies, the provisioner's CPU and heap,
 * the invariants and the wall time.
 *
 *   npm run bench:twin -- [--scenario scale] [--seed N] [--no-cpu-charge] [--json] [--report FILE] [--log FILE]
 *
 * `--report` writes the whole twin report (JSON), `--log` the controllers' log lines with their virtual times.
 *
 * The npm script gives V8 a 64 MB semi-space (`--max-semi-space-size=64`): a twin run allocates whole listings of
 * thousands of objects per controller pass, and with the default young generation most of them are copied out of it
 * before they die (about a fifth less CPU on the scale scenario's first minutes).
 *
 * `--json` prints exactly one JSON line on stdout and nothing else; otherwise a short table. Progress lines go to
 * stderr. Exits 1 when a pod is
 * not running at the end or an invariant is violated, 2 on bad arguments.
 */
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { TwinReport } from "../lib/twin/report.js";
import { loadScenario } from "../lib/twin/scenario.js";
import { runTwin } from "../lib/twin/twin.js";

/** The numbers of one twin run. */
export interface TwinBenchRecord {
  scenario: string;
  pods: number;
  runningAtEnd: number;
  nodesPeak: number;
  decisionP50Ms: number;
  decisionP99Ms: number;
  podRunningP50Ms: number;
  podRunningP99Ms: number;
  provisionerCpuMsMax: number;
  provisionerHeapMbMax: number;
  /** The sum of the four invariant counts. */
  invariants: number;
  virtualMinutes: number;
  /** Virtual ms the run went on past the scenario's duration until it settled (scenarios with `settle`). */
  settleMs?: number;
  wallMs: number;
}

/** The bench record of a report. */
export function benchRecord(r: TwinReport): TwinBenchRecord {
  const nodes = (s: TwinReport["timeline"][number]) => Object.values(s.nodesByCapacityType).reduce((a, b) => a + b, 0);
  const last = r.timeline[r.timeline.length - 1];
  const provisioner = r.invocations?.provisioner;
  return {
    scenario: r.scenario,
    pods: r.pods.total,
    runningAtEnd: last?.runningPods ?? 0,
    nodesPeak: Math.max(0, ...r.timeline.map(nodes)),
    decisionP50Ms: r.latency.decisionP50Ms,
    decisionP99Ms: r.latency.decisionP99Ms,
    podRunningP50Ms: r.latency.podRunningP50Ms,
    podRunningP99Ms: r.latency.podRunningP99Ms,
    provisionerCpuMsMax: provisioner?.cpuMsMax ?? 0,
    provisionerHeapMbMax: provisioner?.heapMbMax ?? 0,
    invariants: Object.values(r.invariants).reduce((a, b) => a + b, 0),
    virtualMinutes: r.virtualMinutes,
    settleMs: r.settle?.tookMs,
    wallMs: r.wallTimeMs,
  };
}

function scenarioFile(name: string): string {
  if (existsSync(name)) return name;
  return `scenarios/${name.endsWith(".yaml") ? name : `${name}.yaml`}`;
}

async function main(): Promise<number> {
  let values: {
    scenario?: string;
    seed?: string;
    json?: boolean;
    "no-cpu-charge"?: boolean;
    report?: string;
    log?: string;
  };
  try {
    ({ values } = parseArgs({
      options: {
        scenario: { type: "string", default: "scale" },
        seed: { type: "string" },
        json: { type: "boolean", default: false },
        "no-cpu-charge": { type: "boolean", default: false },
        report: { type: "string" },
        log: { type: "string" },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const file = scenarioFile(values.scenario ?? "scale");
  if (!existsSync(file)) {
    process.stderr.write(`scenario "${values.scenario}" not found (as a file or under scenarios/)\n`);
    return 2;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  const report = await runTwin({
    scenario: await loadScenario(file),
    seed,
    chargeCpu: !values["no-cpu-charge"],
    onProgress: (line) => process.stderr.write(`  ${line}\n`),
    onLogs: values.log ? (lines) => writeFileSync(values.log as string, `${lines.join("\n")}\n`) : undefined,
  });
  if (values.report) writeFileSync(values.report, `${JSON.stringify(report, null, 1)}\n`);
  const record = benchRecord(report);
  if (values.json) process.stdout.write(`${JSON.stringify(record)}\n`);
  else for (const [k, v] of Object.entries(record)) process.stdout.write(`${k.padEnd(22)}${v}\n`);
  return record.runningAtEnd === record.pods && record.invariants === 0 ? 0 : 1;
}

process.exitCode = await main();
