/** plainCopy equals a JSON round trip of client-node's model objects, without the text. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CoreV1Api } from "@kubernetes/client-node";
import { plainCopy } from "../../lib/cluster/plain-copy.js";
import { startFakeKube } from "../support/kube.js";

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value));

test("a pod list as client-node returns it copies as its JSON round trip (dates as ISO strings, no undefined)", async () => {
  const kube = await startFakeKube();
  try {
    const core = kube.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "web-1", labels: { app: "web" } },
        spec: {
          nodeName: "n1",
          containers: [{ name: "c", image: "app", resources: { requests: { cpu: "250m", memory: "512Mi" } } }],
          tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }],
        },
      },
    });
    await core.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "bare" }, spec: { containers: [] } },
    });
    const list = await core.listPodForAllNamespaces();
    assert.ok(list.items[0].metadata?.creationTimestamp instanceof Date, "the model carries Dates");
    assert.deepEqual(plainCopy(list), roundTrip(list));
    assert.deepEqual(plainCopy(list.items), roundTrip(list.items));
  } finally {
    await kube.close();
  }
});

test("edge values follow JSON.stringify: undefined, functions, non-finite numbers, toJSON, __proto__ keys", () => {
  const value = {
    a: undefined,
    b: () => 1,
    c: [undefined, () => 1, Number.NaN, Number.POSITIVE_INFINITY, 1.5, null, "s", true],
    d: new Date(Date.UTC(2026, 0, 2)),
    e: new Date(Number.NaN),
    f: { toJSON: (key: string) => `custom:${key}` },
    g: new Map([["k", 1]]),
    h: { nested: [{ deep: new Date(0) }] },
    ...JSON.parse('{"__proto__": {"polluted": true}}'),
  };
  const copy = plainCopy<Record<string, unknown>>(value);
  assert.deepEqual(copy, roundTrip(value));
  assert.equal(JSON.stringify(copy), JSON.stringify(value));
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
});
