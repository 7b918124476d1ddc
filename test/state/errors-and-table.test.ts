import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDynamoClient, isLoopbackEndpoint } from "../../lib/state/clients.js";
import { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import { RetryableStateError, StateStoreError, StateTableNotFoundError } from "../../lib/state/errors.js";
import { createStateTable } from "../../lib/state/table.js";
import { type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";

let db: DynaliteHandle;
let client: DynamoDBClient;
before(async () => {
  db = await startDynalite();
  client = localDynamoClient(db.endpoint);
});
after(async () => {
  client.destroy();
  await db.close();
});

/** A DynamoDB JSON-protocol stub answering every request with one status and error type. */
async function errorStub(status: number, type: string): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `stub ${type}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

for (const [status, type] of [
  [400, "ProvisionedThroughputExceededException"],
  [400, "ThrottlingException"],
  [500, "InternalServerError"],
  [503, "ServiceUnavailable"],
] as const) {
  test(`errors: ${status} ${type} is a RetryableStateError`, async () => {
    const stub = await errorStub(status, type);
    const c = localDynamoClient(stub.endpoint);
    const store = new DynamoStateStore({ client: c, tableName: "t" });
    try {
      await assert.rejects(
        store.getClaim("x"),
        (err: unknown) => err instanceof RetryableStateError && err.message.includes(type),
      );
      await assert.rejects(store.acquireLease("l", "o", 1, 0), RetryableStateError);
    } finally {
      c.destroy();
      stub.server.close();
    }
  });
}

test("errors: access denied is a non-retryable StateStoreError; a refused connection is retryable", async () => {
  const stub = await errorStub(400, "AccessDeniedException");
  const c = localDynamoClient(stub.endpoint);
  try {
    const err = await new DynamoStateStore({ client: c, tableName: "t" }).listClaims().catch((e: unknown) => e);
    assert.ok(err instanceof StateStoreError && !(err instanceof RetryableStateError), String(err));
  } finally {
    c.destroy();
    stub.server.close();
  }
  const closed = localDynamoClient("http://127.0.0.1:1");
  await assert.rejects(new DynamoStateStore({ client: closed, tableName: "t" }).listConfig(), RetryableStateError);
  closed.destroy();
});

test("errors: a missing table is a StateTableNotFoundError naming the table", async () => {
  const store = new DynamoStateStore({ client, tableName: "does-not-exist" });
  await assert.rejects(
    store.listConfig(),
    (err: unknown) => err instanceof StateTableNotFoundError && /"does-not-exist"/.test(err.message),
  );
});

test("createStateTable: pk/sk string keys, on-demand billing, idempotent; a foreign schema is refused", async () => {
  assert.deepEqual(await createStateTable(client, "schema-check"), { created: true });
  assert.deepEqual(await createStateTable(client, "schema-check"), { created: false });
  const out = await client.send(new DescribeTableCommand({ TableName: "schema-check" }));
  assert.deepEqual(out.Table?.KeySchema, [
    { AttributeName: "pk", KeyType: "HASH" },
    { AttributeName: "sk", KeyType: "RANGE" },
  ]);
  assert.equal(out.Table?.BillingModeSummary?.BillingMode, "PAY_PER_REQUEST");
  await client.send(
    new CreateTableCommand({
      TableName: "foreign",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    }),
  );
  await assert.rejects(createStateTable(client, "foreign"), /key schema \(id, -\)/);
});

test("createDynamoClient: dummy credentials only for loopback endpoints", async () => {
  assert.equal(isLoopbackEndpoint("http://127.0.0.1:4567"), true);
  assert.equal(isLoopbackEndpoint("http://localhost:8000"), true);
  assert.equal(isLoopbackEndpoint("https://dynamodb.us-east-1.amazonaws.com"), false);
  const local = createDynamoClient({ endpoint: db.endpoint }, {});
  const creds = await local.config.credentials();
  assert.equal(creds.accessKeyId, "AKIDEXAMPLE");
  assert.equal(await local.config.region(), "us-east-1");
  local.destroy();
});
