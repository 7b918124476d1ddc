/**
 * `stevedore status`: pools, claims, limits, cost, leases, unavailable offerings, disruption budgets and each
 * controller's last activity, from the state table (and the cluster's Nodes with `--kubeconfig`). Read-only.
 */
import { parseArgs } from "node:util";
import { builtinInstanceTypes } from "../../lib/cloud/aws/builtin-catalog.js";
import { EksClusterNotFoundError } from "../../lib/cluster/eks-cluster.js";
import { createKubeconfigClusterClient, KubeconfigError } from "../../lib/cluster/kubeconfig.js";
import type { Node } from "../../lib/core/kube-objects.js";
import type { Resources } from "../../lib/core/quantity.js";
import { buildStatusReport } from "../../lib/operator/status-report.js";
import { renderStatusTable } from "../../lib/operator/status-table.js";
import { type Command, type CommandIO, UsageError } from "./io.js";
import { stackClusterClient } from "./stack-outputs.js";
import {
  openStateTable,
  resolveStateTableFlags,
  STATE_TABLE_OPTIONS,
  type StateTableFlags,
  stateTableExitCode,
} from "./state-flags.js";

const HELP = `usage: stevedore status [-o table|json] --table T [--endpoint URL] [--region R]
                       [--kubeconfig F [--context C]]
       stevedore status [-o table|json] --stack S [--region R] [--kubeconfig F [--context C]]

Per pool: nodes, claims by state, limits used of total, $/hour and how many nodes the disruption budgets let go now;
then every budget and whether it is in force, the controllers' leases, the offerings marked unavailable, and each
controller's last decision. Limits count a claim's Node capacity when --kubeconfig is given, else its instance
type's capacity in the built-in catalog of --region. --stack reads the table and the EKS cluster from a deployed
stack's outputs (StateTableName, ClusterName) and reads the cluster's Nodes through EKS unless --kubeconfig is given.
Exit codes: 0 ok, 2 invalid option, missing table or stack, or unusable kubeconfig, 1 internal error.
`;

interface StatusArgs {
  output: string;
  table?: string;
  endpoint?: string;
  region?: string;
  stack?: string;
  kubeconfig?: string;
  context?: string;
  help: boolean;
}

function parseStatusArgs(argv: string[]): StatusArgs {
  try {
    const { values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        output: { type: "string", short: "o", default: "table" },
        kubeconfig: { type: "string" },
        context: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
        ...STATE_TABLE_OPTIONS,
      },
    });
    return { ...values, output: values.output ?? "table", help: !!values.help };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Instance type → capacity from the built-in catalog, built on first use. */
function builtinCapacities(region: string): (instanceType: string) => Resources | undefined {
  let byName: Map<string, Resources> | undefined;
  return (instanceType) => {
    byName ??= new Map(builtinInstanceTypes({ region }).map((t) => [t.name, t.capacity]));
    return byName.get(instanceType);
  };
}

async function clusterNodes(
  args: StatusArgs,
  flags: StateTableFlags,
  env: CommandIO["env"],
): Promise<Node[] | undefined> {
  if (!args.kubeconfig) {
    if (args.context) throw new UsageError("--context needs --kubeconfig");
    const clusterName = flags.stack?.clusterName;
    return clusterName ? (await stackClusterClient(clusterName, flags.region, env)).listNodes() : undefined;
  }
  return createKubeconfigClusterClient({ path: args.kubeconfig, context: args.context }).listNodes();
}

/** Runs `stevedore status`. */
export const run: Command = async (argv, io) => {
  try {
    const args = parseStatusArgs(argv);
    if (args.help) {
      io.stdout(HELP);
      return 0;
    }
    if (args.output !== "table" && args.output !== "json") {
      throw new UsageError(`-o ${args.output}: must be one of table, json`);
    }
    const flags = await resolveStateTableFlags(args, io.env);
    const { store, reader } = openStateTable(flags, io.env);
    const report = await buildStatusReport({
      store,
      reader,
      nodes: await clusterNodes(args, flags, io.env),
      capacityOf: builtinCapacities(flags.region),
      env: io.env,
      now: Date.now(),
    });
    if (args.output === "json") io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout(renderStatusTable(report));
    return 0;
  } catch (err) {
    const user = err instanceof UsageError || err instanceof KubeconfigError || err instanceof EksClusterNotFoundError;
    const code = user ? 2 : stateTableExitCode(err);
    if (code === undefined) throw err;
    io.stderr(`stevedore status: ${(err as Error).message}\n`);
    return code;
  }
};
