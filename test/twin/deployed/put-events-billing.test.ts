/** EventBridge bills PutEvents per started 64 KB of each entry: the deployed twin counts what it would bill. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { putEventsBilledEvents } from "../../../lib/twin/deployed/aws-gateway.js";

describe("putEventsBilledEvents", () => {
  test("small entries are one event each; an entry over 64 KB is one per started 64 KB", () => {
    const entry = (detailBytes: number) => ({
      Source: "stevedore",
      DetailType: "Stevedore Launch",
      Detail: JSON.stringify({ pods: "p".repeat(detailBytes) }),
      Time: new Date(0).toISOString(),
    });
    assert.equal(putEventsBilledEvents(JSON.stringify({ Entries: [entry(100), entry(200)] })), 2);
    assert.equal(putEventsBilledEvents(JSON.stringify({ Entries: [entry(70_000)] })), 2);
    assert.equal(putEventsBilledEvents(JSON.stringify({ Entries: [entry(140_000), entry(10)] })), 4);
    assert.equal(putEventsBilledEvents("not json"), 0);
  });
});
