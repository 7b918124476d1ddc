import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { decisionId } from "../../lib/state/decision-log.js";
import { ConflictError } from "../../lib/state/types.js";
import { type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";
import { newStore, TestClock } from "./helpers.js";

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

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

test("unavailable offerings: filtered by until at read time; a later until is never shortened", async () => {
  const store = await newStore(client);
  const ice = { instanceType: "m5.large", zone: "us-east-1a", capacityType: "spot" as const, reason: "ICE" };
  await store.markOfferingUnavailable({ ...ice, until: 180_000 });
  await store.markOfferingUnavailable({ ...ice, zone: "us-east-1b", until: 60_000 });
  await store.markOfferingUnavailable({ ...ice, capacityType: "on-demand", until: 120_000 });
  assert.deepEqual(
    (await store.listUnavailableOfferings(0)).map((r) => `${r.capacityType}/${r.zone}/${r.until}`),
    ["on-demand/us-east-1a/120000", "spot/us-east-1a/180000", "spot/us-east-1b/60000"],
  );
  assert.deepEqual(
    (await store.listUnavailableOfferings(100_000)).map((r) => `${r.capacityType}/${r.zone}`),
    ["on-demand/us-east-1a", "spot/us-east-1a"],
  );
  await store.markOfferingUnavailable({ ...ice, until: 90_000, reason: "shorter" });
  const [rec] = (await store.listUnavailableOfferings(100_000)).filter((r) => r.capacityType === "spot");
  assert.deepEqual(rec, { ...ice, until: 180_000 });
  await store.markOfferingUnavailable({ ...ice, until: 400_000, reason: "again" });
  assert.equal((await store.listUnavailableOfferings(300_000))[0].reason, "again");
  assert.deepEqual(await store.listUnavailableOfferings(400_000), []);
});

test("decisions: time-ordered ids; listed across day partitions oldest first; limit keeps the newest", async () => {
  const clock = new TestClock(Date.UTC(2024, 0, 3, 12));
  const store = await newStore(client, { clock, queryPageSize: 3 });
  const t0 = Date.UTC(2024, 0, 1, 23, 59, 59, 990);
  const ats = [t0, t0 + 5, t0 + 5, t0 + 10, t0 + 20, t0 + DAY, t0 + DAY + 1, t0 + 2 * DAY - 1];
  // Logged out of order; same-millisecond entries keep their logging order.
  const order = [7, 0, 1, 2, 3, 4, 5, 6];
  for (const i of order)
    await store.logDecision({ at: ats[i], controller: "provisioner", action: `a${i}`, details: { i, pods: ["ns/p"] } });
  const all = await store.listDecisions(0);
  assert.deepEqual(
    all.map((d) => d.action),
    ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"],
  );
  assert.deepEqual(all[1].details, { i: 1, pods: ["ns/p"] });
  assert.deepEqual(
    (await store.listDecisions(t0 + 10)).map((d) => d.action),
    ["a3", "a4", "a5", "a6", "a7"],
  );
  assert.deepEqual(
    (await store.listDecisions(0, 3)).map((d) => d.action),
    ["a5", "a6", "a7"],
  );
  assert.deepEqual(
    (await store.listDecisions(t0, 6)).map((d) => d.action),
    ["a2", "a3", "a4", "a5", "a6", "a7"],
  );
  // Beyond the 30-day retention they are gone from reads.
  clock.t = t0 + 31 * DAY + 2;
  assert.deepEqual(
    (await store.listDecisions(0)).map((d) => d.action),
    ["a7"],
  );
  const first = decisionId(5);
  assert.ok(first < decisionId(5), "ids in one process increase");
  assert.ok(decisionId(9) < decisionId(10));
});

test("events: recorded once until their ttl passes", async () => {
  const store = await newStore(client);
  assert.equal(await store.recordEventOnce("evt-1", 1_000, 60_000), true);
  assert.equal(await store.recordEventOnce("evt-1", 2_000, 60_000), false);
  assert.equal(await store.recordEventOnce("evt-2", 2_000, 60_000), true);
  const results = await Promise.all([1, 2, 3, 4].map(() => store.recordEventOnce("evt-3", 2_000, 60_000)));
  assert.equal(results.filter(Boolean).length, 1, "concurrent deliveries: exactly one wins");
  assert.equal(await store.recordEventOnce("evt-1", 61_000, 60_000), true, "expired record is treated as absent");
});

test("events with readFirst: the same answers, and no write while the record holds", async () => {
  const store = await newStore(client);
  const writes: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "PutItemCommand") writes.push(context.commandName);
      return next(args);
    },
    { step: "initialize", name: "countEventWrites" },
  );
  try {
    const gate = { readFirst: true };
    assert.equal(await store.recordEventOnce("gate", 1_000, 60_000, gate), true);
    assert.equal(await store.recordEventOnce("gate", 30_000, 60_000, gate), false);
    assert.equal(await store.recordEventOnce("gate", 60_999, 60_000, gate), false);
    assert.equal(writes.length, 1, "a closed gate is read, not written");
    assert.equal(await store.recordEventOnce("gate", 61_000, 60_000, gate), true, "expired: recorded again");
    const results = await Promise.all([1, 2, 3].map(() => store.recordEventOnce("gate-2", 5_000, 60_000, gate)));
    assert.equal(results.filter(Boolean).length, 1, "concurrent callers: exactly one wins");
  } finally {
    client.middlewareStack.remove("countEventWrites");
  }
});

test("config items: versioned with optimistic concurrency", async () => {
  const store = await newStore(client);
  const doc = { kind: "NodePool" as const, name: "default", document: "kind: NodePool\n" };
  const v1 = await store.putConfig(doc, 100, 0);
  assert.deepEqual(v1, { ...doc, version: 1, updatedAt: 100 });
  await assert.rejects(store.putConfig(doc, 200, 0), ConflictError);
  const v2 = await store.putConfig({ ...doc, document: "v2" }, 200, 1);
  assert.equal(v2.version, 2);
  await assert.rejects(store.putConfig({ ...doc, document: "stale" }, 300, 1), /expected version 1, stored version 2/);
  const v3 = await store.putConfig({ ...doc, document: "v3" }, 300);
  assert.equal(v3.version, 3);
  await store.putConfig({ kind: "NodeClass", name: "default", document: "x" }, 300);
  await store.putConfig({ kind: "NodePool", name: "a", document: "y" }, 300);
  assert.deepEqual(
    (await store.listConfig()).map((c) => `${c.kind}/${c.name}@${c.version}`),
    ["NodeClass/default@1", "NodePool/a@1", "NodePool/default@3"],
  );
  assert.equal((await store.getConfig("NodePool", "default"))?.document, "v3");
  assert.equal(await store.getConfig("NodeClass", "missing"), undefined);
  assert.equal(await store.deleteConfig("NodePool", "a"), true);
  assert.equal(await store.deleteConfig("NodePool", "a"), false);
  await assert.rejects(store.putConfig({ ...doc, name: "new" }, 1, 4), /stored nothing/);
});

test("last good SSM config: never replaced by an older parameter version", async () => {
  const store = await newStore(client);
  await store.putLastGoodConfig({ parameterName: "/s/p", parameterVersion: 3, text: "three", savedAt: 1 });
  await store.putLastGoodConfig({ parameterName: "/s/p", parameterVersion: 2, text: "two", savedAt: 2 });
  assert.equal((await store.getLastGoodConfig("/s/p"))?.text, "three");
  await store.putLastGoodConfig({ parameterName: "/s/p", parameterVersion: 4, text: "four", savedAt: 3 });
  assert.deepEqual(await store.getLastGoodConfig("/s/p"), {
    parameterName: "/s/p",
    parameterVersion: 4,
    text: "four",
    savedAt: 3,
  });
  assert.equal(await store.getLastGoodConfig("/s/other"), undefined);
});
