/**
 * The in-process twin and the README's table price the controller on the default stack's shape without
 * synthesizing it; this checks that shape against the synthesized stack of each reaction mode, so a change of memory,
 * schedule, watcher, alarms, dashboard or retention in the stack shows here.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { defaultStackInventory } from "../../lib/cost/default-stack.js";
import { inventoryFromTemplate, type StackInventory } from "../../lib/cost/stack-inventory.js";
import { LAMBDA_ENTRIES } from "../../lib/infra/lambda-entries.js";
import { STACK_SETTING_KEYS } from "../../lib/infra/stack-config.js";
import { build, stubRoot } from "../infra/helpers.js";

/**
 * The reaction setting and the watcher function come from a parallel change; until both are in, the full shape
 * cannot match and the comparison is reported as a todo (it turns into a plain test by itself once they are).
 */
const REACTION_MERGED = (STACK_SETTING_KEYS as readonly string[]).includes("reaction") && "watcher" in LAMBDA_ENTRIES;
const PENDING = REACTION_MERGED ? undefined : "needs the reaction setting and the watcher function in the stack";

function withoutIds(inv: StackInventory) {
  return {
    ...inv,
    functions: inv.functions.map(({ logicalId: _, ...f }) => f).sort((a, b) => a.role.localeCompare(b.role)),
  };
}

describe("default stack shape", () => {
  const root = stubRoot();
  after(() => root.cleanup());

  for (const reaction of ["seconds", "minute"] as const) {
    it(`matches the synthesized stack with reaction ${reaction}: functions, schedules, loops, watch, alarms, dashboard`, {
      todo: PENDING,
    }, () => {
      const synthesized = inventoryFromTemplate(build({ loopSeconds: "40", reaction }, root.root).json);
      assert.deepEqual(withoutIds(synthesized), withoutIds(defaultStackInventory(reaction, { loopSeconds: 40 })));
    });
  }

  for (const observability of ["full", "lean"] as const) {
    it(`matches the synthesized stack's alarms, dashboard, queues and retention with ${observability} observability`, () => {
      // Reaction minute: no watcher (and no watcher alarm) whether or not the stack knows the reaction setting yet.
      const synthesized = inventoryFromTemplate(build({ reaction: "minute", observability }, root.root).json);
      const shape = defaultStackInventory("minute", { observability });
      const pick = (inv: StackInventory) => ({
        alarmMetrics: inv.alarmMetrics,
        dashboards: inv.dashboards,
        observability: inv.observability,
        tables: inv.tables,
        queues: inv.queues,
        queuePollers: inv.queuePollers,
        logRetentionDays: inv.logRetentionDays,
        notPriced: inv.notPriced,
      });
      assert.deepEqual(pick(synthesized), pick(shape));
    });
  }

  it("observability defaults to lean in both reaction modes", () => {
    assert.equal(defaultStackInventory("seconds").observability, "lean");
    assert.equal(defaultStackInventory("minute").observability, "lean");
    assert.ok(defaultStackInventory("seconds").functions.some((f) => f.role === "watcher" && f.watchSeconds === 62));
    assert.ok(!defaultStackInventory("minute").functions.some((f) => f.role === "watcher"));
  });
});
