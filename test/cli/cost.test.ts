/**
 * `stevedore cost` as a user runs it: the table and JSON for an assembly, the default stack synthesized in process
 * with no AWS access, a malformed price file and an unknown option (exit 2, the field or option named).
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { run as cost } from "../../bin/commands/cost.js";
import type { ControllerBill } from "../../lib/cost/controller-bill.js";
import { DEFAULT_PRICES } from "../../lib/cost/price-table.js";
import { FIXTURE_TEMPLATE } from "../cost/fixture-template.js";

async function runCost(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await cost(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

function fixtureAssembly(): string {
  const dir = mkdtempSync(join(tmpdir(), "stevedore-cost-"));
  const manifest = {
    artifacts: {
      Stevedore: { type: "aws:cloudformation:stack", properties: { templateFile: "Stevedore.template.json" } },
    },
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  writeFileSync(join(dir, "Stevedore.template.json"), JSON.stringify(FIXTURE_TEMPLATE));
  return dir;
}

describe("stevedore cost", () => {
  const assembly = fixtureAssembly();

  it("prints the itemized table with subtotals, the total and the prices' date", async () => {
    const r = await runCost(["--assembly", assembly]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /provisioner \(1024 MB arm64\) duration\s+2,190,000\s+GB-s\s+\$29\.20\s+estimated/);
    assert.match(r.stdout, /DynamoDB\s+subtotal/);
    assert.match(r.stdout, /TOTAL\s+\$\d+\.\d\d/);
    assert.match(r.stdout, new RegExp(`list prices of ${DEFAULT_PRICES.date}`));
  });

  it("-o json gives the bill with its lines, totals by service and the assumptions", async () => {
    const r = await runCost(["--assembly", assembly, "-o", "json", "--nodes", "40", "--churn-per-hour", "10"]);
    assert.equal(r.code, 0, r.stderr);
    const bill = JSON.parse(r.stdout) as ControllerBill & { assumptions: { nodes: number; churnPerHour: number } };
    assert.deepEqual(Object.keys(bill.byService), ["Lambda", "DynamoDB", "SQS", "EventBridge", "CloudWatch"]);
    assert.equal(bill.assumptions.nodes, 40);
    const events = bill.lines.find((l) => l.item === "decision events (PutEvents)");
    assert.equal(events?.quantity, 10 * 730 * 2);
    assert.ok(Math.abs(bill.monthlyUsd - Object.values(bill.byService).reduce((a, b) => a + b, 0)) < 1e-9);
  });

  it("refuses a malformed price file, naming the file and the field", async () => {
    const file = join(assembly, "prices.json");
    writeFileSync(
      file,
      JSON.stringify({ ...DEFAULT_PRICES, dynamodb: { ...DEFAULT_PRICES.dynamodb, storageGbMonth: -1 } }),
    );
    const r = await runCost(["--assembly", assembly, "--prices", file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /prices\.json: dynamodb\.storageGbMonth: must be a number >= 0/);
    assert.equal(r.stdout, "");
    writeFileSync(file, "{ not json");
    const unreadable = await runCost(["--assembly", assembly, "--prices", file]);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /prices\.json: \(file\): cannot be read as JSON/);
  });

  it("refuses an unknown option or a bad value with the usage, and a directory that is not an assembly", async () => {
    const unknown = await runCost(["--assembly", assembly, "--frobnicate"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--frobnicate/);
    assert.match(unknown.stderr, /usage: stevedore cost/);
    const badNodes = await runCost(["--nodes", "many"]);
    assert.equal(badNodes.code, 2);
    assert.match(badNodes.stderr, /--nodes many: must be a number >= 0/);
    const notAssembly = await runCost(["--assembly", tmpdir()]);
    assert.equal(notAssembly.code, 2);
    assert.match(notAssembly.stderr, /no manifest\.json/);
  });

  it("synthesizes the default stack in process (no AWS access) and prices its provisioner's 50-second loop", async () => {
    const r = await runCost(["-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const bill = JSON.parse(r.stdout) as ControllerBill;
    const provisioner = bill.lines.find((l) => l.item === "provisioner (1024 MB arm64) duration");
    assert.equal(provisioner?.quantity, 2_190_000);
    assert.ok(bill.byService.Lambda > 29 && bill.byService.Lambda < 34, `Lambda $${bill.byService.Lambda}`);
    assert.deepEqual(bill.notPriced, []);
  });
});
