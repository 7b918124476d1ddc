import assert from "node:assert/strict";
import { test } from "node:test";
import { formatResource, parseResource } from "../../lib/core/quantity.js";

test("parses and formats quantities in internal units", () => {
  assert.equal(parseResource("cpu", "1.5"), 1500);
  assert.equal(parseResource("cpu", "250m"), 250);
  assert.equal(parseResource("memory", "1Gi"), 2 ** 30);
  assert.equal(parseResource("memory", "100M"), 100e6);
  assert.equal(formatResource("cpu", 1930), "1930m");
  assert.equal(formatResource("memory", 6903 * 2 ** 20), "6903Mi");
  assert.throws(() => parseResource("cpu", "lots"), /not a valid quantity/);
});
