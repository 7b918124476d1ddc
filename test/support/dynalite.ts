/**
 * Starts dynalite (an in-memory DynamoDB emulator, npm `dynalite`) inside the test process on 127.0.0.1, port 0.
 *
 * ```ts
 * const db = await startDynalite();
 * const client = localDynamoClient(db.endpoint);
 * await createStateTable(client, "stevedore-state");
 * // ...
 * await db.close();
 * ```
 *
 * dynalite has no transactions and no TTL expiry, which is exactly what the store must cope with.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createStateTable } from "../../lib/state/table.js";

export { type DynaliteHandle, startDynalite } from "../../lib/twin/dynalite-server.js";

/** A DynamoDB client for a local endpoint with dummy static credentials (never real ones). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1,
  });
}

let tableCounter = 0;

/** Creates a fresh state table with a unique name on `client` and returns its name. */
export async function createTestTable(client: DynamoDBClient, prefix = "stevedore-test"): Promise<string> {
  tableCounter += 1;
  const name = `${prefix}-${process.pid}-${tableCounter}`;
  await createStateTable(client, name);
  return name;
}
