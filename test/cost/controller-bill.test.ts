/**
 * The cost model against hand-computed numbers: the inventory read from a template, the assumed month, the bill at
 * the shipped prices, what it refuses to price, and the price table's validation.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeBill } from "../../lib/cost/controller-bill.js";
import { DISRUPTOR_FOLLOW_UP_SECONDS, DISRUPTOR_IDLE_SECONDS, GC_SECONDS } from "../../lib/cost/function-usage.js";
import { assumedUsage, DEFAULT_ASSUMPTIONS, measuredUsage } from "../../lib/cost/monthly-usage.js";
import { DEFAULT_PRICES, PriceTableError, parsePriceTable } from "../../lib/cost/price-table.js";
import { inventoryFromTemplate, rateMinutes } from "../../lib/cost/stack-inventory.js";
import { FIXTURE_TEMPLATE } from "./fixture-template.js";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} != ${expected}`);

describe("cost model", () => {
  const inv = inventoryFromTemplate(FIXTURE_TEMPLATE);

  it("reads functions, schedules, loops, queues, alarms and dashboards from the template", () => {
    const byRole = Object.fromEntries(inv.functions.map((f) => [f.role, f]));
    assert.deepEqual(
      { ...byRole.provisioner },
      {
        logicalId: "ControllersProvisionerAAAA",
        role: "provisioner",
        memoryMb: 1024,
        architecture: "arm64",
        loopSeconds: 50,
        scheduleMinutes: 1,
        eventTriggered: false,
      },
    );
    assert.equal(byRole.gc?.architecture, "x86_64");
    assert.equal(byRole.gc?.loopSeconds, undefined, "gc does one pass, its loop setting does not apply");
    assert.equal(byRole.interruption?.eventTriggered, true);
    assert.deepEqual([inv.tables, inv.queues, inv.queuePollers, inv.alarmMetrics, inv.dashboards], [1, 1, 1, 3, 1]);
    assert.equal(inv.logRetentionDays, 30);
    assert.deepEqual(inv.notPriced, []);
    assert.equal(rateMinutes("rate(2 hours)"), 120);
    assert.equal(rateMinutes("cron(0 * * * ? *)"), undefined);
  });

  it("bills the provisioner by the GB-seconds it waits in its loop (43,800 × 50 s × 1 GB), the disruptor by one idle pass", () => {
    const bill = computeBill(inv, assumedUsage(inv), DEFAULT_PRICES);
    const line = (item: string) => bill.lines.find((l) => l.item === item);
    const provisioner = line("provisioner (1024 MB arm64) duration");
    assert.equal(provisioner?.quantity, 2_190_000);
    close(provisioner?.usd ?? 0, 2_190_000 * 0.0000133334, "provisioner duration");
    close(line("provisioner (1024 MB arm64) requests")?.usd ?? 0, 0.00876, "provisioner requests");
    // one pass per invocation (validations are re-checked by the next one, not waited for), plus the follow-up
    // passes per churned node (2/hour × 730 h).
    assert.equal(
      line("disruptor (1024 MB arm64) duration")?.quantity,
      43_800 * DISRUPTOR_IDLE_SECONDS + 1_460 * DISRUPTOR_FOLLOW_UP_SECONDS,
    );
    // gc on x86: 21,900 invocations × 0.22 s × 0.5 GB at the x86 price.
    close(line("gc (512 MB x86_64) duration")?.usd ?? 0, 21_900 * GC_SECONDS * 0.5 * 0.0000166667, "gc duration");
    // interruption: 2 launches/hour × 730 h × 2 state-change messages.
    assert.equal(line("interruption (512 MB arm64) requests")?.quantity, 2_920);
  });

  it("bills DynamoDB, SQS, EventBridge and CloudWatch from the assumptions", () => {
    const bill = computeBill(inv, assumedUsage(inv, DEFAULT_ASSUMPTIONS), DEFAULT_PRICES);
    const q = (item: string) => bill.lines.find((l) => l.item === item)?.quantity;
    // 10 nodes, 5 claims a read unit = 2 read units per claims query. provisioner 43,800 × 3, gc 21,900 × 3,
    // disruptor 43,800 × (2 + 2), interruption 2,920 × 1.
    assert.equal(q("read request units"), 131_400 + 65_700 + 175_200 + 2_920);
    // churn 1,460 nodes × 10 write units, provisioner, gc and disruptor 2 lease writes each, interruption 1.
    assert.equal(q("write request units"), 14_600 + 87_600 + 43_800 + 87_600 + 2_920);
    // one mapping: 15 long polls a minute; 2,920 messages × 3 requests.
    assert.equal(q("requests (long polls and messages)"), 657_000 + 8_760);
    assert.equal(q("decision events (PutEvents)"), 2_920);
    assert.equal(q("alarms"), 3);
    close(
      bill.byService.CloudWatch - (bill.lines.find((l) => l.item === "custom metrics (EMF)")?.usd ?? 0),
      0.3 + 3 + (q("logs ingested") ?? 0) * 0.5 + (q("logs ingested") ?? 0) * 0.03,
      "CloudWatch rest",
    );
    const sum = Object.values(bill.byService).reduce((a, b) => a + b, 0);
    close(bill.monthlyUsd, sum, "total = sum of services");
    close(
      bill.byService.Lambda,
      bill.lines.filter((l) => l.service === "Lambda").reduce((a, l) => a + l.usd, 0),
      "Lambda",
    );
  });

  it("extrapolates a measured run: billed GB-s when measured, the loop design otherwise", () => {
    const usage = measuredUsage(
      inv,
      {
        periodMinutes: 10,
        functions: {
          ControllersProvisionerAAAA: { invocations: 10, gbSeconds: 20 },
          ControllersDisruptorBBBB: { invocations: 10 },
        },
        decisionEvents: 4,
      },
      DEFAULT_ASSUMPTIONS,
    );
    const p = usage.functions.ControllersProvisionerAAAA;
    assert.deepEqual([p?.invocations, p?.gbSeconds, p?.basis], [43_800, 87_600, "measured"]);
    const d = usage.functions.ControllersDisruptorBBBB;
    // not measured: one idle pass each at the fixture's 1 GB.
    assert.deepEqual([d?.invocations, d?.gbSeconds, d?.basis], [43_800, 43_800 * DISRUPTOR_IDLE_SECONDS, "estimated"]);
    assert.deepEqual(usage.decisionEvents, { value: 17_520, basis: "measured" });
    assert.equal(usage.functions.ControllersGarbageCollectorCCCC?.basis, "estimated", "not measured: from the design");
  });

  it("lists what it cannot price instead of dropping it", () => {
    const template = {
      Resources: {
        ...FIXTURE_TEMPLATE.Resources,
        Nat: { Type: "AWS::EC2::NatGateway", Properties: {} },
        Provisioned: { Type: "AWS::DynamoDB::Table", Properties: { BillingMode: "PROVISIONED" } },
        Mystery: { Type: "AWS::Lambda::Function", Properties: { MemorySize: 128 } },
        MysterySchedule: {
          Type: "AWS::Events::Rule",
          Properties: {
            ScheduleExpression: "rate(5 minutes)",
            Targets: [{ Arn: { "Fn::GetAtt": ["Mystery", "Arn"] } }],
          },
        },
      },
    };
    const bill = computeBill(
      inventoryFromTemplate(template),
      assumedUsage(inventoryFromTemplate(template)),
      DEFAULT_PRICES,
    );
    assert.deepEqual(bill.notPriced.map((r) => r.logicalId).sort(), ["Mystery", "Nat", "Provisioned"]);
  });
});

describe("price table", () => {
  it("accepts the shipped table and names the field of a malformed one", () => {
    assert.deepEqual(parsePriceTable(JSON.parse(JSON.stringify(DEFAULT_PRICES)), "p.json"), DEFAULT_PRICES);
    const bad = { ...DEFAULT_PRICES, lambda: { ...DEFAULT_PRICES.lambda, gbSecondArm64: "cheap" } };
    assert.throws(
      () => parsePriceTable(bad, "p.json"),
      (err: Error) => {
        assert.ok(err instanceof PriceTableError);
        assert.match(err.message, /^p\.json: lambda\.gbSecondArm64: must be a number >= 0/);
        return true;
      },
    );
    assert.throws(() => parsePriceTable({ ...DEFAULT_PRICES, date: "June" }, "p.json"), /p\.json: date: /);
    assert.throws(() => parsePriceTable([], "p.json"), /p\.json: \(root\): must be a JSON object/);
  });
});
