/**
 * `stevedore plan`: the packing core as a command (output contract in README "Contracts"). Read-only.
 */
import { readFile } from "node:fs/promises";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { stringify as toYaml } from "yaml";
import { ConfigValidationError, type LoadedInputs, loadInputs } from "../../lib/api/index.js";
import type { MinValuesPolicy } from "../../lib/api/model.js";
import { createKubeconfigClusterClient, KubeconfigError } from "../../lib/cluster/kubeconfig.js";
import { isProvisionable } from "../../lib/core/pods.js";
import { toPlanDocument } from "../../lib/plan/plan-document.js";
import { type CatalogSource, planSolveInput } from "../../lib/plan/plan-input.js";
import { solveWithStaticPools } from "../../lib/plan/plan-static.js";
import { renderPlanTable } from "../../lib/plan/plan-table.js";
import { lowerBound } from "../../lib/scheduling/bound/lower-bound.js";
import { CatalogFileError } from "../../lib/scheduling/catalog/catalog-file.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import { type Command, type CommandIO, UsageError } from "./io.js";

const HELP = `usage: stevedore plan -f <file|dir>... [--catalog catalog.json] [--region us-east-1] [-o table|json|yaml] [--bound]
                     [--min-values-policy Strict|BestEffort]
       stevedore plan --kubeconfig <path> [--context c] -f <config files>...

Plans new nodes for pending pods. Inputs: Pods, Deployments, StatefulSets, ReplicaSets, Jobs, DaemonSets, Nodes,
PodDisruptionBudgets and Provisioner/AWSNodeTemplate/NodePool/EC2NodeClass documents (YAML or JSON).
With --kubeconfig, pending pods, nodes, bound pods, DaemonSets and PDBs are read (read-only) from the cluster.
Static NodePools (spec.replicas) show their nodes whatever the pods. A node whose instance-type options cannot meet
a requirement's minValues is refused (Strict, the default) or planned with fewer (BestEffort, marked in OPTIONS).
Exit codes: 0 planned (unschedulable pods are listed), 2 invalid input, 1 internal error.
`;

/** What `plan` reads from its arguments (`explain` takes the same plus its target). */
export interface PlanArgs {
  files: string[];
  catalog?: string;
  region?: string;
  output: string;
  bound: boolean;
  kubeconfig?: string;
  context?: string;
  help: boolean;
  /** What to do when a node's options cannot meet a pool's `minValues` (`plan` only). @default "Strict" */
  minValuesPolicy?: MinValuesPolicy;
}

/** The options `plan` takes, shared with `explain` (same inputs): files, catalog, region, output, bound, cluster. */
export const PLAN_INPUT_OPTIONS = {
  file: { type: "string", short: "f", multiple: true },
  catalog: { type: "string" },
  region: { type: "string" },
  output: { type: "string", short: "o", default: "table" },
  bound: { type: "boolean", default: false },
  kubeconfig: { type: "string" },
  context: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsConfig["options"];

function parsePlanArgs(argv: string[]): PlanArgs {
  try {
    const { values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: { ...PLAN_INPUT_OPTIONS, "min-values-policy": { type: "string", default: "Strict" } },
    });
    const { "min-values-policy": policy, ...rest } = values;
    if (policy !== "Strict" && policy !== "BestEffort") {
      throw new Error(`--min-values-policy ${policy}: must be Strict or BestEffort`);
    }
    return {
      ...rest,
      minValuesPolicy: policy,
      files: values.file ?? [],
      output: values.output ?? "table",
      bound: !!values.bound,
      help: !!values.help,
    };
  } catch (err) {
    throw new UsageError(`stevedore plan: ${(err as Error).message}\n\n${HELP}`);
  }
}

/** Runs `stevedore plan`. */
export const run: Command = async (argv, io) => {
  try {
    const args = parsePlanArgs(argv);
    if (args.help) {
      io.stdout(HELP);
      return 0;
    }
    if (!["table", "json", "yaml"].includes(args.output)) {
      throw new UsageError(`-o ${args.output}: must be one of table, json, yaml`);
    }
    if (args.files.length === 0 && !args.kubeconfig) {
      throw new UsageError(`nothing to plan: give -f <file|dir> (or --kubeconfig)\n\n${HELP}`);
    }
    const region = args.region ?? io.env.AWS_REGION ?? "us-east-1";
    const inputs = await loadInputs(args.files, { env: io.env, implicitNodeClasses: true });
    if (args.kubeconfig) await mergeLiveCluster(inputs, args.kubeconfig, args.context);
    const catalog: CatalogSource = args.catalog
      ? { kind: "file", file: args.catalog, json: await readCatalogJson(args.catalog), region }
      : { kind: "builtin", region };
    const planned = planSolveInput(inputs, catalog);
    const solveInput = { ...planned.solveInput, minValuesPolicy: args.minValuesPolicy };
    const started = performance.now();
    const { result, dynamicInput, warnings: staticWarnings } = solveWithStaticPools(solveInput, solve);
    const durationMs = performance.now() - started;
    const bound = args.bound ? (await lowerBound(dynamicInput)).costPerHour : undefined;
    const warnings = [...planned.warnings, ...staticWarnings];
    const plan = toPlanDocument({
      region,
      result,
      podCount: solveInput.pods.length,
      durationMs,
      lowerBoundPerHour: bound,
      warnings: [...inputs.warnings, ...warnings],
    });
    write(io, args.output, plan);
    return 0;
  } catch (err) {
    if (isUserError(err)) {
      io.stderr(`${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
};

function write(io: CommandIO, output: string, plan: ReturnType<typeof toPlanDocument>): void {
  if (output === "json") io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
  else if (output === "yaml") io.stdout(toYaml(plan));
  else io.stdout(renderPlanTable(plan));
}

function isUserError(err: unknown): boolean {
  return (
    err instanceof ConfigValidationError ||
    err instanceof UsageError ||
    err instanceof CatalogFileError ||
    err instanceof KubeconfigError
  );
}

export async function readCatalogJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new UsageError(`--catalog ${file}: cannot read the file`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** Adds the live cluster's pending pods, nodes, bound pods, DaemonSets and PDBs to the file inputs (read-only). */
export async function mergeLiveCluster(inputs: LoadedInputs, kubeconfig: string, context?: string): Promise<void> {
  const client = createKubeconfigClusterClient({ path: kubeconfig, context });
  const [pods, nodes, daemonSets, pdbs] = await Promise.all([
    client.listPods(),
    client.listNodes(),
    client.listDaemonSets(),
    client.listPodDisruptionBudgets(),
  ]);
  inputs.pendingPods.push(...pods.filter(isProvisionable));
  inputs.boundPods.push(...pods.filter((p) => p.spec.nodeName));
  inputs.nodes.push(...nodes);
  inputs.daemonSets.push(...daemonSets);
  inputs.pdbs.push(...pdbs);
}
