/**
 * `stevedore explain pod ns/name`: why a pod is pending and where the plan would put it, from the same inputs as
 * `stevedore plan` (files, or the live cluster with `--kubeconfig`). Read-only.
 */
import { parseArgs } from "node:util";
import { ConfigValidationError, type LoadedInputs, loadInputs } from "../../lib/api/index.js";
import { KubeconfigError } from "../../lib/cluster/kubeconfig.js";
import type { Pod } from "../../lib/core/kube-objects.js";
import { podKey } from "../../lib/operator/explain-placement.js";
import { explainPod, renderExplanation } from "../../lib/operator/explain-pod.js";
import { type CatalogSource, planSolveInput } from "../../lib/plan/plan-input.js";
import { lowerBound } from "../../lib/scheduling/bound/lower-bound.js";
import { CatalogFileError } from "../../lib/scheduling/catalog/catalog-file.js";
import { EXPLAIN_NODE_HELP, runExplainNode } from "./explain-node.js";
import { type Command, type CommandIO, UsageError } from "./io.js";
import { mergeLiveCluster, PLAN_INPUT_OPTIONS, type PlanArgs, readCatalogJson } from "./plan.js";
import { STATE_TABLE_OPTIONS } from "./state-flags.js";

const HELP = `usage: stevedore explain -f <file|dir>... pod ns/name [--bound] [--catalog c.json] [--region r] [-o table|json]
       stevedore explain --kubeconfig <path> [--context c] -f <config files>... pod ns/name

Why a pod is pending: per NodePool, the first thing that keeps it off (a taint it does not tolerate, a requirement,
its size against the largest allocatable on offer, a limit); then where the plan puts it (a new node, with the
cheaper instance types passed over and why, or an existing node). Inputs as for \`stevedore plan\`.
--bound adds the plan's gap to the LP lower bound. Exit codes: 0 explained, 2 invalid input or unknown pod, 1 internal error.

${EXPLAIN_NODE_HELP}`;

interface ExplainArgs extends PlanArgs {
  /** `ns/name` of the pod (or workload) to explain. */
  target: string;
}

function parseExplainArgs(argv: string[]): ExplainArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: PLAN_INPUT_OPTIONS,
    });
  } catch (err) {
    throw new UsageError(`stevedore explain: ${(err as Error).message}`);
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const [kind, target, ...extra] = parsed.positionals;
  if (!v.help && (kind !== "pod" || !target || extra.length > 0)) {
    throw new UsageError("stevedore explain: expected `pod ns/name` (see stevedore explain --help)");
  }
  return {
    files: (v.file as string[] | undefined) ?? [],
    target: target ?? "",
    catalog: v.catalog as string | undefined,
    region: v.region as string | undefined,
    output: (v.output as string | undefined) ?? "table",
    bound: v.bound === true,
    kubeconfig: v.kubeconfig as string | undefined,
    context: v.context as string | undefined,
    help: v.help === true,
  };
}

/**
 * The pod named `ns/name` (or `name` in `default`); for a workload's name (`shop/web`), its first pending pod.
 * Throws a one-line error when there is none.
 */
function findPod(inputs: LoadedInputs, target: string): { pending?: Pod; bound?: Pod; note?: string } {
  const key = target.includes("/") ? target : `default/${target}`;
  const pending = inputs.pendingPods.find((p) => podKey(p) === key);
  if (pending) return { pending };
  const bound = inputs.boundPods.find((p) => podKey(p) === key);
  if (bound) return { bound };
  const family = inputs.pendingPods.filter((p) => podKey(p).startsWith(`${key}-`));
  if (family.length > 0) {
    const note = `(${key} names ${family.length} pending pod${family.length === 1 ? "" : "s"}; explaining the first)\n`;
    return { pending: family[0], note };
  }
  throw new UsageError(`pod "${key}" not found among the ${inputs.pendingPods.length} pending pods of the inputs`);
}

async function explain(args: ExplainArgs, io: CommandIO): Promise<number> {
  if (!["table", "json"].includes(args.output)) throw new UsageError(`-o ${args.output}: must be one of table, json`);
  if (args.files.length === 0 && !args.kubeconfig) {
    throw new UsageError("nothing to explain from: give -f <file|dir> (or --kubeconfig with -f <config files>)");
  }
  const region = args.region ?? io.env.AWS_REGION ?? "us-east-1";
  const inputs = await loadInputs(args.files, { env: io.env, implicitNodeClasses: true });
  if (args.kubeconfig) await mergeLiveCluster(inputs, args.kubeconfig, args.context);
  const { pending, bound, note } = findPod(inputs, args.target);
  if (!pending) {
    io.stdout(`Pod ${podKey(bound as Pod)} is bound to node ${(bound as Pod).spec.nodeName}; it is not pending.\n`);
    return 0;
  }
  const catalog: CatalogSource = args.catalog
    ? { kind: "file", file: args.catalog, json: await readCatalogJson(args.catalog), region }
    : { kind: "builtin", region };
  const { solveInput } = planSolveInput(inputs, catalog);
  const lowerBoundPerHour = args.bound ? (await lowerBound(solveInput)).costPerHour : undefined;
  const explanation = explainPod(solveInput, pending, lowerBoundPerHour);
  if (note && args.output !== "json") io.stdout(note);
  io.stdout(args.output === "json" ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation));
  return 0;
}

/** Whether the first positional argument is `node` (options of either form may come before it). */
function explainsNode(argv: string[]): boolean {
  const options = { ...PLAN_INPUT_OPTIONS, ...STATE_TABLE_OPTIONS };
  return parseArgs({ args: argv, allowPositionals: true, strict: false, options }).positionals[0] === "node";
}

/** Runs `stevedore explain`. */
export const run: Command = async (argv, io) => {
  if (explainsNode(argv)) return runExplainNode(argv, io);
  try {
    const args = parseExplainArgs(argv);
    if (args.help) {
      io.stdout(HELP);
      return 0;
    }
    return await explain(args, io);
  } catch (err) {
    if (
      err instanceof UsageError ||
      err instanceof ConfigValidationError ||
      err instanceof CatalogFileError ||
      err instanceof KubeconfigError
    ) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
};
