/**
 * The fake kube-apiserver's list indexes: a list by an indexed field (`spec.nodeName`) and a continued list at an
 * older resourceVersion answer exactly what a naive filter over every object would, in the same order.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../../lib/core/seeded-random.js";
import { type KubeObject, KubeObjectStore, RESOURCE_TYPES } from "../../lib/twin/kube-apiserver/index.js";
import { matchesFilter, type ObjectFilter, parseFieldSelector } from "../../lib/twin/kube-apiserver/selectors.js";

const NODES = ["", "n1", "n2", "n3"];

function filterOf(fieldSelector: string, namespace?: string): ObjectFilter {
  return { namespace, labels: [], fields: parseFieldSelector(fieldSelector, RESOURCE_TYPES.pods) };
}

/** Every pod passing `filter`, sorted by namespace/name: the naive answer. */
function naive(pods: readonly Readonly<KubeObject>[], filter: ObjectFilter): string[] {
  return pods
    .filter((p) => matchesFilter(filter, p as KubeObject))
    .map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p.metadata.resourceVersion])
    .sort(([a], [b]) => (a! < b! ? -1 : 1))
    .map(([key, rv]) => `${key}@${rv}`);
}

const ids = (pods: readonly Readonly<KubeObject>[]) =>
  pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}@${p.metadata.resourceVersion}`);

/** Random creates, binds, rebinds and deletes of pods in two namespaces. */
function churn(store: KubeObjectStore, random: () => number, steps: number): void {
  for (let i = 0; i < steps; i++) {
    const ns = random() < 0.5 ? "a" : "b";
    const name = `p${Math.floor(random() * 60)}`;
    const nodeName = NODES[Math.floor(random() * NODES.length)];
    const existing = store.peek("pods", name, ns);
    if (!existing) {
      store.create("pods", { metadata: { name, namespace: ns }, spec: nodeName ? { nodeName } : {} });
    } else if (random() < 0.25) {
      store.delete("pods", name, ns);
    } else {
      store.mutate("pods", name, ns, (p) => {
        p.spec = nodeName ? { nodeName } : {};
      });
    }
  }
}

const SELECTORS = [
  "spec.nodeName=",
  "spec.nodeName=n1",
  "spec.nodeName=n3,metadata.namespace=b",
  "spec.nodeName!=n2",
  "spec.nodeName=gone",
  "",
];

test("a list by an indexed field answers what a naive filter over every pod answers, in list order", () => {
  const store = new KubeObjectStore();
  const random = seededRandom(7);
  for (let round = 0; round < 20; round++) {
    churn(store, random, 40);
    const all = store.peekAll("pods");
    for (const selector of SELECTORS) {
      for (const namespace of [undefined, "a"]) {
        const filter = filterOf(selector, namespace);
        const listed = ids(store.peekAll("pods", filter));
        assert.deepEqual(listed, naive(all, filter), `${selector} in ${namespace ?? "every namespace"}`);
      }
    }
  }
});

test("a continued list reads the objects as they were at the token's resourceVersion, after its start key", () => {
  const store = new KubeObjectStore();
  const random = seededRandom(11);
  churn(store, random, 200);
  for (let round = 0; round < 15; round++) {
    const rv = store.resourceVersion;
    const then = store.peekAll("pods");
    churn(store, random, 30);
    for (const selector of SELECTORS) {
      const filter = filterOf(selector);
      const expected = naive(then, filter);
      for (const start of ["", "a/p3", "a/p30", "b/p10", "b/p9", "z"]) {
        const page = store.peekAllAt("pods", filter, start, rv);
        assert.ok(page, "the version is still in the history");
        assert.deepEqual(
          ids(page),
          expected.filter((id) => id.slice(0, id.indexOf("@")) > start),
          `${selector} after "${start}" at ${rv}`,
        );
      }
    }
  }
});

test("a continued list at a compacted resourceVersion is refused", () => {
  const store = new KubeObjectStore({ historyLimit: 10 });
  const rv = store.resourceVersion;
  churn(store, seededRandom(3), 50);
  assert.equal(store.peekAllAt("pods", filterOf(""), "", rv), undefined);
});
