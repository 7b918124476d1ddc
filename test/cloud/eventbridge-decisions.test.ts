/**
 * Decisions as EventBridge events: the real `@aws-sdk/client-eventbridge` client against the AWS emulator's default
 * bus (batches of at most 10, counted by detail-type, details cut when too large), and the error path (a rejected
 * entry, a failed call) with aws-sdk-client-mock: counted and logged, never thrown.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import {
  EventBridgeDecisionSink,
  PUT_EVENTS_MAX_BYTES,
  putEventsEntrySize,
} from "../../lib/cloud/aws/eventbridge-decisions.js";
import { decisionDetailType } from "../../lib/cloud/decision-events.js";
import type { DecisionRecord } from "../../lib/state/types.js";
import { type RunningAwsEmulator, startAwsEmulator } from "../support/ec2-emulator.js";

const AT = Date.UTC(2026, 0, 5, 12, 0, 0);

function decision(action: string, details: Record<string, unknown> = {}): DecisionRecord {
  return { at: AT, controller: "provisioner", action, details };
}

describe("EventBridgeDecisionSink against the emulator's default bus", () => {
  let aws: RunningAwsEmulator;
  let client: EventBridgeClient;

  before(async () => {
    aws = await startAwsEmulator();
    client = new EventBridgeClient(aws.clientConfig);
  });
  after(async () => {
    client.destroy();
    await aws.close();
  });

  it("names one detail-type per action", () => {
    assert.equal(decisionDetailType("launch"), "Stevedore Launch");
    assert.equal(decisionDetailType("cordon-and-drain"), "Stevedore Cordon And Drain");
    assert.equal(decisionDetailType("lower-bound"), "Stevedore Lower Bound");
  });

  it("puts every decision in batches of at most 10 and the bus counts them by detail-type", async () => {
    aws.emulator.resetCallCounts();
    const sink = new EventBridgeDecisionSink({ client, clusterName: "demo" });
    for (let i = 0; i < 23; i++) sink.publish(decision("launch", { claimId: `default-${i}`, pods: ["apps/web-0"] }));
    sink.publish(decision("cordon-and-drain", { claimId: "default-0" }));
    sink.publish(decision("delete", { method: "Emptiness" }));
    assert.deepEqual(await sink.flush(), { published: 25, failed: 0 });
    assert.equal(aws.emulator.callCounts()["events:PutEvents"], 3, "25 entries → 3 calls of ≤ 10");
    assert.deepEqual(aws.emulator.defaultEventBus.countsByDetailType(), {
      "Stevedore Cordon And Drain": 1,
      "Stevedore Delete": 1,
      "Stevedore Launch": 23,
    });
    const first = aws.emulator.defaultEventBus.received()[0];
    assert.equal(first.source, "stevedore");
    assert.deepEqual(first.detail, {
      cluster: "demo",
      controller: "provisioner",
      action: "launch",
      at: new Date(AT).toISOString(),
      details: { claimId: "default-0", pods: ["apps/web-0"] },
    });
    assert.equal(first.time, new Date(AT).toISOString());
  });

  it("splits batches by size and cuts a decision too large for one call to its detail keys", async () => {
    const sink = new EventBridgeDecisionSink({ client, clusterName: "demo" });
    const pods = Array.from({ length: 20_000 }, (_, i) => `apps/web-${String(i).padStart(5, "0")}`);
    const huge = sink.entryFor(decision("launch", { pods, claimId: "x" }));
    assert.ok(putEventsEntrySize(huge) <= PUT_EVENTS_MAX_BYTES);
    assert.deepEqual(JSON.parse(huge.Detail ?? "{}").details, { truncated: true, keys: ["pods", "claimId"] });
    const half = Array.from({ length: 4000 }, (_, i) => `apps/api-${String(i).padStart(5, "0")}`); // ~68 KB each
    aws.emulator.resetCallCounts();
    for (let i = 0; i < 6; i++) sink.publish(decision("launch", { pods: half }));
    assert.deepEqual(await sink.flush(), { published: 6, failed: 0 });
    assert.ok((aws.emulator.callCounts()["events:PutEvents"] ?? 0) >= 2, "no call over 256 KB");
  });

  it("a failed call and a rejected entry are counted and logged, never thrown", async () => {
    const failing = new EventBridgeClient(aws.clientConfig);
    const mock = mockClient(failing);
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const sink = new EventBridgeDecisionSink({ client: failing, clusterName: "demo", logger });
    mock
      .on(PutEventsCommand)
      .rejectsOnce(new Error("AccessDeniedException"))
      .resolves({
        FailedEntryCount: 1,
        Entries: [{ EventId: "1" }, { ErrorCode: "InternalFailure", ErrorMessage: "try again" }],
      });
    for (let i = 0; i < 10; i++) sink.publish(decision("launch"));
    sink.publish(decision("delete"));
    sink.publish(decision("delete"));
    assert.deepEqual(await sink.flush(), { published: 1, failed: 11 });
    assert.deepEqual(warnings.sort(), ["decision events not published", "decision events rejected"]);
    mock.restore();
    failing.destroy();
  });

  it("flush waits at most flushTimeoutMs for a put that never returns, and counts its entries as failed", async () => {
    const hanging = new EventBridgeClient(aws.clientConfig);
    const mock = mockClient(hanging);
    mock.on(PutEventsCommand).callsFake(() => new Promise(() => {}));
    const sink = new EventBridgeDecisionSink({ client: hanging, clusterName: "demo", flushTimeoutMs: 100 });
    for (let i = 0; i < 12; i++) sink.publish(decision("launch"));
    const started = Date.now();
    assert.deepEqual(await sink.flush(), { published: 0, failed: 12 });
    assert.ok(Date.now() - started < 2_000);
    mock.restore();
    hanging.destroy();
  });

  it("the emulator checks PutEvents as EventBridge does: 1–10 entries, JSON object detail, the default bus only", async () => {
    await assert.rejects(
      client.send(new PutEventsCommand({ Entries: [] })),
      (e: Error) => e.name === "ValidationException",
    );
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: "stevedore", DetailType: "Stevedore Launch", Detail: "[1]" },
          { Source: "stevedore", DetailType: "Stevedore Launch", Detail: "{}", EventBusName: "other" },
          { Source: "stevedore", DetailType: "Stevedore Launch", Detail: "{}" },
        ],
      }),
    );
    assert.equal(out.FailedEntryCount, 2);
    assert.deepEqual(
      out.Entries?.map((e) => e.ErrorCode ?? "ok"),
      ["MalformedDetail", "NotAuthorizedForSourceException", "ok"],
    );
  });
});
