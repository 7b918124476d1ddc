/**
 * The state-table options shared by `stevedore status`, `decisions` and `explain node` (`--table`, `--endpoint`,
 * `--region`, with the same environment fallbacks as `stevedore config`, or `--stack` for a deployed stack's
 * outputs), and the errors they report in one line.
 */
import { createDynamoClient } from "../../lib/state/clients.js";
import { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import { RetryableStateError, StateStoreError, StateTableNotFoundError } from "../../lib/state/errors.js";
import { StateReader } from "../../lib/state/state-reader.js";
import { DEFAULT_STATE_TABLE } from "../../lib/state/table.js";
import type { CommandIO } from "./io.js";
import { resolveStack, StackOutputError, type StackTargets } from "./stack-outputs.js";

/** Where the state table is. */
export interface StateTableFlags {
  table: string;
  endpoint?: string;
  region: string;
  /** The stack the table came from (`--stack`), with its other outputs. */
  stack?: StackTargets;
}

/** `parseArgs` option definitions of {@link StateTableFlags}. */
export const STATE_TABLE_OPTIONS = {
  table: { type: "string" },
  endpoint: { type: "string" },
  region: { type: "string" },
  stack: { type: "string" },
} as const;

/** The flags, with `STEVEDORE_TABLE`, `STEVEDORE_DYNAMODB_ENDPOINT` and `AWS_REGION` as fallbacks. */
export function stateTableFlags(
  values: { table?: string; endpoint?: string; region?: string },
  env: CommandIO["env"],
): StateTableFlags {
  return {
    table: values.table ?? env.STEVEDORE_TABLE ?? DEFAULT_STATE_TABLE,
    endpoint: values.endpoint ?? env.STEVEDORE_DYNAMODB_ENDPOINT,
    region: values.region ?? env.AWS_REGION ?? "us-east-1",
  };
}

/**
 * The flags, with `--stack` resolved: the table is the stack's `StateTableName` output (naming `--table` too is an
 * error). Without `--stack`, as {@link stateTableFlags}.
 */
export async function resolveStateTableFlags(
  values: { table?: string; endpoint?: string; region?: string; stack?: string },
  env: CommandIO["env"],
): Promise<StateTableFlags> {
  const flags = stateTableFlags(values, env);
  if (values.stack === undefined) return flags;
  if (values.table !== undefined) throw new StackOutputError("give --stack or --table, not both");
  const stack = await resolveStack(values.stack, flags.region, env);
  return { ...flags, table: stack.table, stack };
}

/** The store (for claims, offerings, config) and the operator reader (leases, decisions) over one table. */
export function openStateTable(flags: StateTableFlags, env: CommandIO["env"]) {
  const client = createDynamoClient({ endpoint: flags.endpoint, region: flags.region, maxAttempts: 2 }, env);
  return {
    store: new DynamoStateStore({ client, tableName: flags.table }),
    reader: new StateReader({ client, tableName: flags.table }),
  };
}

/**
 * The exit code for a state-table failure, printed as one line: 2 for a missing table (the user named the wrong one),
 * 1 when the table cannot be read (unreachable endpoint, no permission); undefined for any other error.
 */
export function stateTableExitCode(err: unknown): 1 | 2 | undefined {
  if (err instanceof StateTableNotFoundError || err instanceof StackOutputError) return 2;
  if (err instanceof StateStoreError || err instanceof RetryableStateError) return 1;
  return undefined;
}
