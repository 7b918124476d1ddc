import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DISRUPTOR_SCHEDULE,
  EVENT_DETAIL_TYPES,
  EventPatternError,
  GC_SCHEDULE,
  gcSchedule,
  INTERRUPTION_EVENT_PATTERNS,
  matchesEventPattern,
  matchingInterruptionRules,
  PROVISIONER_SCHEDULE,
  scheduleIntervalSeconds,
  WATCHER_SCHEDULE,
} from "../../lib/cloud/aws/event-patterns.js";
import { parseInterruptionMessage } from "../../lib/cloud/aws/interruption-messages.js";
import { WATCH_SECONDS, WATCHER_TIMEOUT_SECONDS } from "../../lib/infra/function-timeouts.js";

function ec2Event(detailType: string, detail: Record<string, unknown>) {
  return {
    version: "0",
    id: "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": detailType,
    source: "aws.ec2",
    account: "123456789012",
    time: "2021-11-11T21:29:54Z",
    region: "us-east-1",
    resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"],
    detail,
  };
}

function healthEvent(detail: Record<string, unknown>) {
  return {
    version: "0",
    id: "121345678-1234-1234-1234-123456789012",
    "detail-type": "AWS Health Event",
    source: "aws.health",
    account: "123456789012",
    time: "2021-11-11T21:29:54Z",
    region: "us-east-1",
    resources: ["i-0123456789abcdef0"],
    detail,
  };
}

const spot = ec2Event(EVENT_DETAIL_TYPES.spotInterruption, {
  "instance-id": "i-0123456789abcdef0",
  "instance-action": "terminate",
});
const rebalance = ec2Event(EVENT_DETAIL_TYPES.rebalance, { "instance-id": "i-0123456789abcdef0" });
const stateChange = (state: string) => ec2Event(EVENT_DETAIL_TYPES.stateChange, { "instance-id": "i-1", state });
const capacityReservation = ec2Event(EVENT_DETAIL_TYPES.capacityReservation, {
  "instance-id": "i-0123456789abcdef0",
  "instance-action": "terminate",
});
const scheduled = healthEvent({
  service: "EC2",
  eventTypeCategory: "scheduledChange",
  eventTypeCode: "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED",
  affectedEntities: [{ entityValue: "i-0123456789abcdef0" }],
});

describe("interruption event patterns", () => {
  it("has one rule per event type, with the detail types the parser routes on", () => {
    assert.deepEqual(
      INTERRUPTION_EVENT_PATTERNS.map((r) => r.name),
      [
        "SpotInterruption",
        "RebalanceRecommendation",
        "InstanceStateChange",
        "ScheduledChange",
        "CapacityReservationInterruption",
        "CapacityBlockExpiration",
      ],
    );
    const detailTypes = INTERRUPTION_EVENT_PATTERNS.flatMap((r) => r.pattern["detail-type"] as string[]);
    assert.deepEqual(new Set(detailTypes), new Set(Object.values(EVENT_DETAIL_TYPES)));
  });

  it("routes each event type to exactly its rule", () => {
    assert.deepEqual(matchingInterruptionRules(spot), ["SpotInterruption"]);
    assert.deepEqual(matchingInterruptionRules(rebalance), ["RebalanceRecommendation"]);
    assert.deepEqual(matchingInterruptionRules(stateChange("stopping")), ["InstanceStateChange"]);
    assert.deepEqual(matchingInterruptionRules(scheduled), ["ScheduledChange"]);
    assert.deepEqual(matchingInterruptionRules(capacityReservation), ["CapacityReservationInterruption"]);
  });

  it("forwards only the instance states the parser acts on", () => {
    for (const state of ["stopping", "stopped", "shutting-down", "terminated"]) {
      assert.deepEqual(matchingInterruptionRules(stateChange(state)), ["InstanceStateChange"], state);
      assert.equal(parseInterruptionMessage(JSON.stringify(stateChange(state))).actionable, true, state);
    }
    for (const state of ["pending", "running"]) {
      assert.deepEqual(matchingInterruptionRules(stateChange(state)), [], state);
      assert.equal(parseInterruptionMessage(JSON.stringify(stateChange(state))).actionable, false, state);
    }
  });

  it("forwards only EC2 scheduled changes from AWS Health", () => {
    assert.deepEqual(matchingInterruptionRules(healthEvent({ service: "EC2", eventTypeCategory: "issue" })), []);
    assert.deepEqual(
      matchingInterruptionRules(healthEvent({ service: "RDS", eventTypeCategory: "scheduledChange" })),
      [],
    );
    assert.deepEqual(matchingInterruptionRules({ ...spot, source: "aws.autoscaling" }), []);
  });

  it("every matched event is one the parser understands (and acts on, except rebalance)", () => {
    for (const event of [spot, rebalance, stateChange("terminated"), scheduled, capacityReservation]) {
      const parsed = parseInterruptionMessage(JSON.stringify(event));
      assert.notEqual(parsed.kind, "unknown", event["detail-type"]);
      assert.equal(parsed.actionable, parsed.kind !== "rebalance-recommendation", event["detail-type"]);
    }
  });

  it("patterns are plain JSON (what the stack and the twin share)", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(INTERRUPTION_EVENT_PATTERNS)), INTERRUPTION_EVENT_PATTERNS);
  });
});

describe("matchesEventPattern", () => {
  const event = {
    source: "aws.ec2",
    detail: { state: "running", count: 5, tags: ["a", "b"], empty: [], nested: { zone: "us-east-1a" } },
  };

  it("matches exact values with OR inside a list and AND across fields", () => {
    assert.equal(matchesEventPattern({ source: ["aws.ec2", "aws.health"] }, event), true);
    assert.equal(matchesEventPattern({ source: ["aws.health"] }, event), false);
    assert.equal(matchesEventPattern({ source: ["aws.ec2"], detail: { state: ["stopped"] } }, event), false);
    assert.equal(matchesEventPattern({ detail: { count: [5] } }, event), true);
    assert.equal(matchesEventPattern({ detail: { count: ["5"] } }, event), false);
  });

  it("matches any element of an array value, and nested objects", () => {
    assert.equal(matchesEventPattern({ detail: { tags: ["b"] } }, event), true);
    assert.equal(matchesEventPattern({ detail: { tags: ["c"] } }, event), false);
    assert.equal(matchesEventPattern({ detail: { nested: { zone: [{ prefix: "us-east-1" }] } } }, event), true);
  });

  it("a field named in the pattern but missing from the event never matches a value", () => {
    assert.equal(matchesEventPattern({ detail: { missing: ["x"] } }, event), false);
    assert.equal(matchesEventPattern({ detail: { missing: [{ "anything-but": "x" }] } }, event), false);
    assert.equal(matchesEventPattern({ detail: { state: ["running"] } }, { source: "aws.ec2" }), false);
    assert.equal(matchesEventPattern({ source: ["aws.ec2"] }, "not an object"), false);
  });

  it("implements prefix, suffix, equals-ignore-case, anything-but, exists and numeric", () => {
    const m = (p: Record<string, unknown>) => matchesEventPattern({ detail: p } as never, event);
    assert.equal(m({ state: [{ prefix: "run" }] }), true);
    assert.equal(m({ state: [{ prefix: "stop" }] }), false);
    assert.equal(m({ state: [{ suffix: "ning" }] }), true);
    assert.equal(m({ state: [{ "equals-ignore-case": "RUNNING" }] }), true);
    assert.equal(m({ state: [{ "anything-but": ["stopped", "terminated"] }] }), true);
    assert.equal(m({ state: [{ "anything-but": "running" }] }), false);
    assert.equal(m({ state: [{ "anything-but": { prefix: "run" } }] }), false);
    assert.equal(m({ state: [{ "anything-but": { suffix: "ed" } }] }), true);
    assert.equal(m({ state: [{ exists: true }] }), true);
    assert.equal(m({ missing: [{ exists: false }] }), true);
    assert.equal(m({ missing: [{ exists: true }] }), false);
    assert.equal(m({ empty: [{ exists: false }] }), true);
    assert.equal(m({ count: [{ numeric: [">", 0, "<=", 5] }] }), true);
    assert.equal(m({ count: [{ numeric: ["<", 5] }] }), false);
    assert.equal(m({ state: [{ numeric: [">", 0] }] }), false);
  });

  it("rejects malformed patterns with a named error", () => {
    const m = (p: Record<string, unknown>) => () => matchesEventPattern({ detail: p } as never, event);
    assert.throws(m({ state: [{ wildcard: "r*" }] }), EventPatternError);
    assert.throws(m({ state: [{ prefix: 1 }] }), EventPatternError);
    assert.throws(m({ state: [{ prefix: "a", suffix: "b" }] }), EventPatternError);
    assert.throws(m({ count: [{ numeric: [">"] }] }), EventPatternError);
    assert.throws(m({ count: [{ numeric: ["!=", 1] }] }), EventPatternError);
    assert.throws(() => matchesEventPattern({ source: "aws.ec2" } as never, event), EventPatternError);
  });
});

describe("schedules", () => {
  it("are EventBridge rate expressions of the intended intervals", () => {
    assert.equal(scheduleIntervalSeconds(PROVISIONER_SCHEDULE), 60);
    assert.equal(scheduleIntervalSeconds(DISRUPTOR_SCHEDULE), 60);
    assert.equal(scheduleIntervalSeconds(GC_SCHEDULE), 120);
    assert.equal(gcSchedule("seconds"), GC_SCHEDULE);
    assert.equal(scheduleIntervalSeconds(gcSchedule("minute")), 300);
    assert.equal(scheduleIntervalSeconds(WATCHER_SCHEDULE), 60);
    assert.equal(scheduleIntervalSeconds("rate(3 hours)"), 10_800);
    assert.equal(scheduleIntervalSeconds("rate(1 day)"), 86_400);
  });

  it("consecutive watchers overlap, and each finishes its watch before its timeout", () => {
    assert.equal(WATCH_SECONDS, 62);
    assert.ok(WATCH_SECONDS > scheduleIntervalSeconds(WATCHER_SCHEDULE), "no gap between two watches");
    assert.ok(WATCHER_TIMEOUT_SECONDS >= WATCH_SECONDS + 10, "time to close the watch and flush");
  });

  it("rejects what EventBridge rejects", () => {
    for (const bad of [
      "rate(0 minutes)",
      "rate(1 minutes)",
      "rate(2 minute)",
      "rate(30 seconds)",
      "cron(0 * * * ? *)",
    ]) {
      assert.throws(() => scheduleIntervalSeconds(bad), EventPatternError, bad);
    }
  });
});
