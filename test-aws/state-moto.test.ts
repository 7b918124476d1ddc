/**
 * Conformance: the DynamoDB state store against moto's DynamoDB (a second, independent implementation besides
 * dynalite), plus the table creation with TTL that dynalite cannot do.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { loadEffectiveConfig } from "../lib/state/config-source.js";
import { DynamoStateStore } from "../lib/state/dynamo-store.js";
import { InvalidClaimTransitionError } from "../lib/state/errors.js";
import { readConfigParameters } from "../lib/state/ssm-parameters.js";
import { createStateTable } from "../lib/state/table.js";
import { ConflictError, FencedError, type NodeClaim } from "../lib/state/types.js";
import { MOTO_CREDENTIALS, type MotoHandle, startMoto } from "./support/moto.js";

let moto: MotoHandle;
let client: DynamoDBClient;
let store: DynamoStateStore;
const now = Date.UTC(2024, 4, 1, 10);

before(async () => {
  moto = await startMoto();
  client = new DynamoDBClient({
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: MOTO_CREDENTIALS,
    maxAttempts: 1,
  });
  assert.deepEqual(await createStateTable(client, "stevedore-state"), { created: true });
  store = new DynamoStateStore({ client, tableName: "stevedore-state", clock: { now: () => now }, queryPageSize: 2 });
});
after(async () => {
  client?.destroy();
  await moto?.close();
});

function claim(id: string): NodeClaim {
  return {
    id,
    pool: "default",
    state: "Pending",
    version: 0,
    createdAt: now,
    updatedAt: now,
    instanceTypeOptions: ["m5.large"],
    capacityTypes: ["spot"],
    zones: ["us-east-1a"],
    labels: { a: "b" },
    taints: [],
    startupTaints: [],
    pods: ["default/p"],
    poolHash: "h",
    classHash: "c",
  };
}

test("moto: the table is created with TTL on `ttl`", async () => {
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: "stevedore-state" }));
  assert.equal(ttl.TimeToLiveDescription?.AttributeName, "ttl");
  assert.equal(ttl.TimeToLiveDescription?.TimeToLiveStatus, "ENABLED");
});

test("moto: lease contention, takeover and fencing", async () => {
  const a = (await store.acquireLease("provisioner", "a", 10_000, now))!;
  assert.equal(a.token, 1);
  assert.equal(await store.acquireLease("provisioner", "b", 10_000, now + 1), undefined);
  assert.equal((await store.renewLease(a, 10_000, now + 5_000)).expiresAt, now + 15_000);
  const c = await store.createClaim(claim("m-1"), { lease: a });
  const b = (await store.acquireLease("provisioner", "b", 10_000, now + 15_000))!;
  assert.equal(b.token, 2);
  await assert.rejects(store.renewLease(a, 10_000, now + 16_000), FencedError);
  await assert.rejects(store.updateClaim(c, { state: "Launched" }, { lease: a }), FencedError);
  const launched = await store.updateClaim(c, { state: "Launched", instanceId: "i-1" }, { lease: b });
  assert.equal(launched.version, 2);
  await store.releaseLease(b);
  assert.equal((await store.acquireLease("provisioner", "c", 10_000, now + 16_000))?.token, 3);
});

test("moto: claims — create once, versioned transitions, paginated list, delete", async () => {
  for (const id of ["m-2", "m-3", "m-4"]) await store.createClaim(claim(id));
  await assert.rejects(store.createClaim(claim("m-2")), ConflictError);
  let c = (await store.getClaim("m-2"))!;
  c = await store.updateClaim(c, { state: "Launched", emptySince: 5 });
  const stale = c;
  c = await store.updateClaim(c, { state: "Initialized", emptySince: undefined });
  assert.equal("emptySince" in c, false);
  await assert.rejects(store.updateClaim(stale, { state: "Registered" }), ConflictError);
  await assert.rejects(store.updateClaim(c, { state: "Pending" }), InvalidClaimTransitionError);
  c = await store.updateClaim(c, { state: "Terminated" });
  assert.deepEqual(
    (await store.listClaims()).map((x) => x.id),
    ["m-1", "m-3", "m-4"],
  );
  assert.equal((await store.listClaims({ includeTerminated: true })).length, 4);
  await assert.rejects(store.deleteClaim("m-3"), ConflictError);
  await store.deleteClaim("m-2");
  assert.equal(await store.getClaim("m-2"), undefined);
});

test("moto: a launched claim is found by its instance through the table's index; a closed one is not", async () => {
  let live = await store.createClaim(claim("m-5"));
  live = await store.updateClaim(live, { state: "Launched", instanceId: "i-moto-5" });
  let closed = await store.createClaim(claim("m-6"));
  closed = await store.updateClaim(closed, { state: "Launched", instanceId: "i-moto-6" });
  await store.updateClaim(closed, { state: "Terminated" });
  const found = await store.claimsByInstance(["i-moto-5", "i-moto-6", "i-other"]);
  assert.deepEqual([...found.keys()], ["i-moto-5"]);
  assert.equal(found.get("i-moto-5")?.version, live.version);
});

test("moto: unavailable offerings, decisions, events, config items", async () => {
  await store.markOfferingUnavailable({
    instanceType: "c5.large",
    zone: "us-east-1a",
    capacityType: "spot",
    until: now + 180_000,
    reason: "ICE",
  });
  await store.markOfferingUnavailable({
    instanceType: "c5.large",
    zone: "us-east-1b",
    capacityType: "spot",
    until: now - 1,
    reason: "old",
  });
  assert.deepEqual(
    (await store.listUnavailableOfferings(now)).map((r) => r.zone),
    ["us-east-1a"],
  );
  for (let i = 0; i < 5; i++) {
    await store.logDecision({
      at: now - 86_400_000 + i * 43_200_000,
      controller: "p",
      action: `d${i}`,
      details: { i },
    });
  }
  assert.deepEqual(
    (await store.listDecisions(0)).map((d) => d.action),
    ["d0", "d1", "d2", "d3", "d4"],
  );
  assert.deepEqual(
    (await store.listDecisions(0, 2)).map((d) => d.action),
    ["d3", "d4"],
  );
  assert.equal(await store.recordEventOnce("e1", now, 60_000), true);
  assert.equal(await store.recordEventOnce("e1", now + 1, 60_000), false);
  assert.equal(await store.recordEventOnce("e1", now + 60_000, 60_000), true);
  const v1 = await store.putConfig({ kind: "NodePool", name: "default", document: "a" }, now, 0);
  assert.equal(v1.version, 1);
  await assert.rejects(store.putConfig({ kind: "NodePool", name: "default", document: "b" }, now, 0), ConflictError);
  assert.equal((await store.putConfig({ kind: "NodePool", name: "default", document: "b" }, now, 1)).version, 2);
  assert.deepEqual(
    (await store.listConfig()).map((x) => `${x.kind}/${x.name}@${x.version}`),
    ["NodePool/default@2"],
  );
  assert.equal(await store.deleteConfig("NodePool", "default"), true);
  await store.putLastGoodConfig({ parameterName: "/p", parameterVersion: 2, text: "t2", savedAt: now });
  await store.putLastGoodConfig({ parameterName: "/p", parameterVersion: 1, text: "t1", savedAt: now });
  assert.equal((await store.getLastGoodConfig("/p"))?.text, "t2");
});

test("moto: SSM config source — recursive decrypted paginated read, last good version stays in force", async () => {
  const ssm = new SSMClient({
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: MOTO_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    const example = readFileSync(
      new URL("../test/state/fixtures/karpenter-getting-started.yaml", import.meta.url),
      "utf8",
    );
    const [provisioner, template] = example.split(/^---$/m);
    const put = (Name: string, Value: string, Type: "String" | "SecureString" = "String") =>
      ssm.send(new PutParameterCommand({ Name, Value, Type, Overwrite: true }));
    await put("/stevedore/demo/provisioners/default", provisioner);
    await put("/stevedore/demo/templates/default", template, "SecureString");
    for (let i = 0; i < 12; i++) await put(`/stevedore/other/p${String(i).padStart(2, "0")}`, `v${i}`);
    const params = await readConfigParameters(ssm, "/stevedore/other");
    assert.equal(params.length, 12, "paginated (10 per page)");
    assert.equal(params[11].name, "/stevedore/other/p11");

    const load = () =>
      loadEffectiveConfig({ store, ssm: { client: ssm, path: "/stevedore/demo" }, env: { CLUSTER_NAME: "demo" } });
    let out = await load();
    assert.deepEqual(out.issues, []);
    assert.deepEqual(
      out.config.nodePools.map((p) => p.name),
      ["default"],
    );
    assert.deepEqual(
      out.config.nodeClasses.map((c) => c.name),
      ["default"],
      "SecureString decrypted",
    );
    await put("/stevedore/demo/provisioners/default", provisioner.replace("operator: NotIn", "operator: Within"));
    out = await load();
    assert.equal(out.issues[0]?.path, "spec.requirements[1].operator");
    assert.equal(out.config.nodePools[0]?.source.file, "ssm:/stevedore/demo/provisioners/default@1");
  } finally {
    ssm.destroy();
  }
});
