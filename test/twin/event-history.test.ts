import assert from "node:assert/strict";
import { test } from "node:test";
import { EventHistory } from "../../lib/twin/kube-apiserver/event-history.js";

test("the watch cache keeps the newest `limit` events across many appends, and answers 410 for older ones", () => {
  const history = new EventHistory<{ resourceVersion: number }>(100);
  for (let rv = 1; rv <= 5_000; rv++) {
    history.append({ resourceVersion: rv });
    if (rv <= 50) continue;
    const since = history.since(rv - 50)!;
    assert.equal(since.length, 50);
    assert.equal(since[0].resourceVersion, rv - 49);
  }
  assert.equal(history.oldestResumableVersion, 4_900);
  assert.equal(history.since(4_899), undefined);
  assert.deepEqual(
    history.since(4_997)!.map((e) => e.resourceVersion),
    [4_998, 4_999, 5_000],
  );
  assert.deepEqual(history.since(5_000), []);

  history.limit = 2;
  history.append({ resourceVersion: 5_001 });
  assert.equal(history.oldestResumableVersion, 4_999);
  assert.deepEqual(
    history.since(4_999)!.map((e) => e.resourceVersion),
    [5_000, 5_001],
  );

  history.compact(5_001);
  assert.equal(history.since(5_000), undefined);
  assert.deepEqual(history.since(5_001), []);
});
