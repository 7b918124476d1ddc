/**
 * `stevedore cost`: the controller's own monthly bill, itemized, from the synthesized stack (in process, no AWS
 * access, in the `--reaction` and `--observability` asked for, or `--assembly DIR`) and stated cluster assumptions,
 * at the shipped price table or `--prices FILE`; `--modes` compares the reaction modes' totals.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { billFootnotes, billRows } from "../../lib/cost/bill-rows.js";
import { type ControllerBill, cents, computeBill } from "../../lib/cost/controller-bill.js";
import { COMPARED_MODES, type ModeBill, modeComparisonMarkdown } from "../../lib/cost/mode-comparison.js";
import { assumedUsage, type ClusterAssumptions, DEFAULT_ASSUMPTIONS } from "../../lib/cost/monthly-usage.js";
import { DEFAULT_PRICES, type PriceTable, PriceTableError, parsePriceTable } from "../../lib/cost/price-table.js";
import { inventoryFromTemplate, type ReactionMode, type StackInventory } from "../../lib/cost/stack-inventory.js";
import { OBSERVABILITY_MODES, type ObservabilityMode } from "../../lib/infra/metrics-names.js";
import { renderTextTable } from "../../lib/operator/text-table.js";
import { AssemblyError, readAssembly, synthesizeAssembly } from "../../lib/twin/deployed/assembly.js";
import { type Command, UsageError } from "./io.js";

const REACTION_MODES: readonly ReactionMode[] = ["seconds", "minute"];

const HELP = `usage: stevedore cost [--assembly DIR | --reaction seconds|minute [--observability full|lean] | --modes]
                     [--prices FILE] [-o table|json] [--nodes N] [--pods N] [--churn-per-hour N] [--pools N]
                     [--cluster NAME] [--region R]

The controller's own monthly bill (Lambda, DynamoDB, SQS, EventBridge, CloudWatch), itemized.
  --assembly        a cloud assembly (cdk.out) to read; default: synthesize the default stack in process
  --reaction        the synthesized stack's reaction: seconds (default; a watcher) or minute (schedules only)
  --observability   the synthesized stack's observability: lean (default) or full (dashboard, every alarm and metric)
  --modes           the totals of each reaction mode side by side (a Markdown table; -o json for the bills)
  --prices          a price table (JSON, the shape of lib/cost/price-table.ts); default: ${DEFAULT_PRICES.region} list prices of ${DEFAULT_PRICES.date}
  --nodes           nodes Stevedore manages (default ${DEFAULT_ASSUMPTIONS.nodes})
  --pods            pods in the cluster (default ${DEFAULT_ASSUMPTIONS.pods})
  --churn-per-hour  nodes launched (and later terminated) per hour (default ${DEFAULT_ASSUMPTIONS.churnPerHour})
  --pools           NodePools (default ${DEFAULT_ASSUMPTIONS.pools})
  --cluster, --region  settings of the synthesized stack (default demo, us-east-1)
Exit codes: 0 ok, 2 invalid option, price file or assembly, 1 internal error.
`;

interface CostArgs {
  assembly?: string;
  reaction?: ReactionMode;
  observability?: ObservabilityMode;
  modes: boolean;
  prices?: string;
  output: "table" | "json";
  assumptions: ClusterAssumptions;
  cluster: string;
  region: string;
  help: boolean;
}

function count(values: Record<string, unknown>, flag: string, fallback: number): number {
  const text = values[flag] as string | undefined;
  if (text === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--${flag} ${text}: must be a number >= 0`);
  return Number(text);
}

function parseCostArgs(argv: string[]): CostArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        assembly: { type: "string" },
        reaction: { type: "string" },
        observability: { type: "string" },
        modes: { type: "boolean", default: false },
        prices: { type: "string" },
        output: { type: "string", short: "o", default: "table" },
        nodes: { type: "string" },
        pods: { type: "string" },
        "churn-per-hour": { type: "string" },
        pools: { type: "string" },
        cluster: { type: "string", default: "demo" },
        region: { type: "string", default: "us-east-1" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const output = values.output as string;
  if (output !== "table" && output !== "json") throw new UsageError(`-o ${output}: must be one of table, json`);
  const d = DEFAULT_ASSUMPTIONS;
  return {
    ...(values.assembly ? { assembly: values.assembly as string } : {}),
    ...stackModes(values),
    ...(values.prices ? { prices: values.prices as string } : {}),
    output,
    assumptions: {
      nodes: count(values, "nodes", d.nodes),
      pods: count(values, "pods", d.pods),
      churnPerHour: count(values, "churn-per-hour", d.churnPerHour),
      pools: count(values, "pools", d.pools),
    },
    cluster: values.cluster as string,
    region: values.region as string,
    help: values.help === true,
  };
}

function oneOf<T extends string>(values: Record<string, unknown>, flag: string, allowed: readonly T[]): T | undefined {
  const v = values[flag] as string | undefined;
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${flag} ${v}: must be one of ${allowed.join(", ")}`);
  }
  return v as T;
}

/** `--reaction`, `--observability` and `--modes`, which describe the stack to synthesize. */
function stackModes(values: Record<string, unknown>): Pick<CostArgs, "reaction" | "observability" | "modes"> {
  const reaction = oneOf(values, "reaction", REACTION_MODES);
  const observability = oneOf(values, "observability", OBSERVABILITY_MODES);
  const modes = values.modes === true;
  const synthFlags = [reaction && "--reaction", observability && "--observability", modes && "--modes"].filter(Boolean);
  if (values.assembly && synthFlags.length > 0) {
    throw new UsageError(`${synthFlags.join(", ")}: describe the synthesized stack; not with --assembly`);
  }
  if (modes && (reaction || observability)) {
    throw new UsageError("--modes compares every mode; not with --reaction or --observability");
  }
  return { ...(reaction ? { reaction } : {}), ...(observability ? { observability } : {}), modes };
}

/** The settings of the stack to synthesize. */
function stackSettings(args: CostArgs, reaction = args.reaction, observability = args.observability) {
  return {
    clusterName: args.cluster,
    region: args.region,
    ...(reaction ? { reaction } : {}),
    ...(observability ? { observability } : {}),
  };
}

/** Each compared mode's bill of the synthesized default stack. */
async function modeBills(args: CostArgs, prices: PriceTable): Promise<ModeBill[]> {
  const out: ModeBill[] = [];
  for (const m of COMPARED_MODES) {
    const dir = await synthesizeAssembly({ settings: stackSettings(args, m.reaction, m.observability), bundle: false });
    const inventory = inventoryFromTemplate(readAssembly(dir).template);
    out.push({ ...m, bill: computeBill(inventory, assumedUsage(inventory, args.assumptions), prices) });
  }
  return out;
}

function loadPrices(path: string | undefined, cwd: string): PriceTable {
  if (path === undefined) return DEFAULT_PRICES;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(resolve(cwd, path), "utf8"));
  } catch (err) {
    throw new PriceTableError(path, "(file)", `cannot be read as JSON: ${(err as Error).message}`);
  }
  return parsePriceTable(doc, path);
}

/** The bill as the table output prints it: the assumptions and modes, the itemized table, the footnotes. */
export function billText(bill: ControllerBill, inventory: StackInventory, a: ClusterAssumptions): string {
  const modes = `reaction ${inventory.reaction ?? "(none: the provisioner loops)"}, observability ${inventory.observability}`;
  return (
    `Stevedore's own bill per month: ${a.nodes} nodes, ${a.pods} pods, ${a.churnPerHour} node launches/hour, ${a.pools} pools; ${modes}\n\n` +
    renderTextTable(billRows(bill)) +
    `\n${billFootnotes(bill).join("\n")}\n`
  );
}

/** Runs `stevedore cost`. */
export const run: Command = async (argv, io) => {
  try {
    const args = parseCostArgs(argv);
    if (args.help) {
      io.stdout(HELP);
      return 0;
    }
    const prices = loadPrices(args.prices, io.cwd);
    if (args.modes) {
      const bills = await modeBills(args, prices);
      io.stdout(
        args.output === "json"
          ? `${JSON.stringify({ assumptions: args.assumptions, modes: bills }, null, 2)}\n`
          : `${modeComparisonMarkdown(bills)}\n`,
      );
      return 0;
    }
    const dir = args.assembly
      ? resolve(io.cwd, args.assembly)
      : await synthesizeAssembly({ settings: stackSettings(args), bundle: false });
    const inventory = inventoryFromTemplate(readAssembly(dir).template);
    const bill = computeBill(inventory, assumedUsage(inventory, args.assumptions), prices);
    if (args.output === "json") {
      io.stdout(
        `${JSON.stringify({ ...bill, assumptions: args.assumptions, monthlyUsdRounded: cents(bill.monthlyUsd) }, null, 2)}\n`,
      );
    } else {
      io.stdout(billText(bill, inventory, args.assumptions));
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`stevedore cost: ${err.message}\n\n${HELP}`);
      return 2;
    }
    if (err instanceof PriceTableError || err instanceof AssemblyError) {
      io.stderr(`stevedore cost: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
};
