/**
 * README's "What Stevedore itself costs" says what the tool prints: the modes table is `stevedore cost --modes`
 * rendered for the default stack's shape (the same shape the synthesized stack is checked against in
 * `test/cost/default-stack.test.ts`), the itemized block is `stevedore cost`'s table output, and the dollar figures
 * of the prose come from the same bills. A change of prices, assumptions or stack shows here until the README follows.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { billText } from "../../bin/commands/cost.js";
import { type ControllerBill, computeBill } from "../../lib/cost/controller-bill.js";
import { defaultStackInventory } from "../../lib/cost/default-stack.js";
import { COMPARED_MODES, modeComparisonMarkdown } from "../../lib/cost/mode-comparison.js";
import { assumedUsage, DEFAULT_ASSUMPTIONS } from "../../lib/cost/monthly-usage.js";
import { DEFAULT_PRICES } from "../../lib/cost/price-table.js";
import { REPO_ROOT } from "../../lib/infra/lambda-entries.js";

const SECTION = "## What Stevedore itself costs";

function section(): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(SECTION);
  assert.ok(start >= 0, `README has no "${SECTION}" section`);
  const end = readme.indexOf("\n## ", start + SECTION.length);
  return readme.slice(start, end < 0 ? undefined : end);
}

const bills = COMPARED_MODES.map((m) => {
  const inventory = defaultStackInventory(m.reaction, { observability: m.observability });
  return { ...m, inventory, bill: computeBill(inventory, assumedUsage(inventory), DEFAULT_PRICES) };
});
const usd = (n: number) => `$${n.toFixed(2)}`;
const fn = (bill: ControllerBill, role: string) =>
  bill.lines.filter((l) => l.function === role).reduce((sum, l) => sum + l.usd, 0);
const line = (bill: ControllerBill, item: string) => bill.lines.find((l) => l.item === item)?.usd ?? 0;

describe("README: what Stevedore itself costs", () => {
  const text = section();

  it("shows the modes table as stevedore cost --modes prints it", () => {
    assert.ok(text.includes(modeComparisonMarkdown(bills)), `expected:\n${modeComparisonMarkdown(bills)}`);
  });

  it("shows the default stack's itemized bill as stevedore cost prints it", () => {
    const [defaults] = bills;
    const printed = billText(defaults.bill, defaults.inventory, DEFAULT_ASSUMPTIONS).trimEnd();
    assert.ok(text.includes(printed), `expected:\n${printed}`);
  });

  it("quotes the bills' own figures in its explanation", () => {
    const [lean, full, minute] = bills.map((b) => b.bill);
    const passes = (b: ControllerBill) => fn(b, "provisioner") + fn(b, "disruptor");
    const figures = [
      usd(full.monthlyUsd),
      usd(lean.monthlyUsd),
      usd(minute.monthlyUsd),
      usd(fn(full, "watcher")),
      usd(full.byService.CloudWatch),
      usd(line(full, "dashboards")),
      usd(line(full, "custom metrics (EMF)")),
      usd(full.byService.CloudWatch - lean.byService.CloudWatch),
      usd(passes(full)),
      usd(passes(minute)),
      usd(minute.monthlyUsd - passes(minute)),
    ];
    for (const f of figures) assert.ok(text.includes(f), `README cost section lacks ${f}`);
  });
});
