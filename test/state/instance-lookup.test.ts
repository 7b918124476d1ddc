import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import { localDynamoClient } from "../support/dynalite.js";
import { claim, dynaliteForFile, newStore, TestClock } from "./helpers.js";

const dynalite = dynaliteForFile();

/** A store with a launched, a pending, a closed and a re-launched claim. */
async function seeded(store: DynamoStateStore) {
  const launched = await store.createClaim(claim("a"));
  const a = await store.updateClaim(launched, { state: "Launched", instanceId: "i-a" });
  await store.createClaim(claim("pending"));
  const closed = await store.createClaim(claim("closed"));
  const b = await store.updateClaim(closed, { state: "Launched", instanceId: "i-b" });
  await store.updateClaim(b, { state: "Terminated", terminatedAt: 2_000 });
  return a;
}

test("claimsByInstance: finds a launched claim by its instance; closed claims and unknown instances are absent", async () => {
  const store = await newStore(dynalite.client, { clock: new TestClock() });
  const a = await seeded(store);
  const found = await store.claimsByInstance(["i-a", "i-b", "i-unknown", "i-a"]);
  assert.deepEqual([...found.keys()], ["i-a"]);
  assert.deepEqual(found.get("i-a"), a);
  assert.equal((await store.claimsByInstance([])).size, 0);
});

test("claimsByInstance: reads through the index, never lists the claims partition", async () => {
  const calls: string[] = [];
  const spied = localDynamoClient(dynalite.endpoint);
  spied.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { IndexName?: string };
      calls.push(`${context.commandName}${input.IndexName ? ` ${input.IndexName}` : ""}`);
      return next(args);
    },
    { step: "initialize" },
  );
  try {
    const store = await newStore(spied, { clock: new TestClock() });
    await seeded(store);
    calls.length = 0;
    assert.equal((await store.claimsByInstance(["i-a", "i-unknown"])).size, 1);
    assert.deepEqual(calls.sort(), ["GetItemCommand", "QueryCommand byInstance", "QueryCommand byInstance"]);
  } finally {
    spied.destroy();
  }
});

test("claimsByInstance: a claim that moved to another instance is not returned for the old one", async () => {
  const store = await newStore(dynalite.client, { clock: new TestClock() });
  const a = await seeded(store);
  // Recovery can correct the instance a claim records (the index follows, eventually on AWS).
  await store.updateClaim(a, { instanceId: "i-a2" });
  assert.equal((await store.claimsByInstance(["i-a"])).size, 0);
  assert.equal((await store.claimsByInstance(["i-a2"])).get("i-a2")?.id, "a");
});

test("claimsByInstance: a table created without the instance index falls back to a listing, same answer", async () => {
  const tableName = `no-index-${process.pid}`;
  await dynalite.client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
  const store = new DynamoStateStore({ client: dynalite.client, tableName, clock: new TestClock() });
  const a = await seeded(store);
  const found = await store.claimsByInstance(["i-a", "i-b", "i-unknown"]);
  assert.deepEqual([...found.keys()], ["i-a"]);
  assert.deepEqual(found.get("i-a"), a);
});
