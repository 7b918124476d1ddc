import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseResource } from "../../lib/core/quantity.js";
import { computeResources } from "../../lib/scheduling/catalog/allocatable.js";
import { type InstanceTypeRecord, isCompleteRecord } from "../../lib/scheduling/catalog/catalog-record.js";

const records = JSON.parse(
  readFileSync(new URL("../../data/instance-types.json", import.meta.url), "utf8"),
) as InstanceTypeRecord[];

describe("golden allocatable (Karpenter's advertised AL2023 values)", () => {
  it("matches cpu, memory, pods and ephemeral-storage for every complete type", () => {
    const complete = records.filter(isCompleteRecord);
    assert.equal(complete.length, 1363);
    const mismatches: string[] = [];
    let compared = 0;
    for (const r of complete) {
      const golden = r.karpenterAllocatableAL2023;
      assert.ok(golden, `${r.name} has no golden values`);
      const { allocatable } = computeResources(r);
      const expected: Record<string, number> = {
        cpu: parseResource("cpu", golden.cpu),
        memory: parseResource("memory", golden.memory),
        pods: golden.pods,
      };
      if (golden["ephemeral-storage"] !== undefined) {
        expected["ephemeral-storage"] = parseResource("ephemeral-storage", golden["ephemeral-storage"]);
      }
      for (const [k, v] of Object.entries(expected)) {
        if (allocatable[k] !== v) mismatches.push(`${r.name} ${k}: computed ${allocatable[k]}, advertised ${v}`);
      }
      compared++;
    }
    assert.deepEqual(mismatches, []);
    assert.equal(compared, 1363);
  });
});
