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
 * dynalite has no transactions and no TTL expiry (DESIGN §3), which is exactly what the store must cope with.
 */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createStateTable } from "../../lib/state/table.js";

/** The subset of dynalite's options the tests use. */
interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  /** LevelDB path; omitted = in memory. */
  path?: string;
}

const require = createRequire(import.meta.url);
const dynalite = require("dynalite") as (options: DynaliteOptions) => Server;

/** A running dynalite. */
export interface DynaliteHandle {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Stops the server and drops every table. */
  close(): Promise<void>;
}

/** Starts an in-memory dynalite on 127.0.0.1 with a free port; tables become ACTIVE immediately. */
export async function startDynalite(): Promise<DynaliteHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

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
