/**
 * The per-container parse cache of config documents: a text already parsed is not parsed again, and a changed
 * document, version or placeholder value is seen by the very next load of the same config source.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { effectiveConfigSource } from "../../lib/controllers/config-source.js";
import { silentLogger } from "../../lib/core/logger.js";
import { loadEffectiveConfig } from "../../lib/state/config-source.js";
import { type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";
import { newStore } from "./helpers.js";

const EXAMPLE = readFileSync(new URL("./fixtures/karpenter-getting-started.yaml", import.meta.url), "utf8");
const [PROVISIONER, TEMPLATE] = EXAMPLE.split(/^---$/m);

let db: DynaliteHandle;
let dynamo: DynamoDBClient;
before(async () => {
  db = await startDynalite();
  dynamo = localDynamoClient(db.endpoint);
});
after(async () => {
  dynamo.destroy();
  await db.close();
});

test("an unchanged document is parsed once; a new version of it is in force at the next load", async () => {
  const store = await newStore(dynamo);
  await store.putConfig({ kind: "NodePool", name: "default", document: PROVISIONER }, 1);
  await store.putConfig({ kind: "NodeClass", name: "default", document: TEMPLATE }, 1);
  const source = effectiveConfigSource({ store, env: { CLUSTER_NAME: "demo" } }, silentLogger);
  const first = await source.load();
  const second = await source.load();
  assert.equal(second.nodePools[0], first.nodePools[0], "the same parsed pool: not parsed again");
  assert.equal(first.nodePools[0].limits.cpu, "1000");

  await store.putConfig(
    { kind: "NodePool", name: "default", document: PROVISIONER.replace("cpu: 1000", "cpu: 64") },
    2,
    1,
  );
  const third = await source.load();
  assert.equal(third.nodePools[0].limits.cpu, "64", "the changed document is parsed at once");
  assert.equal(third.nodeClasses[0], first.nodeClasses[0], "the unchanged class is still not parsed again");
});

test("a placeholder's new value is a new parse", async () => {
  const store = await newStore(dynamo);
  await store.putConfig({ kind: "NodePool", name: "default", document: PROVISIONER }, 1);
  await store.putConfig({ kind: "NodeClass", name: "default", document: TEMPLATE }, 1);
  const env: Record<string, string> = { CLUSTER_NAME: "demo" };
  const before = await loadEffectiveConfig({ store, env });
  env.CLUSTER_NAME = "other";
  const later = await loadEffectiveConfig({ store, env });
  const tagOf = (c: typeof before) => c.config.nodeClasses[0].subnetSelectorTerms[0].tags;
  assert.deepEqual(tagOf(before), { "alpha.eksctl.io/cluster-name": "demo" });
  assert.deepEqual(tagOf(later), { "alpha.eksctl.io/cluster-name": "other" });
});

test("an invalid document's issues are reported on every load, cached or not", async () => {
  const store = await newStore(dynamo);
  const bad = PROVISIONER.replace("operator: NotIn", "operator: Within");
  await store.putConfig({ kind: "NodePool", name: "default", document: bad }, 1);
  await store.putConfig({ kind: "NodeClass", name: "default", document: TEMPLATE }, 1);
  for (let i = 0; i < 2; i++) {
    const out = await loadEffectiveConfig({ store, env: { CLUSTER_NAME: "demo" } });
    assert.equal(out.issues.length, 1, `load ${i + 1}`);
    assert.equal(out.config.nodePools.length, 0);
  }
});
