/** TriggerDebouncer: idle and max windows, the minimum interval between triggers, restoring a failed batch. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TriggerDebouncer } from "../../lib/controllers/trigger-debouncer.js";

describe("TriggerDebouncer", () => {
  it("closes a batch 100 ms after its last event", () => {
    const d = new TriggerDebouncer();
    assert.equal(d.dueAt(), undefined);
    d.note("pods", 0);
    d.note("pods", 60);
    assert.equal(d.dueAt(), 160);
    assert.equal(d.take(159), undefined);
    assert.deepEqual(d.take(160), { reason: "pods", count: 2 });
    assert.equal(d.pending, false);
  });

  it("never keeps a batch open longer than 1 s after its first event", () => {
    const d = new TriggerDebouncer();
    for (let t = 0; t <= 2000; t += 50) {
      d.note("nodes", t);
      const batch = d.take(t);
      if (batch) {
        assert.equal(t, 1000);
        assert.deepEqual(batch, { reason: "nodes", count: 21 });
        return;
      }
    }
    assert.fail("the batch never closed");
  });

  it("starts at most one trigger per second; pods win the reason of a mixed batch", () => {
    const d = new TriggerDebouncer();
    d.note("nodes", 0);
    assert.ok(d.take(100));
    d.note("nodes", 150);
    d.note("pods", 160);
    assert.equal(d.dueAt(), 1100);
    assert.deepEqual(d.take(1100), { reason: "pods", count: 2 });
  });

  it("makes a restored batch due again after the minimum interval", () => {
    const d = new TriggerDebouncer();
    d.note("pods", 0);
    const batch = d.take(100);
    assert.ok(batch);
    d.restore(batch, 120);
    assert.equal(d.dueAt(), 1100);
    assert.deepEqual(d.take(1100), { reason: "pods", count: 1 });
  });
});
