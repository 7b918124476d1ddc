/**
 * `stevedore config validate|apply|get|list|delete`: manage the provisioner configuration kept in the state table.
 *
 * ```
 * stevedore config validate -f <file|dir>...
 * stevedore config apply    -f <file|dir>... [--create-table]
 * stevedore config get      KIND NAME [-o yaml|json|table]
 * stevedore config list     [KIND] [-o table|json|yaml]
 * stevedore config delete   KIND NAME
 *   --endpoint URL   DynamoDB endpoint (env STEVEDORE_DYNAMODB_ENDPOINT), e.g. http://127.0.0.1:4567
 *   --table NAME     state table (env STEVEDORE_TABLE, default stevedore-state)
 *   --region R       (env AWS_REGION, default us-east-1)
 * ```
 * KIND: provisioner | nodepool | awsnodetemplate | ec2nodeclass (plural and short forms too); Provisioner and
 * NodePool share one namespace of names, as do AWSNodeTemplate and EC2NodeClass. Exit codes: 0 ok, 1 failure
 * (store unreachable, not found, conflict), 2 invalid input (every problem on stderr with file, object and field
 * path; nothing is written).
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import {
  ConfigValidationError,
  checkConfig,
  describeObject,
  formatIssue,
  listInputFiles,
  type NodeClass,
  type NodePool,
  nodeClassRefPath,
  parseConfigDocuments,
  type ValidationIssue,
} from "../../lib/api/index.js";
import { createDynamoClient } from "../../lib/state/clients.js";
import {
  KIND_ARGUMENT_NAMES,
  type SplitDocument,
  splitConfigDocuments,
  storedKindOfArgument,
  writtenKindOf,
} from "../../lib/state/config-documents.js";
import { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import { createStateTable, DEFAULT_STATE_TABLE } from "../../lib/state/table.js";
import { type ConfigItem, ConflictError } from "../../lib/state/types.js";
import { type Command, type CommandIO, UsageError } from "./io.js";

const USAGE = `usage: stevedore config validate|apply -f <file|dir>... [options]
       stevedore config get KIND NAME | list [KIND] | delete KIND NAME [options]
options: --endpoint URL  --table NAME  --region R  --create-table  -o table|json|yaml
KIND: provisioner, nodepool, awsnodetemplate, ec2nodeclass (plural and short forms accepted)
`;

type Output = "table" | "json" | "yaml";

interface Flags {
  files: string[];
  endpoint?: string;
  table: string;
  region: string;
  createTable: boolean;
  output?: Output;
}

function parseFlags(argv: string[], env: CommandIO["env"]): { sub: string; args: string[]; flags: Flags } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        filename: { type: "string", short: "f", multiple: true },
        endpoint: { type: "string" },
        table: { type: "string" },
        region: { type: "string" },
        "create-table": { type: "boolean" },
        output: { type: "string", short: "o" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const output = v.output as string | undefined;
  if (output !== undefined && output !== "table" && output !== "json" && output !== "yaml") {
    throw new UsageError(`-o must be table, json or yaml (got "${output}")`);
  }
  const [sub = v.help ? "help" : "", ...rest] = parsed.positionals;
  // `config validate a.yaml dir/` reads like `-f a.yaml -f dir/`.
  const takesFiles = sub === "validate" || sub === "apply";
  const files = [...((v.filename as string[] | undefined) ?? []), ...(takesFiles ? rest : [])];
  return {
    sub,
    args: takesFiles ? [] : rest,
    flags: {
      files,
      endpoint: (v.endpoint as string | undefined) ?? env.STEVEDORE_DYNAMODB_ENDPOINT,
      table: (v.table as string | undefined) ?? env.STEVEDORE_TABLE ?? DEFAULT_STATE_TABLE,
      region: (v.region as string | undefined) ?? env.AWS_REGION ?? "us-east-1",
      createTable: v["create-table"] === true,
      output: output as Output | undefined,
    },
  };
}

/** A `-f` path as the user should see it: relative to the working directory when inside it. */
function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
}

/** Validated input: one stored document per object, the parsed pools/classes, and warnings. */
interface LoadedConfig {
  docs: SplitDocument[];
  nodePools: NodePool[];
  nodeClasses: NodeClass[];
  warnings: string[];
}

/**
 * Reads every file (`-f` files; directories recursively, `.yaml/.yml/.json`), validates every document and checks
 * names are unique across all of them; throws {@link ConfigValidationError} listing every problem.
 */
async function loadDocuments(flags: Flags, io: CommandIO): Promise<LoadedConfig> {
  if (flags.files.length === 0) throw new UsageError("no input: give -f <file|dir>");
  const issues: ValidationIssue[] = [];
  const warnings: string[] = [];
  const nodePools: NodePool[] = [];
  const nodeClasses: NodeClass[] = [];
  const docs: SplitDocument[] = [];
  let files: string[];
  try {
    files = await listInputFiles(flags.files.map((f) => resolve(io.cwd, f)));
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      throw new ConfigValidationError(err.issues.map((i) => ({ ...i, file: displayPath(i.file, io.cwd) })));
    }
    throw err;
  }
  for (const abs of files) {
    const file = displayPath(abs, io.cwd);
    const text = await readFile(abs, "utf8");
    const parsed = parseConfigDocuments(text, file, { env: io.env });
    issues.push(...parsed.issues);
    warnings.push(...parsed.warnings);
    nodePools.push(...parsed.nodePools);
    nodeClasses.push(...parsed.nodeClasses);
    docs.push(...splitConfigDocuments(text));
  }
  // Unique names across all files; a missing node class is only a warning here (it may already be stored).
  issues.push(...checkConfig(nodePools, nodeClasses, { implicitNodeClasses: true }).issues);
  if (issues.length > 0) throw new ConfigValidationError(issues);
  if (docs.length === 0) {
    throw new ConfigValidationError([
      {
        file: flags.files.join(", "),
        kind: "",
        name: "",
        path: "",
        message: "no Provisioner, NodePool, AWSNodeTemplate or EC2NodeClass documents",
      },
    ]);
  }
  return { docs, nodePools, nodeClasses, warnings };
}

/** Warnings for pools whose node class is neither in the input nor in `storedClasses`. */
function missingClassWarnings(loaded: LoadedConfig, storedClasses: string[], where: string): string[] {
  const known = new Set([...loaded.nodeClasses.map((nc) => nc.name), ...storedClasses]);
  return loaded.nodePools
    .filter((p) => !known.has(p.nodeClassName))
    .map(
      (p) =>
        `${describeObject(p.source.file, p.source.kind, p.name)}${nodeClassRefPath(p)}: node class ${JSON.stringify(p.nodeClassName)} is not in the input${where}; the pool is not in force until it exists`,
    );
}

async function openStore(flags: Flags, io: CommandIO): Promise<DynamoStateStore> {
  const client = createDynamoClient({ endpoint: flags.endpoint, region: flags.region }, io.env);
  if (flags.createTable) await createStateTable(client, flags.table);
  return new DynamoStateStore({ client, tableName: flags.table });
}

function label(kind: string, name: string): string {
  return `${kind} ${JSON.stringify(name)}`;
}

function kindAndName(args: string[], verb: string): { kind: ConfigItem["kind"]; name: string } {
  const [kindArg, name, ...extra] = args;
  if (!kindArg || !name || extra.length > 0) throw new UsageError(`config ${verb} needs KIND NAME`);
  const kind = storedKindOfArgument(kindArg);
  if (!kind) throw new UsageError(`unknown kind "${kindArg}" (one of ${KIND_ARGUMENT_NAMES.join(", ")})`);
  return { kind, name };
}

function describeItem(item: ConfigItem) {
  const { writtenKind, apiVersion } = writtenKindOf(item.document);
  return {
    kind: item.kind,
    name: item.name,
    documentKind: writtenKind,
    apiVersion,
    version: item.version,
    updatedAt: new Date(item.updatedAt).toISOString(),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return (
    rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ")).join("\n") +
    "\n"
  );
}

function itemTable(items: ConfigItem[]): string {
  const rows = [["KIND", "NAME", "DOCUMENT", "VERSION", "UPDATED"]];
  for (const it of items) {
    const d = describeItem(it);
    rows.push([
      d.kind,
      d.name,
      d.documentKind ? `${d.apiVersion}/${d.documentKind}` : "-",
      String(d.version),
      d.updatedAt,
    ]);
  }
  return table(rows);
}

async function validate(flags: Flags, io: CommandIO): Promise<number> {
  const loaded = await loadDocuments(flags, io);
  const { docs } = loaded;
  const warnings = [...loaded.warnings, ...missingClassWarnings(loaded, [], "")];
  for (const w of warnings) io.stderr(`warning: ${w}\n`);
  const objects = docs.map((d) => ({ kind: d.kind, documentKind: d.writtenKind, name: d.name }));
  if (flags.output === "json") io.stdout(`${JSON.stringify({ valid: true, objects, warnings }, null, 2)}\n`);
  else if (flags.output === "yaml") io.stdout(stringify({ valid: true, objects, warnings }));
  else for (const d of docs) io.stdout(`${label(d.writtenKind, d.name)} valid\n`);
  return 0;
}

async function apply(flags: Flags, io: CommandIO): Promise<number> {
  const loaded = await loadDocuments(flags, io);
  const { docs } = loaded;
  const store = await openStore(flags, io);
  const storedClasses = (await store.listConfig()).filter((it) => it.kind === "NodeClass").map((it) => it.name);
  const warnings = [...loaded.warnings, ...missingClassWarnings(loaded, storedClasses, ` or table "${flags.table}"`)];
  for (const w of warnings) io.stderr(`warning: ${w}\n`);
  const results: { kind: string; name: string; version: number; result: string }[] = [];
  for (const d of docs) {
    for (let attempt = 1; ; attempt++) {
      const current = await store.getConfig(d.kind, d.name);
      let result: string;
      let version: number;
      if (current?.document === d.document) {
        result = "unchanged";
        version = current.version;
      } else {
        try {
          const stored = await store.putConfig(
            { kind: d.kind, name: d.name, document: d.document },
            Date.now(),
            current?.version ?? 0,
          );
          result = current ? "configured" : "created";
          version = stored.version;
        } catch (err) {
          if (err instanceof ConflictError && attempt < 3) continue; // written concurrently: re-read and retry
          throw err;
        }
      }
      results.push({ kind: d.writtenKind, name: d.name, version, result });
      if (flags.output !== "json" && flags.output !== "yaml")
        io.stdout(`${label(d.writtenKind, d.name)} ${result} (version ${version})\n`);
      break;
    }
  }
  if (flags.output === "json") io.stdout(`${JSON.stringify({ applied: results }, null, 2)}\n`);
  if (flags.output === "yaml") io.stdout(stringify({ applied: results }));
  return 0;
}

async function get(args: string[], flags: Flags, io: CommandIO): Promise<number> {
  const { kind, name } = kindAndName(args, "get");
  const item = await (await openStore(flags, io)).getConfig(kind, name);
  if (!item) {
    io.stderr(`stevedore config: ${label(kind, name)} not found in table "${flags.table}"\n`);
    return 1;
  }
  if (flags.output === "json")
    io.stdout(`${JSON.stringify({ ...describeItem(item), document: item.document }, null, 2)}\n`);
  else if (flags.output === "table") io.stdout(itemTable([item]));
  else io.stdout(item.document);
  return 0;
}

async function list(args: string[], flags: Flags, io: CommandIO): Promise<number> {
  if (args.length > 1) throw new UsageError("config list takes at most one KIND");
  const kind = args[0] === undefined ? undefined : storedKindOfArgument(args[0]);
  if (args[0] !== undefined && !kind)
    throw new UsageError(`unknown kind "${args[0]}" (one of ${KIND_ARGUMENT_NAMES.join(", ")})`);
  const items = (await (await openStore(flags, io)).listConfig()).filter((it) => !kind || it.kind === kind);
  if (flags.output === "json") io.stdout(`${JSON.stringify({ items: items.map(describeItem) }, null, 2)}\n`);
  else if (flags.output === "yaml") io.stdout(stringify({ items: items.map(describeItem) }));
  else if (items.length === 0) io.stdout(`no config in table "${flags.table}"\n`);
  else io.stdout(itemTable(items));
  return 0;
}

async function remove(args: string[], flags: Flags, io: CommandIO): Promise<number> {
  const { kind, name } = kindAndName(args, "delete");
  if (!(await (await openStore(flags, io)).deleteConfig(kind, name))) {
    io.stderr(`stevedore config: ${label(kind, name)} not found in table "${flags.table}"\n`);
    return 1;
  }
  io.stdout(`${label(kind, name)} deleted\n`);
  return 0;
}

/** `stevedore config`. */
export const run: Command = async (argv, io) => {
  try {
    const { sub, args, flags } = parseFlags(argv, io.env);
    switch (sub) {
      case "validate":
        return await validate(flags, io);
      case "apply":
        return await apply(flags, io);
      case "get":
        return await get(args, flags, io);
      case "list":
      case "ls":
        return await list(args, flags, io);
      case "delete":
      case "rm":
        return await remove(args, flags, io);
      case "help":
        io.stdout(USAGE);
        return 0;
      default:
        throw new UsageError(sub ? `unknown subcommand "${sub}"` : "missing subcommand");
    }
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      io.stderr(`${err.issues.map(formatIssue).join("\n")}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.stderr(`stevedore config: ${err.message}\n${USAGE}`);
      return 2;
    }
    io.stderr(`stevedore config: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
    return 1;
  }
};
