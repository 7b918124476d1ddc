import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import { ConflictError, FencedError } from "../../lib/state/types.js";
import { createTestTable, type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";
import { claim, newStore } from "./helpers.js";

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

test("lease: only one of two owners holds it; the token increments on every takeover", async () => {
  const store = await newStore(client);
  const a = await store.acquireLease("provisioner", "a", 30_000, 1_000);
  assert.deepEqual(a, { name: "provisioner", owner: "a", token: 1, expiresAt: 31_000 });
  assert.equal(await store.acquireLease("provisioner", "b", 30_000, 2_000), undefined);
  // A different lease name is independent.
  assert.equal((await store.acquireLease("disruptor", "b", 30_000, 2_000))?.token, 1);
  // Concurrent attempts: exactly one wins.
  const racers = await Promise.all(["c", "d", "e", "f"].map((o) => store.acquireLease("race", o, 30_000, 5_000)));
  assert.equal(racers.filter((l) => l !== undefined).length, 1);
  // Expiry takeover.
  const b = await store.acquireLease("provisioner", "b", 30_000, 31_000);
  assert.deepEqual(b, { name: "provisioner", owner: "b", token: 2, expiresAt: 61_000 });
});

test("lease: renew only by the current owner and token; release keeps the token increasing", async () => {
  const store = await newStore(client);
  const a = (await store.acquireLease("l", "a", 10_000, 0))!;
  const renewed = await store.renewLease(a, 10_000, 5_000);
  assert.equal(renewed.expiresAt, 15_000);
  assert.equal(renewed.token, 1);
  assert.equal(await store.acquireLease("l", "b", 10_000, 14_999), undefined, "renewal extended the lease");
  const b = (await store.acquireLease("l", "b", 10_000, 15_000))!;
  assert.equal(b.token, 2);
  await assert.rejects(store.renewLease(renewed, 10_000, 16_000), FencedError);
  await store.releaseLease(renewed); // stale release is a no-op
  assert.equal((await store.getLease("l"))?.owner, "b");
  await store.releaseLease(b);
  const released = await store.getLease("l");
  assert.equal(released?.owner, "");
  assert.equal(released?.token, 2);
  await assert.rejects(store.renewLease(b, 10_000, 16_000), FencedError, "a released lease cannot be renewed");
  const c = (await store.acquireLease("l", "c", 10_000, 16_000))!;
  assert.equal(c.token, 3, "token survives release");
  // The same owner re-acquiring gets a new token.
  assert.equal((await store.acquireLease("l", "c", 10_000, 17_000))?.token, 4);
});

test("fencing: a stale holder's writes fail after takeover; the new holder's succeed", async () => {
  const store = await newStore(client);
  const a = (await store.acquireLease("provisioner", "a", 10_000, 0))!;
  const created = await store.createClaim(claim("c1"), { lease: a });
  await store.markOfferingUnavailable(
    { instanceType: "m5.large", zone: "us-east-1a", capacityType: "spot", until: 200_000, reason: "ICE" },
    { lease: a },
  );
  const b = (await store.acquireLease("provisioner", "b", 10_000, 10_000))!;
  await assert.rejects(store.updateClaim(created, { state: "Launched" }, { lease: a }), FencedError);
  await assert.rejects(store.createClaim(claim("c2"), { lease: a }), FencedError);
  await assert.rejects(store.deleteClaim("c1", { lease: a }), FencedError);
  await assert.rejects(
    store.markOfferingUnavailable(
      { instanceType: "m5.large", zone: "us-east-1b", capacityType: "spot", until: 1, reason: "x" },
      { lease: a },
    ),
    FencedError,
  );
  assert.equal(await store.getClaim("c2"), undefined);
  const launched = await store.updateClaim(created, { state: "Launched" }, { lease: b });
  assert.equal(launched.state, "Launched");
  assert.equal(launched.version, 2);
  // A released lease fences its former holder too.
  await store.releaseLease(b);
  await assert.rejects(store.updateClaim(launched, { instanceId: "i-1" }, { lease: b }), FencedError);
});

test("fencing: the item's fence stops a stale holder that passed the lease check just before the takeover", async () => {
  const tableName = await createTestTable(client);
  const newHolderStore = new DynamoStateStore({ client, tableName });
  // The stale holder's client: right after its lease read returns, the takeover and the new holder's write happen.
  const staleClient = localDynamoClient(db.endpoint);
  let pauseOnce = false;
  staleClient.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { Key?: { pk?: string } };
      if (pauseOnce && context.commandName === "GetItemCommand" && input.Key?.pk === "LEASE") {
        pauseOnce = false;
        const b = (await newHolderStore.acquireLease("provisioner", "b", 10_000, 20_000))!;
        const current = (await newHolderStore.getClaim("c1"))!;
        await newHolderStore.updateClaim(current, { state: "Launched", instanceId: "i-b" }, { lease: b });
      }
      return result;
    },
    { step: "initialize", name: "pauseAfterLeaseRead" },
  );
  const staleStore = new DynamoStateStore({ client: staleClient, tableName });
  const a = (await staleStore.acquireLease("provisioner", "a", 10_000, 0))!;
  const c1 = await staleStore.createClaim(claim("c1"), { lease: a });
  pauseOnce = true;
  // Even a write that would otherwise pass its version check is refused by the item's fence.
  await assert.rejects(
    staleStore.updateClaim({ ...c1, version: 2, state: "Launched" }, { instanceId: "i-a" }, { lease: a }),
    (err: unknown) => err instanceof FencedError && /newer holder/.test(err.message),
  );
  assert.equal((await newHolderStore.getClaim("c1"))?.instanceId, "i-b");
  staleClient.destroy();
});

test("fencing: a version conflict under a valid fence is a ConflictError, not a FencedError", async () => {
  const store = await newStore(client);
  const a = (await store.acquireLease("provisioner", "a", 10_000, 0))!;
  const c = await store.createClaim(claim("c1"), { lease: a });
  await store.updateClaim(c, { state: "Launched" }, { lease: a });
  await assert.rejects(store.updateClaim(c, { state: "Launched" }, { lease: a }), ConflictError);
});
