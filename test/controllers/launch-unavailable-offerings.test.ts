/**
 * Unavailable offerings have one recorder: the cloud provider, which sees the capacity errors. A launch that fails
 * with insufficient capacity records each offering exactly once, with the provider's one TTL; the controller does
 * not record it again. Offerings the controllers mark themselves (spot interruptions) go through the same recorder.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { UNAVAILABLE_OFFERING_TTL_MS } from "../../lib/cloud/aws/unavailable-offerings.js";
import { ClaimLauncher } from "../../lib/controllers/launch.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import type { UnavailableOfferingRecord } from "../../lib/state/types.js";
import { type ControllerHarness, startControllerHarness, TYPES } from "../support/controller-harness.js";

const keyOf = (o: { capacityType: string; instanceType: string; zone: string }) =>
  `${o.capacityType}/${o.instanceType}/${o.zone}`;

/** Every offering write that reaches the state store, whoever makes it. */
function recordWrites(h: ControllerHarness): UnavailableOfferingRecord[] {
  const writes: UnavailableOfferingRecord[] = [];
  const original = h.state.markOfferingUnavailable.bind(h.state);
  h.state.markOfferingUnavailable = async (rec, fence) => {
    writes.push(rec);
    return original(rec, fence);
  };
  return writes;
}

describe("unavailable offerings", () => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = await startControllerHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  test("an insufficient-capacity launch records each offering once, with the one TTL", async () => {
    const pool = h.config.nodePools[0];
    const types = await h.cloud.getInstanceTypes(pool, h.config.nodeClasses[0]);
    const solved = solve({
      pods: [h.pod("web-0", { cpu: "1" })],
      existingNodes: [],
      daemonSets: [],
      pools: [{ pool, instanceTypes: types }],
    });
    for (const type of TYPES) h.aws.emulator.injectIce(type, undefined, undefined, h.clock.now() + 3_600_000);
    const writes = recordWrites(h);
    const startedAt = h.clock.now();

    const outcome = await new ClaimLauncher(h.deps()).launch(solved.newNodes[0], {
      config: h.config,
      controller: "provisioner",
      why: "test",
    });

    assert.equal(outcome.status, "insufficient-capacity");
    if (outcome.status !== "insufficient-capacity") return;
    assert.ok(outcome.offerings.length > 1, "both capacity types and several types were tried");
    const counts = new Map<string, number>();
    for (const w of writes) counts.set(keyOf(w), (counts.get(keyOf(w)) ?? 0) + 1);
    assert.deepEqual(
      [...counts.entries()].filter(([, n]) => n !== 1),
      [],
      "each offering is written once",
    );
    assert.deepEqual([...counts.keys()].sort(), outcome.offerings.map(keyOf).sort(), "every failed offering");
    for (const w of writes) assert.equal(w.until, startedAt + UNAVAILABLE_OFFERING_TTL_MS, keyOf(w));
    const stored = await h.state.listUnavailableOfferings(h.clock.now());
    assert.equal(stored.length, outcome.offerings.length);
  });

  test("an offering marked through the cloud seam (spot interruption) uses the same recorder and TTL", async () => {
    const writes = recordWrites(h);
    const offering = { instanceType: "m5.large", zone: "us-east-1a", capacityType: "spot" as const };
    await h.cloud.markOfferingUnavailable(offering, "SpotInterruption");
    assert.deepEqual(writes, [
      { ...offering, until: h.clock.now() + UNAVAILABLE_OFFERING_TTL_MS, reason: "SpotInterruption" },
    ]);
    const types = await h.cloud.getInstanceTypes(h.config.nodePools[0], h.config.nodeClasses[0]);
    const o = types
      .find((t) => t.name === "m5.large")
      ?.offerings.find((x) => x.zone === "us-east-1a" && x.capacityType === "spot");
    assert.equal(o?.available, false, "launches and listings skip it");
  });
});
