/**
 * `stevedore explain node <name>`: why a node was launched and why no disruption method takes it away now, from the
 * live cluster (`--kubeconfig`) and the state table (claims, the configuration in force, the decision log). Read-only.
 */
import { parseArgs } from "node:util";
import { ConfigValidationError, loadInputs, type StevedoreConfig } from "../../lib/api/index.js";
import { EksClusterNotFoundError } from "../../lib/cluster/eks-cluster.js";
import { createKubeconfigClusterClient, KubeconfigError } from "../../lib/cluster/kubeconfig.js";
import type { ClusterClient } from "../../lib/cluster/types.js";
import { applyUnavailable } from "../../lib/controllers/snapshot.js";
import { explainNode, renderNodeExplanation } from "../../lib/operator/explain-node.js";
import { poolInputs } from "../../lib/plan/plan-input.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import type { InstanceType } from "../../lib/scheduling/types.js";
import { loadEffectiveConfig } from "../../lib/state/config-source.js";
import type { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import type { StateReader } from "../../lib/state/state-reader.js";
import type { DecisionRecord } from "../../lib/state/types.js";
import { type ClusterView, ViewIndex } from "../../lib/view/cluster-view.js";
import { headroomPods, minNodesPods } from "../../lib/view/headroom.js";
import { type CommandIO, UsageError } from "./io.js";
import { stackClusterClient } from "./stack-outputs.js";
import {
  openStateTable,
  resolveStateTableFlags,
  STATE_TABLE_OPTIONS,
  type StateTableFlags,
  stateTableExitCode,
} from "./state-flags.js";

/** Help text of `explain node`. */
export const EXPLAIN_NODE_HELP = `usage: stevedore explain node <name> --kubeconfig <path> [--context c] [-f <config files>...]
                              [--table T [--endpoint URL] | --stack S] [--region R] [-o table|json]
       stevedore explain node <name> --stack S     (the table and the EKS cluster from the stack's outputs)

Why a node was launched (its claim and the launch decision: which pods, which options) and, for each disruption
method, why it does not take the node away now: emptiness, expiration, drift, consolidation (budgets, PDBs,
do-not-disrupt, consolidateAfter not reached, no cheaper replacement). The configuration is the one in force in the
state table (or -f files); instance types come from the built-in catalog of --region. Drift reported by the cloud
(AMI, subnets, security groups) is not checked. <name> may also be a claim id or an instance id.
Exit codes: 0 explained, 2 unknown node, missing table or invalid option, 1 internal error.
`;

const OPTIONS = {
  file: { type: "string", short: "f", multiple: true },
  kubeconfig: { type: "string" },
  context: { type: "string" },
  output: { type: "string", short: "o", default: "table" },
  help: { type: "boolean", short: "h", default: false },
  ...STATE_TABLE_OPTIONS,
} as const;

interface ExplainNodeArgs {
  name: string;
  files: string[];
  kubeconfig?: string;
  context?: string;
  output: string;
  table?: string;
  endpoint?: string;
  region?: string;
  stack?: string;
  help: boolean;
}

function parseExplainNodeArgs(argv: string[]): ExplainNodeArgs {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new UsageError(`stevedore explain node: ${(err as Error).message}`);
  }
  const { values, positionals } = parsed;
  const [, name, ...extra] = positionals;
  if (!values.help && (!name || extra.length > 0)) {
    throw new UsageError("stevedore explain node: expected `node <name>` (see stevedore explain node --help)");
  }
  return {
    ...values,
    name: name ?? "",
    files: values.file ?? [],
    output: values.output ?? "table",
    help: !!values.help,
  };
}

async function configInForce(args: ExplainNodeArgs, store: DynamoStateStore, env: CommandIO["env"]) {
  if (args.files.length > 0) return (await loadInputs(args.files, { env, implicitNodeClasses: true })).config;
  const effective = await loadEffectiveConfig({ store, env });
  return effective.config;
}

/** Instance types per pool from the built-in catalog, with the offerings the table marks unavailable. */
async function instanceTypesOf(config: StevedoreConfig, region: string, store: DynamoStateStore, now: number) {
  const unavailable = await store.listUnavailableOfferings(now);
  const out = new Map<string, InstanceType[]>();
  for (const input of poolInputs(config.nodePools, config.nodeClasses, { kind: "builtin", region })) {
    out.set(input.pool.name, applyUnavailable(input.instanceTypes, unavailable));
  }
  return out;
}

/** The decisions logged around a claim's creation (its launch is logged once the instance is launched). */
async function decisionsAround(reader: StateReader, createdAt: number, now: number): Promise<DecisionRecord[]> {
  const out: DecisionRecord[] = [];
  const until = Math.min(now, createdAt + 15 * 60_000);
  for await (const d of reader.decisionsNewestFirst(createdAt - 60_000, until)) out.push(d);
  return out;
}

/** The cluster: `--kubeconfig`, else the EKS cluster of `--stack`. */
async function clusterOf(args: ExplainNodeArgs, flags: StateTableFlags, env: CommandIO["env"]): Promise<ClusterClient> {
  if (args.kubeconfig) return createKubeconfigClusterClient({ path: args.kubeconfig, context: args.context });
  const clusterName = flags.stack?.clusterName;
  if (clusterName) return stackClusterClient(clusterName, flags.region, env);
  throw new UsageError("stevedore explain node: give --kubeconfig (or --stack with a ClusterName output)");
}

/** Runs `stevedore explain node`; `argv` starts with `node`. */
export async function runExplainNode(argv: string[], io: CommandIO): Promise<number> {
  try {
    const args = parseExplainNodeArgs(argv);
    if (args.help) {
      io.stdout(EXPLAIN_NODE_HELP);
      return 0;
    }
    if (args.output !== "table" && args.output !== "json") {
      throw new UsageError(`-o ${args.output}: must be one of table, json`);
    }
    const flags = await resolveStateTableFlags(args, io.env);
    const { store, reader } = openStateTable(flags, io.env);
    const cluster = await clusterOf(args, flags, io.env);
    const now = Date.now();
    const [nodes, pods, daemonSets, pdbs, claims, config] = await Promise.all([
      cluster.listNodes(),
      cluster.listPods(),
      cluster.listDaemonSets(),
      cluster.listPodDisruptionBudgets(),
      store.listClaims(),
      configInForce(args, store, io.env),
    ]);
    const instanceTypes = await instanceTypesOf(config, flags.region, store, now);
    const pools = config.nodePools.filter((p) => instanceTypes.has(p.name));
    const view: ClusterView = {
      now,
      pools,
      nodeClasses: config.nodeClasses,
      instanceTypes,
      claims: claims.filter((c) => c.state !== "Terminated"),
      nodes,
      pods,
      daemonSets,
      pdbs,
      headroomPods: headroomPods(pools),
      virtualPods: [...headroomPods(pools), ...minNodesPods(pools)],
    };
    const claim = claims.find((c) => c.nodeName === args.name || c.id === args.name || c.instanceId === args.name);
    const decisions = claim ? await decisionsAround(reader, claim.createdAt, now) : [];
    const x = explainNode(new ViewIndex(view), args.name, decisions, solve);
    if (!x) throw new UsageError(`node "${args.name}" not found: no Node and no Stevedore claim has that name`);
    io.stdout(args.output === "json" ? `${JSON.stringify(x, null, 2)}\n` : renderNodeExplanation(x));
    return 0;
  } catch (err) {
    const user =
      err instanceof UsageError ||
      err instanceof KubeconfigError ||
      err instanceof ConfigValidationError ||
      err instanceof EksClusterNotFoundError;
    const code = user ? 2 : stateTableExitCode(err);
    if (code === undefined) throw err;
    io.stderr(`${(err as Error).message}\n`);
    return code;
  }
}
