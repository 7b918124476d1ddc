/** The twin's invariants: batch instances owned through claim records, and pods evicted twice. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TAG_STEVEDORE_LAUNCH_BATCH } from "../../lib/core/well-known.js";
import type { NodeClaim } from "../../lib/state/types.js";
import type { InstanceSnapshot } from "../../lib/twin/aws/index.js";
import { checkInvariants, type InvariantInput } from "../../lib/twin/invariants.js";

function instance(id: string, tags: Record<string, string>): InstanceSnapshot {
  return {
    instanceId: id,
    providerID: `aws:///us-east-1a/${id}`,
    instanceType: "m5.large",
    zone: "us-east-1a",
    tags,
    state: "running",
  } as InstanceSnapshot;
}

function claim(id: string, instanceId: string, state: NodeClaim["state"] = "Initialized"): NodeClaim {
  return { id, instanceId, state, pool: "default" } as NodeClaim;
}

function input(over: Partial<InvariantInput>): InvariantInput {
  return {
    now: 0,
    region: "us-east-1",
    instances: [],
    claims: [],
    pods: [],
    pools: [],
    strandedAfterMs: 60_000,
    lateDrains: [],
    ...over,
  };
}

describe("twin invariants", () => {
  it("a batch instance without its claim tag is owned by the claim that records it", () => {
    const batch = { [TAG_STEVEDORE_LAUNCH_BATCH]: "b1" };
    const r = checkInvariants(
      input({
        instances: [instance("i-1", batch), instance("i-2", batch)],
        claims: [claim("c1", "i-1"), claim("c2", "i-2", "Terminated")],
      }),
    );
    assert.equal(r.leakedInstances, 1, "i-2's claim is closed: leaked");
    assert.equal(r.duplicateLaunches, 0);
  });

  it("counts pods evicted more than once", () => {
    const r = checkInvariants(
      input({
        evictionsByUid: new Map([
          ["u1", 1],
          ["u2", 2],
          ["u3", 3],
        ]),
      }),
    );
    assert.equal(r.podsEvictedTwice, 2);
    assert.ok(r.details.some((d) => d.includes("u2")));
  });
});
