/**
 * The in-process twin and the README's table price the controller on the default stack's shape without
 * synthesizing it; this checks that shape against the synthesized stack of each reaction mode, so a change of memory,
 * schedule, watcher, alarms, dashboard or retention in the stack shows here.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { computeBill } from "../../lib/cost/controller-bill.js";
import { defaultStackInventory } from "../../lib/cost/default-stack.js";
import { assumedUsage, DEFAULT_ASSUMPTIONS } from "../../lib/cost/monthly-usage.js";
import { DEFAULT_PRICES } from "../../lib/cost/price-table.js";
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

  it("reaction minute prices no SQS poll and no message request; the interruption function still runs per event", () => {
    const sqsRequests = (reaction: "seconds" | "minute") => {
      const inv = inventoryFromTemplate(build({ reaction }, root.root).json);
      const usage = assumedUsage(inv, DEFAULT_ASSUMPTIONS);
      const interruption = inv.functions.find((f) => f.role === "interruption");
      assert.equal(interruption?.eventTriggered, true, `${reaction}: invoked per interruption event`);
      assert.ok((usage.functions[interruption?.logicalId ?? ""]?.invocations ?? 0) > 0, reaction);
      const line = computeBill(inv, usage, DEFAULT_PRICES).lines.find((l) => l.service === "SQS");
      return { pollers: inv.queuePollers, queues: inv.queues, requests: line?.quantity ?? 0 };
    };
    const seconds = sqsRequests("seconds");
    const minute = sqsRequests("minute");
    // 15 long polls a minute around the clock (43,800 minutes) plus 3 requests per interruption message.
    assert.deepEqual([seconds.pollers, seconds.queues], [1, 2]);
    assert.ok(seconds.requests >= 15 * 43_800, `${seconds.requests}`);
    assert.deepEqual([minute.pollers, minute.queues, minute.requests], [0, 1, 0]);
  });

  it("observability defaults to lean in both reaction modes", () => {
    assert.equal(defaultStackInventory("seconds").observability, "lean");
    assert.equal(defaultStackInventory("minute").observability, "lean");
    assert.ok(defaultStackInventory("seconds").functions.some((f) => f.role === "watcher" && f.watchSeconds === 62));
    assert.ok(!defaultStackInventory("minute").functions.some((f) => f.role === "watcher"));
  });
});
