import assert from "node:assert/strict";
import { test } from "node:test";
import {
  InMemoryUnavailableOfferings,
  StoreBackedUnavailableOfferings,
  UNAVAILABLE_OFFERING_TTL_MS,
} from "../../lib/cloud/aws/unavailable-offerings.js";
import type { UnavailableOfferingRecord } from "../../lib/state/types.js";

const m5a = { instanceType: "m5.large", zone: "us-east-1a", capacityType: "spot" as const };

test("in-memory: 3-minute TTL, re-marking extends, keyed by capacity type × type × zone", () => {
  const c = new InMemoryUnavailableOfferings();
  c.mark(m5a, "InsufficientInstanceCapacity", 0);
  assert.ok(c.isUnavailable("m5.large", "us-east-1a", "spot", 1));
  assert.ok(!c.isUnavailable("m5.large", "us-east-1a", "on-demand", 1));
  assert.ok(!c.isUnavailable("m5.large", "us-east-1b", "spot", 1));
  assert.equal(UNAVAILABLE_OFFERING_TTL_MS, 180_000);
  c.mark(m5a, "again", 100_000);
  assert.ok(c.isUnavailable("m5.large", "us-east-1a", "spot", 180_000));
  assert.ok(!c.isUnavailable("m5.large", "us-east-1a", "spot", 280_000));
  assert.deepEqual(c.list(280_000), []);
});

test("store-backed: marks write through, refresh loads other invocations' marks, store failures stay local", async () => {
  const rows: UnavailableOfferingRecord[] = [];
  const store = {
    markOfferingUnavailable: async (rec: UnavailableOfferingRecord) => {
      rows.push(rec);
    },
    listUnavailableOfferings: async (now: number) => rows.filter((r) => r.until > now),
  };
  const a = new StoreBackedUnavailableOfferings(store);
  const b = new StoreBackedUnavailableOfferings(store);
  await a.mark(m5a, "InsufficientInstanceCapacity", 1000);
  assert.deepEqual(rows, [{ ...m5a, until: 181_000, reason: "InsufficientInstanceCapacity" }]);
  assert.ok(a.isUnavailable("m5.large", "us-east-1a", "spot", 2000));
  assert.ok(!b.isUnavailable("m5.large", "us-east-1a", "spot", 2000), "not loaded yet");
  await b.refresh(2000);
  assert.ok(b.isUnavailable("m5.large", "us-east-1a", "spot", 2000));
  assert.ok(!b.isUnavailable("m5.large", "us-east-1a", "spot", 181_000));
  const failing = new StoreBackedUnavailableOfferings({
    markOfferingUnavailable: async () => {
      throw new Error("dynamodb down");
    },
    listUnavailableOfferings: async () => [],
  });
  await assert.rejects(failing.mark(m5a, "x", 0), /dynamodb down/);
  assert.ok(failing.isUnavailable("m5.large", "us-east-1a", "spot", 1), "kept locally even when the write failed");
});
