import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { createSsmClient } from "../../lib/state/clients.js";
import { loadEffectiveConfig } from "../../lib/state/config-source.js";
import { RetryableStateError } from "../../lib/state/errors.js";
import { readConfigParameters } from "../../lib/state/ssm-parameters.js";
import { type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";
import { newStore } from "./helpers.js";
import { type SsmStub, startSsmStub } from "./ssm-stub.js";

const EXAMPLE = readFileSync(new URL("./fixtures/karpenter-getting-started.yaml", import.meta.url), "utf8");
const [PROVISIONER, TEMPLATE] = EXAMPLE.split(/^---$/m);
const BAD_PROVISIONER = PROVISIONER.replace("operator: NotIn", "operator: Within");
const ENV = { CLUSTER_NAME: "demo" };

let db: DynaliteHandle;
let dynamo: DynamoDBClient;
let stub: SsmStub;
let ssm: SSMClient;
before(async () => {
  db = await startDynalite();
  dynamo = localDynamoClient(db.endpoint);
  stub = await startSsmStub();
  ssm = createSsmClient({ endpoint: stub.endpoint, maxAttempts: 1 }, {});
});
after(async () => {
  dynamo.destroy();
  ssm.destroy();
  await stub.close();
  await db.close();
});

const names = (objs: { name: string }[]) => objs.map((o) => o.name).sort();

test("config source (DynamoDB): valid items are in force; an item that no longer validates is reported and left out", async () => {
  const store = await newStore(dynamo);
  await store.putConfig({ kind: "NodePool", name: "default", document: PROVISIONER }, 1);
  await store.putConfig({ kind: "NodeClass", name: "default", document: TEMPLATE }, 1);
  await store.putConfig(
    { kind: "NodePool", name: "broken", document: BAD_PROVISIONER.replace("name: default", "name: broken") },
    1,
  );
  const out = await loadEffectiveConfig({ store, env: ENV });
  assert.equal(out.source, "dynamodb");
  assert.deepEqual(names(out.config.nodePools), ["default"]);
  assert.deepEqual(names(out.config.nodeClasses), ["default"]);
  assert.equal(out.issues.length, 1);
  assert.equal(out.issues[0].path, "spec.requirements[1].operator");
  assert.match(out.issues[0].file, /^dynamodb:.*\/NodePool\/broken$/);
  assert.ok(out.warnings.some((w) => /NodePool\/broken: version 1 no longer validates/.test(w)));
  assert.deepEqual(out.config.nodeClasses[0].subnetSelectorTerms[0].tags, { "alpha.eksctl.io/cluster-name": "demo" });
});

test("config source: a pool whose node class is not in force is reported and left out", async () => {
  const store = await newStore(dynamo);
  await store.putConfig({ kind: "NodePool", name: "default", document: PROVISIONER }, 1);
  const out = await loadEffectiveConfig({ store, env: ENV });
  assert.deepEqual(out.config.nodePools, []);
  assert.equal(out.issues.length, 1);
  assert.equal(out.issues[0].path, "spec.providerRef.name");
  assert.match(out.issues[0].message, /node class "default" was not found/);
});

test("config source (SSM): source of truth over DynamoDB; last good version stays in force; recovers", async () => {
  const store = await newStore(dynamo);
  await store.putConfig(
    { kind: "NodePool", name: "from-dynamo", document: PROVISIONER.replace("name: default", "name: from-dynamo") },
    1,
  );
  const path = `/stevedore/${store.tableName}`;
  stub.put(`${path}/provisioners/default`, PROVISIONER);
  stub.put(`${path}/templates/default`, TEMPLATE, "SecureString");
  const load = () => loadEffectiveConfig({ store, ssm: { client: ssm, path }, env: ENV, clock: { now: () => 42 } });

  let out = await load();
  assert.equal(out.source, "ssm");
  assert.deepEqual(names(out.config.nodePools), ["default"], "DynamoDB items ignored");
  assert.deepEqual(names(out.config.nodeClasses), ["default"], "SecureString decrypted");
  assert.deepEqual(out.issues, []);
  assert.ok(out.warnings.some((w) => /1 config item\(s\) ignored: SSM path .* is the source of truth/.test(w)));
  assert.equal((await store.getLastGoodConfig(`${path}/provisioners/default`))?.parameterVersion, 1);

  stub.put(`${path}/provisioners/default`, BAD_PROVISIONER);
  out = await load();
  assert.equal(out.issues.length, 1);
  assert.equal(out.issues[0].file, `ssm:${path}/provisioners/default`);
  assert.equal(out.issues[0].path, "spec.requirements[1].operator");
  assert.deepEqual(names(out.config.nodePools), ["default"], "last good version in force");
  assert.equal(out.config.nodePools[0].source.file, `ssm:${path}/provisioners/default@1`);
  assert.ok(out.warnings.some((w) => /version 2 is invalid; last good version 1 stays in force/.test(w)));
  assert.equal((await store.getLastGoodConfig(`${path}/provisioners/default`))?.parameterVersion, 1);

  stub.put(`${path}/provisioners/default`, PROVISIONER.replace("intent: apps", "intent: web"));
  out = await load();
  assert.deepEqual(out.issues, []);
  assert.equal(out.config.nodePools[0].labels.intent, "web");
  assert.equal((await store.getLastGoodConfig(`${path}/provisioners/default`))?.parameterVersion, 3);
});

test("config source (SSM): an invalid parameter with no good version contributes nothing; duplicates are issues", async () => {
  const store = await newStore(dynamo);
  const path = `/dup/${store.tableName}`;
  stub.put(`${path}/a`, `${PROVISIONER}---\n${TEMPLATE}`);
  stub.put(`${path}/b`, PROVISIONER);
  stub.put(`${path}/c`, BAD_PROVISIONER.replace("name: default", "name: c"));
  const out = await loadEffectiveConfig({ store, ssm: { client: ssm, path }, env: ENV });
  assert.deepEqual(names(out.config.nodePools), ["default"]);
  assert.deepEqual(out.issues.map((i) => `${i.file} ${i.path}`).sort(), [
    `ssm:${path}/b metadata.name`,
    `ssm:${path}/c spec.requirements[1].operator`,
  ]);
  assert.ok(
    out.warnings.some((w) => w.includes(`ssm:${path}/c: version 1 is invalid and no valid earlier version is known`)),
  );
});

test("SSM parameters: recursive, paginated, sorted; throttling is retryable", async () => {
  for (let i = 0; i < 23; i++) stub.put(`/pages/level${i % 3}/p${String(i).padStart(2, "0")}`, `v${i}`);
  stub.put("/pages-not-under-path", "x");
  const before = stub.pagesServed;
  const params = await readConfigParameters(ssm, "pages/");
  assert.equal(params.length, 23);
  assert.equal(stub.pagesServed - before, 3, "10 per page");
  assert.deepEqual(
    params.slice(0, 2).map((p) => p.name),
    ["/pages/level0/p00", "/pages/level0/p03"],
  );
  assert.equal(params[0].version, 1);
  stub.failNext(1, 400, "ThrottlingException");
  await assert.rejects(readConfigParameters(ssm, "/pages"), RetryableStateError);
  stub.failNext(1, 500, "InternalServerError");
  await assert.rejects(readConfigParameters(ssm, "/pages"), RetryableStateError);
  stub.failNext(1, 400, "AccessDeniedException");
  await assert.rejects(
    readConfigParameters(ssm, "/pages"),
    (err: unknown) => err instanceof Error && !(err instanceof RetryableStateError) && /AccessDenied/.test(err.message),
  );
});
