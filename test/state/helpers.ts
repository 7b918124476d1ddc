/** Shared fixtures for the state tests: a dynalite per test file and a fresh table per test. */
import { after, before } from "node:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoStateStore, type DynamoStateStoreOptions } from "../../lib/state/dynamo-store.js";
import type { NodeClaim } from "../../lib/state/types.js";
import { createTestTable, type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";

/** A mutable clock for the store. */
export class TestClock {
  constructor(public t = Date.UTC(2024, 0, 15, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
}

/** One dynalite for a test file: started before its tests, closed after them. */
export function dynaliteForFile(): { readonly client: DynamoDBClient; readonly endpoint: string } {
  let db: DynaliteHandle | undefined;
  let client: DynamoDBClient | undefined;
  before(async () => {
    db = await startDynalite();
    client = localDynamoClient(db.endpoint);
  });
  after(async () => {
    client?.destroy();
    await db?.close();
  });
  const started = () => {
    if (!db || !client) throw new Error("dynalite is started before the file's tests");
    return { db, client };
  };
  return {
    get client() {
      return started().client;
    },
    get endpoint() {
      return started().db.endpoint;
    },
  };
}

/** A store on a new table. */
export async function newStore(
  client: DynamoDBClient,
  opts: Partial<DynamoStateStoreOptions> = {},
): Promise<DynamoStateStore> {
  const tableName = await createTestTable(client);
  return new DynamoStateStore({ client, tableName, ...opts });
}

/** A Pending claim with every required field. */
export function claim(id: string, overrides: Partial<NodeClaim> = {}): NodeClaim {
  return {
    id,
    pool: "default",
    state: "Pending",
    version: 0,
    createdAt: 1_000,
    updatedAt: 1_000,
    instanceTypeOptions: ["m5.large", "m6i.large"],
    capacityTypes: ["spot", "on-demand"],
    zones: ["us-east-1a", "us-east-1b"],
    labels: { "karpenter.sh/provisioner-name": "default", intent: "apps" },
    taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
    startupTaints: [{ key: "node.cilium.io/agent-not-ready", effect: "NoExecute" }],
    pods: ["default/web-0", "default/web-1"],
    poolHash: "p1",
    classHash: "c1",
    ...overrides,
  };
}
