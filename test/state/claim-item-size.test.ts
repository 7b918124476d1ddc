/**
 * Claim items stay small on the real protocol (dynalite): a launched claim of the scale scenario's shape (60 allowed
 * instance types, 40 pods, a NodePool's and an instance type's labels) is at most 1 KB from its Pending intent on, so
 * its put and each of its updates cost one write unit; a Terminated claim is a tombstone of a few hundred bytes; items written in the old, full form
 * still read and update; and what readers derive from a slimmed claim (registration labels, in-flight capacity)
 * is what they derived from the full one.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { builtinInstanceTypes } from "../../lib/cloud/aws/builtin-catalog.js";
import { registrationLabels } from "../../lib/controllers/registration.js";
import { LABEL_ALIASES } from "../../lib/core/well-known.js";
import { claimAttributes, claimFromAttributes } from "../../lib/state/claim-item.js";
import type { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import { dynamoItemSize } from "../../lib/state/item-size.js";
import { claimKey } from "../../lib/state/keys.js";
import { decodeOptionNames, encodeOptionNames } from "../../lib/state/option-list.js";
import { decodePodKeys, encodePodKeys } from "../../lib/state/pod-key-list.js";
import type { NodeClaim } from "../../lib/state/types.js";
import type { ClusterView } from "../../lib/view/cluster-view.js";
import { claimToInFlight } from "../../lib/view/existing-nodes.js";
import { type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";
import { claim, newStore, TestClock } from "./helpers.js";

const CATALOG = builtinInstanceTypes({ region: "us-east-1" });
const FAMILIES = ["m5", "m5a", "m6i", "m6a", "m7i", "c5", "c5a", "c6i", "c6a", "c7i", "r5", "r5a", "r6i", "r6a", "r7i"];
const TYPES = FAMILIES.flatMap((f) => ["large", "xlarge", "2xlarge", "4xlarge"].map((s) => `${f}.${s}`));
const CHOSEN = "m6a.xlarge";

let db: DynaliteHandle;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
before(async () => {
  db = await startDynalite();
  client = localDynamoClient(db.endpoint);
  doc = DynamoDBDocumentClient.from(client);
});
after(async () => {
  client.destroy();
  await db.close();
});

/** The labels the packer gives a node of the scale scenario's NodePool on `CHOSEN` (with the beta aliases). */
function scaleLabels(id: string): Record<string, string> {
  const type = CATALOG.find((t) => t.name === CHOSEN);
  assert.ok(type, `${CHOSEN} is in the catalog`);
  const labels: Record<string, string> = {
    "karpenter.sh/nodepool": "default",
    "karpenter.sh/registered": "true",
    "karpenter.sh/initialized": "true",
    "karpenter.k8s.aws/ec2nodeclass": "default",
    ...type.labels,
    "topology.kubernetes.io/zone": "us-east-1c",
    "karpenter.sh/capacity-type": "spot",
  };
  for (const [alias, key] of Object.entries(LABEL_ALIASES)) if (labels[key] !== undefined) labels[alias] = labels[key];
  labels["stevedore.dev/claim"] = id;
  return labels;
}

/** 40 pods of the scale scenario's two small-pod Deployments, named as the twin's ReplicaSet controller names them. */
const TWIN_PODS = Array.from(
  { length: 40 },
  (_, i) => `default/${i % 2 ? "anti" : "spread"}-${(4000 + i).toString(36).padStart(5, "0")}`,
);
const APPS = ["checkout-api", "payments-worker", "search-frontend", "inventory-sync"];
/** 40 pods of four Deployments with Kubernetes' usual generated names, the Deployments interleaved. */
const PODS = Array.from(
  { length: 40 },
  (_, i) => `production/${APPS[i % 4]}-5f7b9c8d6d-${(100_000 + i * 7919).toString(36).slice(-5)}`,
);
/** The same keys as read back: grouped by workload, in order within each. */
const PODS_READ = APPS.flatMap((app) => PODS.filter((p) => p.startsWith(`production/${app}-`)));

function scaleClaim(id: string, pods = PODS): NodeClaim {
  return claim(id, {
    instanceTypeOptions: TYPES,
    capacityTypes: ["on-demand", "spot"],
    zones: ["us-east-1a", "us-east-1b", "us-east-1c"],
    labels: scaleLabels(id),
    taints: [],
    startupTaints: [],
    pods,
    poolHash: "8f3b2a1c9d7e6f50",
    classHash: "1a2b3c4d5e6f7a8b",
    pricePerHour: 0.0688,
    batchId: "batch-default-7h2k9m4q",
  });
}

/** The labels only a launch decides (the instance's type, zone and capacity type) and registration adds. */
const DECIDED_LATER = new Set([
  "karpenter.sh/registered",
  "karpenter.sh/initialized",
  "node.kubernetes.io/instance-type",
  "topology.kubernetes.io/zone",
  "karpenter.sh/capacity-type",
]);

/** The claim as its Pending intent: without the labels a launch decides (nor their aliases). */
function intentOf(c: NodeClaim): NodeClaim {
  const decided = (k: string) => DECIDED_LATER.has(k) || DECIDED_LATER.has(LABEL_ALIASES[k] ?? "");
  return { ...c, labels: Object.fromEntries(Object.entries(c.labels).filter(([k]) => !decided(k))) };
}

const LAUNCH: Partial<NodeClaim> = {
  state: "Launched",
  instanceId: "i-0a1b2c3d4e5f60718",
  providerID: "aws:///us-east-1c/i-0a1b2c3d4e5f60718",
  instanceType: CHOSEN,
  zone: "us-east-1c",
  capacityType: "spot",
  pricePerHour: 0.0688,
  launchedAt: Date.UTC(2024, 0, 15, 12, 0, 3),
};

let copies = 0;

/** The stored item (with the store's key and bookkeeping attributes) and the write units a put of it costs. */
async function stored(store: DynamoStateStore, id: string) {
  const out = await doc.send(new GetCommand({ TableName: store.tableName, Key: claimKey(id), ConsistentRead: true }));
  const item = out.Item ?? {};
  const copy = await doc.send(
    new PutCommand({
      TableName: store.tableName,
      Item: { ...item, sk: `copy-${++copies}-of-${id}` },
      ReturnConsumedCapacity: "TOTAL",
    }),
  );
  return { item, bytes: dynamoItemSize(item), writeUnits: copy.ConsumedCapacity?.CapacityUnits };
}

test("a claim of the scale shape is at most 1 KB (one write unit) along its life, Pending included; its tombstone under 400 bytes", async () => {
  const clock = new TestClock();
  const store = await newStore(client, { clock });
  const pending = await store.createClaim(intentOf(scaleClaim("default-8f3k2m9x", TWIN_PODS)));
  const intent = await stored(store, pending.id);
  assert.ok(
    intent.bytes <= 1024,
    `a Pending claim with its 60 options is ${intent.bytes} bytes: ${JSON.stringify(intent.item)}`,
  );
  assert.equal(intent.writeUnits, 1, "the intent's put costs one write unit, and so does the launch record's update");
  assert.deepEqual((await store.getClaim(pending.id))?.instanceTypeOptions, TYPES, "the options read back in order");
  let c = await store.updateClaim(pending, LAUNCH);
  for (const patch of [
    {},
    { state: "Registered", nodeName: "ip-10-0-12-34.ec2.internal", registeredAt: clock.t + 20_000 },
    { state: "Initialized", initializedAt: clock.t + 40_000 },
    { lastPodEventAt: clock.t + 60_000, podSetDigest: "5d41402abc4b2a76b9719d911017c592" },
    { disruptionReason: "Underutilized", disruptedAt: clock.t + 900_000, replacementClaimIds: ["default-2n8v5c1z"] },
    { state: "Draining", drainStartedAt: clock.t + 901_000, drainDeadline: clock.t + 1_800_000 },
  ] as Partial<NodeClaim>[]) {
    c = await store.updateClaim(c, patch);
    const s = await stored(store, c.id);
    assert.ok(s.bytes <= 1024, `${c.state} claim is ${s.bytes} bytes: ${JSON.stringify(s.item)}`);
    assert.equal(s.writeUnits, 1, `${c.state}: one write unit`);
    assert.ok(Math.abs(s.bytes - 1024 * (s.writeUnits ?? 0)) < 1024, "the size helper agrees with dynalite");
  }
  assert.deepEqual(
    c.pods,
    ["spread", "anti"].flatMap((app) => TWIN_PODS.filter((p) => p.startsWith(`default/${app}-`))),
    "pod keys read back, grouped by workload",
  );
  assert.deepEqual(c.instanceTypeOptions, []);
  c = await store.updateClaim(c, { state: "Terminated", terminatedAt: clock.t + 960_000 });
  const tomb = await stored(store, c.id);
  assert.ok(tomb.bytes <= 384, `tombstone is ${tomb.bytes} bytes: ${JSON.stringify(tomb.item)}`);
  const read = await store.getClaim(c.id);
  assert.deepEqual(
    { ...read, updatedAt: 0 },
    {
      id: c.id,
      pool: "default",
      state: "Terminated",
      version: 9,
      createdAt: 1_000,
      updatedAt: 0,
      instanceId: LAUNCH.instanceId,
      providerID: LAUNCH.providerID,
      nodeName: "ip-10-0-12-34.ec2.internal",
      instanceType: CHOSEN,
      zone: "us-east-1c",
      capacityType: "spot",
      pricePerHour: 0.0688,
      launchedAt: LAUNCH.launchedAt,
      disruptedAt: clock.t + 900_000,
      drainStartedAt: clock.t + 901_000,
      terminatedAt: clock.t + 960_000,
      batchId: "batch-default-7h2k9m4q",
      disruptionReason: "Underutilized",
      instanceTypeOptions: [],
      capacityTypes: [],
      zones: [],
      labels: {},
      taints: [],
      startupTaints: [],
      pods: [],
      poolHash: "",
      classHash: "",
    },
    "the tombstone reads as a NodeClaim with empty lists for what it dropped",
  );
});

test("an item written in the old, full form reads as it was, and slims on its next state change", async () => {
  const store = await newStore(client, { clock: new TestClock() });
  const full: NodeClaim = { ...scaleClaim("default-old00001"), ...LAUNCH, version: 3 } as NodeClaim;
  await doc.send(new PutCommand({ TableName: store.tableName, Item: { ...full, ...claimKey(full.id) } }));
  const read = await store.getClaim(full.id);
  assert.deepEqual(read, full);
  const before = await stored(store, full.id);
  assert.ok(before.bytes > 2048, `old items are big (${before.bytes} bytes)`);
  const registered = await store.updateClaim(full, { state: "Registered", nodeName: "ip-10-0-1-2.ec2.internal" });
  const after = await stored(store, full.id);
  assert.ok(after.bytes <= 1024, `after its next state change: ${after.bytes} bytes`);
  const withoutInstanceLabels = Object.fromEntries(
    Object.entries(full.labels).filter(([k]) => !k.startsWith("karpenter.k8s.aws/instance-")),
  );
  assert.deepEqual(
    registered.labels,
    withoutInstanceLabels,
    "implied labels come back; instance ones are the catalog's",
  );
  assert.deepEqual(registered.pods, PODS_READ);
});

test("readers see the same node through a slimmed claim as through the full one", () => {
  const full = { ...scaleClaim("default-8f3k2m9x"), ...LAUNCH } as NodeClaim;
  const slim = claimFromAttributes(claimAttributes(full));
  assert.deepEqual(slim.instanceTypeOptions, []);
  const catalog = CATALOG.filter((t) => TYPES.includes(t.name));
  const view = { instanceTypes: new Map([["default", catalog]]) } as unknown as ClusterView;
  assert.deepEqual(registrationLabels(slim, view), registrationLabels(full, view));
  const inFlight = (c: NodeClaim) => claimToInFlight(c, catalog, []);
  assert.deepEqual(inFlight(slim), inFlight(full));
});

test("a Pending claim leaves its type's own labels to the catalog: in flight it carries what all its options share", () => {
  const pending = scaleClaim("default-8f3k2m9x");
  const slim = claimFromAttributes(claimAttributes(pending));
  assert.deepEqual(slim.instanceTypeOptions, TYPES, "a Pending claim keeps its options");
  assert.ok(!Object.keys(slim.labels).some((k) => k.startsWith("karpenter.k8s.aws/instance-")));
  const catalog = CATALOG.filter((t) => TYPES.includes(t.name));
  const labels = claimToInFlight(slim, catalog, []).labels;
  assert.equal(labels["karpenter.k8s.aws/instance-hypervisor"], "nitro", "shared by all 60 options");
  assert.equal(labels["kubernetes.io/arch"], "amd64");
  assert.equal(labels["karpenter.k8s.aws/instance-size"], undefined, "the options differ in size");
  assert.equal(labels["karpenter.sh/nodepool"], "default");
});

test("option names: deflated in their order; old items' plain list and odd names still read", () => {
  const priceOrdered = [...TYPES].reverse();
  const encoded = encodeOptionNames(priceOrdered);
  assert.ok(encoded instanceof Uint8Array && encoded.byteLength < 200, "60 names deflate to under 200 bytes");
  assert.deepEqual(decodeOptionNames(encoded), priceOrdered);
  assert.deepEqual(decodeOptionNames(["m5.large", "c5.large"]), ["m5.large", "c5.large"], "an old item's list");
  assert.deepEqual(encodeOptionNames([]), []);
  assert.deepEqual(encodeOptionNames(["a b", "c"]), ["a b", "c"], "a name with a space stays a list");
  assert.deepEqual(decodeOptionNames(undefined), []);
});

test("pod keys: one prefix-shared string, grouped by workload; old items' plain list and odd keys still read", () => {
  assert.equal(
    encodePodKeys(["default/web-7d9f8-abcde", "default/db-0", "default/web-7d9f8-fghij", "kube-system/dns"]),
    "default/web-7d9f8-abcde fghij default/db-0 kube-system/dns",
  );
  assert.deepEqual(decodePodKeys(encodePodKeys(PODS)), PODS_READ);
  for (const keys of [
    ["default/a-1", "default/a-2", "default/b-1", "other/a-3", "default/web", "default/x", "stevedore.dev/headroom-0"],
    ["default/web-", "default/web-", "default/web-1"],
    [],
    ["no-namespace", "default/x"],
  ]) {
    assert.deepEqual(decodePodKeys(encodePodKeys(keys)), keys, JSON.stringify(keys));
  }
  assert.deepEqual(decodePodKeys(["default/web-0"]), ["default/web-0"]);
  assert.deepEqual(decodePodKeys(undefined), []);
});
