/**
 * The tuned dynalite answers as before: every read sees the latest write (decodes are remembered per stored value,
 * never across writes), filtered queries and conditional updates work on the shared decoded items, and the
 * response checksum is the standard CRC-32. Item sizes remembered per stored item still stop a query at 1 MB where
 * dynalite does, and a changed item is measured again. A response whose items' JSON is remembered is the text
 * `JSON.stringify` gives for the whole answer, with a matching checksum.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { crc32 } from "node:zlib";
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { createTestTable, type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";

let db: DynaliteHandle;
let client: DynamoDBClient;
let table: string;

before(async () => {
  db = await startDynalite();
  client = localDynamoClient(db.endpoint);
  table = await createTestTable(client);
});
after(() => db.close());

const claimKey = (id: string) => ({ pk: { S: "CLAIM" }, sk: { S: id } });

async function states(): Promise<string[]> {
  const out = await client.send(
    new QueryCommand({
      TableName: table,
      ConsistentRead: true,
      KeyConditionExpression: "pk = :pk",
      FilterExpression: "#state <> :terminated",
      ExpressionAttributeNames: { "#state": "state" },
      ExpressionAttributeValues: { ":pk": { S: "CLAIM" }, ":terminated": { S: "Terminated" } },
    }),
  );
  return (out.Items ?? []).map((i) => `${i.sk.S}:${i.state.S}:${i.version.N}`);
}

test("reads follow every write, through queries, gets and conditional updates", async () => {
  for (const id of ["a", "b", "c"]) {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { ...claimKey(id), state: { S: "Launched" }, version: { N: "1" } },
      }),
    );
  }
  assert.deepEqual(await states(), ["a:Launched:1", "b:Launched:1", "c:Launched:1"]);
  // The same stored item read twice, then changed: the next reads see the change.
  for (let version = 1; version <= 3; version++) {
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: claimKey("b"),
        UpdateExpression: "SET version = :next",
        ConditionExpression: "version = :current",
        ExpressionAttributeValues: { ":next": { N: String(version + 1) }, ":current": { N: String(version) } },
      }),
    );
    const got = await client.send(new GetItemCommand({ TableName: table, Key: claimKey("b"), ConsistentRead: true }));
    assert.equal(got.Item?.version.N, String(version + 1));
  }
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: claimKey("a"),
      UpdateExpression: "SET #state = :terminated",
      ExpressionAttributeNames: { "#state": "state" },
      ExpressionAttributeValues: { ":terminated": { S: "Terminated" } },
    }),
  );
  assert.deepEqual(await states(), ["b:Launched:4", "c:Launched:1"]);
  // A stale condition still fails against the shared decoded item.
  await assert.rejects(
    client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: claimKey("b"),
        UpdateExpression: "SET version = :next",
        ConditionExpression: "version = :current",
        ExpressionAttributeValues: { ":next": { N: "9" }, ":current": { N: "1" } },
      }),
    ),
    { name: "ConditionalCheckFailedException" },
  );
});

test("the response checksum is the standard CRC-32 of the body", () => {
  const dynaliteRequire = createRequire(createRequire(import.meta.url).resolve("dynalite"));
  const checksum = dynaliteRequire("buffer-crc32") as { unsigned(input: string | Buffer): number };
  assert.equal(checksum.unsigned("The quick brown fox jumps over the lazy dog"), 0x414fa339);
  assert.equal(checksum.unsigned("résumé ✓"), checksum.unsigned(Buffer.from("résumé ✓", "utf8")));
  assert.equal(checksum.unsigned(""), 0);
});

test("a query stops at 1 MB of items, with item sizes remembered per stored item and measured again after a write", async () => {
  const bigKey = (i: number) => ({ pk: { S: "BIG" }, sk: { S: `item-${i}` } });
  const filler = (kb: number) => ({ S: "x".repeat(kb * 1024) });
  for (let i = 1; i <= 5; i++) {
    await client.send(new PutItemCommand({ TableName: table, Item: { ...bigKey(i), blob: filler(300) } }));
  }
  const page = async () => {
    const out = await client.send(
      new QueryCommand({
        TableName: table,
        ConsistentRead: true,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: "BIG" } },
      }),
    );
    return { count: out.Items?.length, more: out.LastEvaluatedKey !== undefined };
  };
  // 300 KB items: the fourth crosses 1 MB, so the page ends after it — the same answer every time it is read.
  assert.deepEqual(await page(), { count: 4, more: true });
  assert.deepEqual(await page(), { count: 4, more: true });
  // The second item shrinks: the first four stay under 1 MB, so the fifth joins the page.
  await client.send(new PutItemCommand({ TableName: table, Item: { ...bigKey(2), blob: filler(1) } }));
  assert.deepEqual(await page(), { count: 5, more: true });
});

test("a query's body is the JSON.stringify text of the answer (items' texts remembered), with its checksum", async () => {
  for (let i = 0; i < 3; i++) {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: "TEXT" }, sk: { S: `i${i}` }, n: { N: String(i * 1.5) }, s: { S: 'é✓"\\' } },
      }),
    );
  }
  const query = async () => {
    const res = await fetch(db.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.Query",
        "x-amz-date": "20260101T000000Z",
        authorization:
          "AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: JSON.stringify({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: "TEXT" } },
        ReturnConsumedCapacity: "TOTAL",
      }),
    });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.equal(Number(res.headers.get("x-amz-crc32")), crc32(body));
    return body;
  };
  const first = await query();
  assert.equal(first, JSON.stringify(JSON.parse(first)));
  assert.deepEqual(
    (JSON.parse(first) as { Items: { sk: { S: string } }[] }).Items.map((i) => i.sk.S),
    ["i0", "i1", "i2"],
  );
  assert.equal(await query(), first, "read again from the remembered texts");
  await client.send(
    new PutItemCommand({ TableName: table, Item: { pk: { S: "TEXT" }, sk: { S: "i1" }, n: { N: "7" } } }),
  );
  const changed = await query();
  assert.equal(changed, JSON.stringify(JSON.parse(changed)));
  assert.match(changed, /"sk":\{"S":"i1"\},"n":\{"N":"7"\}\}/);
});
