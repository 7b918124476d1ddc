/**
 * The in-process twin prices the controller on the default stack's shape without synthesizing it; this checks that
 * shape against the synthesized stack, so a change of memory, schedule, alarms or retention in the stack shows here.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { defaultStackInventory } from "../../lib/cost/default-stack.js";
import { inventoryFromTemplate } from "../../lib/cost/stack-inventory.js";
import { build, stubRoot } from "../infra/helpers.js";

describe("default stack shape", () => {
  const root = stubRoot();
  after(() => root.cleanup());

  it("matches the synthesized stack's functions, schedules, loops, queues, alarms, dashboard and retention", () => {
    const synthesized = inventoryFromTemplate(build({ loopSeconds: "40" }, root.root).json);
    const shape = defaultStackInventory(40);
    const withoutIds = (inv: typeof shape) => ({
      ...inv,
      functions: inv.functions.map(({ logicalId: _, ...f }) => f).sort((a, b) => a.role.localeCompare(b.role)),
    });
    assert.deepEqual(withoutIds(synthesized), withoutIds(shape));
  });
});
