/**
 * The deployed twin's DynamoDB metering against dynalite through a forwarding proxy, as the gateway forwards the
 * functions' calls: item writes cost a unit per started KB, failed conditions a unit, strongly consistent reads a
 * unit per started 4 KB (a query's items summed before rounding), and the caller's answer is unchanged.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { DynamoMeter } from "../../../lib/twin/deployed/dynamo-meter.js";
import { createTestTable, type DynaliteHandle, localDynamoClient, startDynalite } from "../../support/dynalite.js";

let dynalite: DynaliteHandle;
let proxy: http.Server;
let proxyUrl = "";
const meter = new DynamoMeter();

before(async () => {
  dynalite = await startDynalite();
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const action = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      const metered = meter.meter("tester", action, Buffer.concat(chunks));
      const body = metered?.body ?? Buffer.concat(chunks);
      const headers = { ...req.headers, "content-length": String(body.length) };
      const out = http.request(new URL(req.url ?? "/", dynalite.endpoint), { method: req.method, headers }, (r) => {
        const reply: Buffer[] = [];
        r.on("data", (c: Buffer) => reply.push(c));
        r.on("end", () => {
          metered?.record(r.statusCode ?? 500, Buffer.concat(reply));
          res.writeHead(r.statusCode ?? 500, r.headers);
          res.end(Buffer.concat(reply));
        });
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

after(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await dynalite.close();
});

describe("DynamoMeter", () => {
  test("counts write units per KB, failed conditions, and read units per 4 KB", async () => {
    const setup = localDynamoClient(dynalite.endpoint);
    const table = await createTestTable(setup);
    const client = localDynamoClient(proxyUrl);
    const item = (sk: string) => ({ pk: { S: "CLAIM" }, sk: { S: sk }, blob: { S: "x".repeat(2_500) } });
    for (const sk of ["a", "b", "c"]) await client.send(new PutItemCommand({ TableName: table, Item: item(sk) }));
    await assert.rejects(
      client.send(
        new PutItemCommand({ TableName: table, Item: item("a"), ConditionExpression: "attribute_not_exists(pk)" }),
      ),
      /ConditionalCheckFailed/,
    );
    const got = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: "CLAIM" }, sk: { S: "a" } }, ConsistentRead: true }),
    );
    assert.equal(got.Item?.blob?.S?.length, 2_500, "the caller's answer is intact");
    const listed = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: "CLAIM" } },
        ConsistentRead: true,
      }),
    );
    assert.equal(listed.Items?.length, 3);
    const put = meter.usage.get("tester PutItem CLAIM");
    assert.deepEqual(
      [put?.requests, put?.writeUnits, put?.conditionFailures, put?.writeUnitsMaxPerRequest],
      [4, 3 * 3 + 1, 1, 3],
    );
    assert.equal(meter.usage.get("tester GetItem CLAIM")?.readUnits, 1);
    assert.equal(meter.usage.get("tester Query CLAIM")?.readUnits, 2, "3 × 2.5 KB summed, then 4 KB units");
    const t = meter.totals();
    assert.deepEqual([t.readUnits, t.writeUnits], [3, 10]);
  });
});

describe("DynamoMeter: index write units", () => {
  const reply = (units: number) => Buffer.from(JSON.stringify({ ConsumedCapacity: { CapacityUnits: units } }));
  const call = (m: DynamoMeter, action: string, req: object) =>
    m.meter("fn", action, Buffer.from(JSON.stringify({ TableName: "t", ...req })))?.record(200, reply(1));

  test("a write naming the index key adds an entry's unit, a claim's delete removes one, other writes none", () => {
    const m = new DynamoMeter(["instanceId"]);
    const key = { pk: { S: "CLAIM" }, sk: { S: "c1" } };
    call(m, "UpdateItem", { Key: key, ExpressionAttributeNames: { "#p0": "instanceId", "#p1": "state" } });
    call(m, "UpdateItem", { Key: key, ExpressionAttributeNames: { "#p0": "emptySince" } });
    call(m, "PutItem", { Item: { ...key, instanceId: { S: "i-1" } } });
    call(m, "PutItem", { Item: { pk: { S: "LEASE" }, sk: { S: "x" } } });
    call(m, "DeleteItem", { Key: key });
    call(m, "DeleteItem", { Key: { pk: { S: "EVENT#e" }, sk: { S: "EVENT" } } });
    assert.equal(m.totals().writeUnits, 6 + 3);
    // Without an index, only what the table reports.
    const plain = new DynamoMeter();
    call(plain, "UpdateItem", { Key: key, ExpressionAttributeNames: { "#p0": "instanceId" } });
    call(plain, "DeleteItem", { Key: key });
    assert.equal(plain.totals().writeUnits, 2);
    // A query of an index is counted under the index's name.
    plain
      .meter("fn", "Query", Buffer.from(JSON.stringify({ TableName: "t", IndexName: "byInstance" })))
      ?.record(200, reply(1));
    assert.ok(plain.usage.has("fn Query byInstance"));
  });
});
