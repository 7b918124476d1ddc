/**
 * Creating the state table (tests, the twin, `stevedore config --create-table`). The CDK stack creates the same
 * table: see {@link STATE_TABLE_SCHEMA} and `keys.ts`.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { awsErrorName, mapDynamoError, StateStoreError } from "./errors.js";
import { INSTANCE_INDEX, INSTANCE_INDEX_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from "./keys.js";

/**
 * What the CDK stack must mirror: `billingMode: PAY_PER_REQUEST`, `partitionKey: {name: "pk", type: STRING}`,
 * `sortKey: {name: "sk", type: STRING}`, `timeToLiveAttribute: "ttl"`, and one global secondary index `byInstance`
 * (partition key `instanceId`, STRING, projection KEYS_ONLY). Point-in-time recovery and deletion protection are the
 * stack's choice; the store does not depend on them. A table without the index still works: interruption lookups
 * then list the claims.
 */
export const STATE_TABLE_SCHEMA = {
  billingMode: "PAY_PER_REQUEST",
  partitionKey: { name: PARTITION_KEY, type: "S" },
  sortKey: { name: SORT_KEY, type: "S" },
  timeToLiveAttribute: TTL_ATTRIBUTE,
  instanceIndex: {
    name: INSTANCE_INDEX,
    partitionKey: { name: INSTANCE_INDEX_KEY, type: "S" },
    projection: "KEYS_ONLY",
  },
} as const;

/** Default table name (CLI `--table`, env `STEVEDORE_TABLE`). */
export const DEFAULT_STATE_TABLE = "stevedore-state";

/** Options of {@link createStateTable}. */
export interface CreateStateTableOptions {
  /** How long to wait for the table to become ACTIVE. @default 60000 */
  timeoutMs?: number;
  /** Poll interval while waiting. @default 200 */
  pollMs?: number;
}

/**
 * Creates the state table if it does not exist, waits until it is ACTIVE and enables TTL on `ttl` (skipped where the
 * endpoint does not implement UpdateTimeToLive, as dynalite). Returns whether it created the table. An existing
 * table with a different key schema is an error.
 */
export async function createStateTable(
  client: DynamoDBClient,
  tableName: string,
  opts: CreateStateTableOptions = {},
): Promise<{ created: boolean }> {
  let created = false;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: STATE_TABLE_SCHEMA.billingMode,
        AttributeDefinitions: [
          { AttributeName: PARTITION_KEY, AttributeType: "S" },
          { AttributeName: SORT_KEY, AttributeType: "S" },
          { AttributeName: INSTANCE_INDEX_KEY, AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: PARTITION_KEY, KeyType: "HASH" },
          { AttributeName: SORT_KEY, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: INSTANCE_INDEX,
            KeySchema: [{ AttributeName: INSTANCE_INDEX_KEY, KeyType: "HASH" }],
            Projection: { ProjectionType: "KEYS_ONLY" },
          },
        ],
      }),
    );
    created = true;
  } catch (err) {
    if (awsErrorName(err) !== "ResourceInUseException") throw mapDynamoError(err, "CreateTable", tableName);
  }
  await waitActive(client, tableName, opts.timeoutMs ?? 60_000, opts.pollMs ?? 200);
  if (created) await enableTtl(client, tableName);
  return { created };
}

async function waitActive(client: DynamoDBClient, tableName: string, timeoutMs: number, pollMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let out: Awaited<ReturnType<typeof describe>>;
    try {
      out = await describe(client, tableName);
    } catch (err) {
      throw mapDynamoError(err, "DescribeTable", tableName);
    }
    const keys = out.Table?.KeySchema ?? [];
    const hash = keys.find((k) => k.KeyType === "HASH")?.AttributeName;
    const range = keys.find((k) => k.KeyType === "RANGE")?.AttributeName;
    if (hash !== PARTITION_KEY || range !== SORT_KEY) {
      throw new StateStoreError(
        `table "${tableName}" exists with key schema (${hash ?? "-"}, ${range ?? "-"}); expected (${PARTITION_KEY}, ${SORT_KEY})`,
      );
    }
    if (out.Table?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline) {
      throw new StateStoreError(`table "${tableName}" not ACTIVE after ${timeoutMs} ms (${out.Table?.TableStatus})`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function describe(client: DynamoDBClient, tableName: string) {
  return client.send(new DescribeTableCommand({ TableName: tableName }));
}

async function enableTtl(client: DynamoDBClient, tableName: string) {
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (err) {
    // dynalite answers UnknownOperationException; reads never depend on TTL, so this is only lost garbage collection.
    if (awsErrorName(err) !== "UnknownOperationException") throw mapDynamoError(err, "UpdateTimeToLive", tableName);
  }
}
