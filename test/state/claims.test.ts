import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { isValidClaimTransition } from "../../lib/state/claim-transitions.js";
import { InvalidClaimTransitionError } from "../../lib/state/errors.js";
import { type ClaimState, ConflictError } from "../../lib/state/types.js";
import { type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";
import { claim, newStore, TestClock } from "./helpers.js";

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

test("claim transitions: forward only, Draining from launched states, Terminated from any and final", () => {
  const states: ClaimState[] = ["Pending", "Launched", "Registered", "Initialized", "Draining", "Terminated"];
  const allowed = new Set([
    "Pending>Launched",
    "Pending>Registered",
    "Pending>Initialized",
    "Pending>Terminated",
    "Launched>Registered",
    "Launched>Initialized",
    "Launched>Draining",
    "Launched>Terminated",
    "Registered>Initialized",
    "Registered>Draining",
    "Registered>Terminated",
    "Initialized>Draining",
    "Initialized>Terminated",
    "Draining>Terminated",
  ]);
  for (const from of states) {
    for (const to of states) {
      const expected = from === to || allowed.has(`${from}>${to}`);
      assert.equal(isValidClaimTransition(from, to), expected, `${from} → ${to}`);
    }
  }
});

test("claims: create once, read back exactly, duplicate is a ConflictError", async () => {
  const store = await newStore(client);
  const c = claim("default-abc", { expiresAt: 99_000 });
  const created = await store.createClaim(c);
  assert.deepEqual(created, { ...c, version: 1 });
  assert.deepEqual(await store.getClaim("default-abc"), created);
  await assert.rejects(store.createClaim(c), ConflictError);
  assert.equal(await store.getClaim("nope"), undefined);
});

test("claims: lifecycle updates bump the version; invalid transitions and stale versions are rejected", async () => {
  const clock = new TestClock(50_000);
  const store = await newStore(client, { clock });
  let c = await store.createClaim(claim("c1", { emptySince: 10 }));
  c = await store.updateClaim(c, {
    state: "Launched",
    instanceId: "i-0abc",
    instanceType: "m5.large",
    zone: "us-east-1a",
    capacityType: "spot",
    pricePerHour: 0.0412,
    launchedAt: 2_000,
  });
  assert.equal(c.version, 2);
  assert.equal(c.updatedAt, 50_000, "updatedAt defaults to the store clock");
  assert.equal(c.instanceId, "i-0abc");
  const stale = c;
  c = await store.updateClaim(c, {
    state: "Registered",
    nodeName: "ip-10-0-0-1",
    emptySince: undefined,
    updatedAt: 60_000,
  });
  assert.equal(c.version, 3);
  assert.equal(c.updatedAt, 60_000);
  assert.equal("emptySince" in c, false, "undefined in a patch removes the field");
  assert.equal("emptySince" in (await store.getClaim("c1"))!, false);
  await assert.rejects(store.updateClaim(stale, { state: "Registered" }), ConflictError);
  await assert.rejects(store.updateClaim(c, { state: "Pending" }), InvalidClaimTransitionError);
  await assert.rejects(
    store.updateClaim(c, { state: "Launched" }),
    (err: unknown) => err instanceof InvalidClaimTransitionError && err.message.includes("Registered → Launched"),
  );
  // id and version in a patch are ignored.
  c = await store.updateClaim(c, { id: "other", version: 42, state: "Initialized" } as never);
  assert.equal(c.id, "c1");
  assert.equal(c.version, 4);
  c = await store.updateClaim(c, { state: "Draining", drainStartedAt: 70_000, disruptionReason: "Empty" });
  await assert.rejects(store.updateClaim(c, { state: "Initialized" }), InvalidClaimTransitionError);
  c = await store.updateClaim(c, { state: "Terminated", terminatedAt: 80_000 });
  assert.equal(c.state, "Terminated");
  await assert.rejects(store.updateClaim(c, { state: "Draining" }), InvalidClaimTransitionError);
  await assert.rejects(store.updateClaim(claim("ghost", { version: 1 }), { state: "Launched" }), /does not exist/);
});

test("claims: Pending cannot be drained; a claim whose stored state differs is a conflict", async () => {
  const store = await newStore(client);
  const c = await store.createClaim(claim("c1"));
  await assert.rejects(store.updateClaim(c, { state: "Draining" }), InvalidClaimTransitionError);
  // Caller's copy says Launched at the stored version: the state condition catches the lie.
  await assert.rejects(store.updateClaim({ ...c, state: "Launched" }, { state: "Registered" }), ConflictError);
});

test("claims: listing paginates, hides Terminated unless asked, deletes only Terminated", async () => {
  const clock = new TestClock(1_000_000);
  const store = await newStore(client, { clock, queryPageSize: 2, terminatedClaimRetentionMs: 60_000 });
  const ids = Array.from({ length: 7 }, (_, i) => `pool-${String(i).padStart(2, "0")}`);
  for (const id of ids) await store.createClaim(claim(id));
  const t = await store.updateClaim((await store.getClaim("pool-03"))!, { state: "Terminated" });
  assert.deepEqual(
    (await store.listClaims()).map((c) => c.id),
    ids.filter((id) => id !== "pool-03"),
  );
  assert.deepEqual(
    (await store.listClaims({ includeTerminated: true })).map((c) => c.id),
    ids,
  );
  await assert.rejects(store.deleteClaim("pool-00"), ConflictError);
  assert.ok(await store.getClaim("pool-00"));
  // Terminated claims disappear from reads after their retention even though dynalite never expires them.
  clock.t += 60_000;
  assert.equal(await store.getClaim("pool-03"), undefined);
  assert.equal((await store.listClaims({ includeTerminated: true })).length, 6);
  await store.deleteClaim(t.id);
  await store.deleteClaim(t.id); // absent: no-op
  assert.equal((await store.listClaims({ includeTerminated: true })).length, 6);
});
