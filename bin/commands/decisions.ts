/**
 * `stevedore decisions`: the decision log of the state table, newest first, filtered. Read-only.
 */
import { parseArgs } from "node:util";
import { decisionRows, decisionView, queryDecisions } from "../../lib/operator/decision-query.js";
import { InvalidSinceError, parseSince } from "../../lib/operator/since.js";
import { renderTextTable } from "../../lib/operator/text-table.js";
import { type Command, UsageError } from "./io.js";
import { openStateTable, resolveStateTableFlags, STATE_TABLE_OPTIONS, stateTableExitCode } from "./state-flags.js";

const CONTROLLERS = ["provisioner", "disruptor", "interruption", "gc"];
const DEFAULT_SINCE = "24h";
const DEFAULT_LIMIT = 50;

const HELP = `usage: stevedore decisions [--since 1h] [--controller provisioner|disruptor|interruption|gc]
                          [--node NAME] [--pod ns/name] [--limit N] [-o table|json]
                          --table T [--endpoint URL] [--region R]

The decision log, newest first (default: the last ${DEFAULT_SINCE}, at most ${DEFAULT_LIMIT}).
  --since     a duration (30m, 1h, 2d) or an ISO time
  --node      a node name, claim id or instance id; matches the node's claim and instance too
  --pod       a pod key namespace/name; launch, replace, delete and unregistered-terminate decisions record the pods
              they were made for; reject, abandon, interruption and gc decisions do not, so they never match
Exit codes: 0 ok, 2 invalid option or missing table, 1 internal error.
`;

interface DecisionsArgs {
  since: string;
  controller?: string;
  node?: string;
  pod?: string;
  limit: number;
  output: "table" | "json";
  table?: string;
  endpoint?: string;
  region?: string;
  stack?: string;
  help: boolean;
}

function parseDecisionsArgs(argv: string[]): DecisionsArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        since: { type: "string", default: DEFAULT_SINCE },
        controller: { type: "string" },
        node: { type: "string" },
        pod: { type: "string" },
        limit: { type: "string" },
        output: { type: "string", short: "o", default: "table" },
        help: { type: "boolean", short: "h", default: false },
        ...STATE_TABLE_OPTIONS,
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const output = values.output as string;
  if (output !== "table" && output !== "json") throw new UsageError(`-o ${output}: must be one of table, json`);
  const controller = values.controller as string | undefined;
  if (controller !== undefined && !CONTROLLERS.includes(controller)) {
    throw new UsageError(`--controller ${controller}: must be one of ${CONTROLLERS.join(", ")}`);
  }
  const pod = values.pod as string | undefined;
  if (pod !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(pod)) throw new UsageError(`--pod ${pod}: expected ns/name`);
  const limitText = (values.limit as string | undefined) ?? String(DEFAULT_LIMIT);
  if (!/^\d+$/.test(limitText) || Number(limitText) < 1) {
    throw new UsageError(`--limit ${limitText}: must be a positive integer`);
  }
  return { ...(values as Partial<DecisionsArgs>), output, limit: Number(limitText) } as DecisionsArgs;
}

/** Runs `stevedore decisions`. */
export const run: Command = async (argv, io) => {
  try {
    const args = parseDecisionsArgs(argv);
    if (args.help) {
      io.stdout(HELP);
      return 0;
    }
    const now = Date.now();
    const since = parseSince(args.since, now);
    const { store, reader } = openStateTable(await resolveStateTableFlags(args, io.env), io.env);
    const claims = args.node === undefined ? [] : await store.listClaims({ includeTerminated: true });
    const decisions = await queryDecisions(reader, {
      since,
      until: now + 24 * 60 * 60 * 1000,
      filter: { controller: args.controller, node: args.node, pod: args.pod },
      limit: args.limit,
      claims,
    });
    if (args.output === "json") io.stdout(`${JSON.stringify(decisions.map(decisionView), null, 2)}\n`);
    else if (decisions.length === 0) io.stdout("no decisions match\n");
    else io.stdout(renderTextTable(decisionRows(decisions)));
    return 0;
  } catch (err) {
    const code = err instanceof UsageError || err instanceof InvalidSinceError ? 2 : stateTableExitCode(err);
    if (code === undefined) throw err;
    io.stderr(`stevedore decisions: ${(err as Error).message}\n`);
    return code;
  }
};
