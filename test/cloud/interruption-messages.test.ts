import assert from "node:assert/strict";
import { test } from "node:test";
import { EVENT_DETAIL_TYPES } from "../../lib/cloud/aws/event-patterns.js";
import { parseInterruptionMessage } from "../../lib/cloud/aws/interruption-messages.js";
import { MalformedInterruptionMessageError } from "../../lib/cloud/interruption.js";

/** Samples shaped as EventBridge delivers them (AWS documentation / NTH test fixtures). */
const spot = {
  version: "0",
  id: "1e5527d7-bb36-4607-3370-4164db56a40e",
  "detail-type": "EC2 Spot Instance Interruption Warning",
  source: "aws.ec2",
  account: "123456789012",
  time: "2021-02-18T20:23:46Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1b:instance/i-0b662ef9931388ba0"],
  detail: { "instance-id": "i-0b662ef9931388ba0", "instance-action": "terminate" },
};

const rebalance = {
  version: "0",
  id: "5d5555d5-dd55-5555-5555-5555dd55d55d",
  "detail-type": "EC2 Instance Rebalance Recommendation",
  source: "aws.ec2",
  account: "123456789012",
  time: "2020-10-26T14:14:14Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1b:instance/i-0b662ef9931388ba0"],
  detail: { "instance-id": "i-0b662ef9931388ba0" },
};

const stateChange = (state: string) => ({
  version: "0",
  id: `7bf73129-1428-4cd3-a780-95db273d1602-${state}`,
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "123456789012",
  time: "2021-11-11T21:29:54Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
  detail: { "instance-id": "i-abcd1111", state },
});

const health = {
  version: "0",
  id: "7fb65329-1628-4cf3-a740-95fg457h1402",
  "detail-type": "AWS Health Event",
  source: "aws.health",
  account: "123456789012",
  time: "2021-06-01T10:00:00Z",
  region: "us-east-1",
  resources: ["i-abcd1111"],
  detail: {
    eventArn: "arn:aws:health:us-east-1::event/EC2/AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED/AWS_EC2_X",
    service: "EC2",
    eventTypeCode: "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED",
    eventTypeCategory: "scheduledChange",
    startTime: "Sat, 05 Jun 2021 11:00:00 GMT",
    endTime: "Sat, 05 Jun 2021 11:30:00 GMT",
    eventDescription: [{ language: "en_US", latestDescription: "The instance is scheduled for retirement." }],
    affectedEntities: [{ entityValue: "i-abcd1111" }, { entityValue: "i-abcd2222" }],
  },
};

const capacityReservation = {
  version: "0",
  id: "b2d6b2b4-2b0b-4b8c-8c1c-2f0b1f1f1f1f",
  "detail-type": "EC2 Capacity Reservation Instance Interruption Warning",
  source: "aws.ec2",
  account: "123456789012",
  time: "2025-01-01T00:00:00Z",
  region: "us-east-1",
  resources: [],
  detail: { "instance-id": "i-0c0c0c0c0c0c0c0c0", "instance-action": "terminate", "capacity-reservation-id": "cr-1" },
};

test("spot interruption warning", () => {
  const m = parseInterruptionMessage(JSON.stringify(spot));
  assert.equal(m.kind, "spot-interruption");
  assert.deepEqual(m.instanceIds, ["i-0b662ef9931388ba0"]);
  assert.equal(m.instanceAction, "terminate");
  assert.equal(m.time, Date.parse("2021-02-18T20:23:46Z"));
  assert.equal(m.eventId, spot.id);
  assert.equal(m.region, "us-east-1");
  assert.equal(m.actionable, true);
});

test("rebalance recommendation is not actionable", () => {
  const m = parseInterruptionMessage(JSON.stringify(rebalance));
  assert.equal(m.kind, "rebalance-recommendation");
  assert.deepEqual(m.instanceIds, ["i-0b662ef9931388ba0"]);
  assert.equal(m.actionable, false);
});

test("state changes: stopping/stopped and shutting-down/terminated act; running does not", () => {
  for (const state of ["stopping", "stopped"]) {
    const m = parseInterruptionMessage(JSON.stringify(stateChange(state)));
    assert.equal(m.kind, "instance-stopping");
    assert.equal(m.state, state);
    assert.equal(m.actionable, true);
  }
  for (const state of ["shutting-down", "terminated"]) {
    assert.equal(parseInterruptionMessage(JSON.stringify(stateChange(state))).kind, "instance-terminating");
  }
  const running = parseInterruptionMessage(JSON.stringify(stateChange("running")));
  assert.equal(running.kind, "unknown");
  assert.equal(running.actionable, false);
});

test("AWS Health scheduled change lists the affected instances and the window", () => {
  const m = parseInterruptionMessage(JSON.stringify(health));
  assert.equal(m.kind, "scheduled-change");
  assert.deepEqual(m.instanceIds, ["i-abcd1111", "i-abcd2222"]);
  assert.equal(m.eventTypeCode, "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED");
  assert.equal(m.startTime, Date.parse("2021-06-05T11:00:00Z"));
  assert.equal(m.endTime, Date.parse("2021-06-05T11:30:00Z"));
  assert.equal(m.description, "The instance is scheduled for retirement.");
  assert.equal(m.actionable, true);
  const other = { ...health, detail: { ...health.detail, eventTypeCategory: "issue" } };
  assert.equal(parseInterruptionMessage(JSON.stringify(other)).kind, "unknown");
  const rds = { ...health, detail: { ...health.detail, service: "RDS" } };
  assert.equal(parseInterruptionMessage(JSON.stringify(rds)).kind, "unknown");
});

test("capacity reservation interruption", () => {
  const m = parseInterruptionMessage(JSON.stringify(capacityReservation));
  assert.equal(m.kind, "capacity-reservation-interruption");
  assert.deepEqual(m.instanceIds, ["i-0c0c0c0c0c0c0c0c0"]);
  assert.equal(m.capacityReservationId, "cr-1");
});

test("capacity block expiration warning names the reservation, not the instances", () => {
  const warning = {
    ...capacityReservation,
    "detail-type": "Capacity Block Reservation Expiration Warning",
    detail: { "capacity-reservation-id": "cr-0b1", "end-date": "2025-01-01T00:40:00Z" },
  };
  const m = parseInterruptionMessage(JSON.stringify(warning));
  assert.equal(m.kind, "capacity-reservation-expiring");
  assert.deepEqual(m.instanceIds, []);
  assert.equal(m.capacityReservationId, "cr-0b1");
  assert.equal(m.endTime, Date.parse("2025-01-01T00:40:00Z"));
  assert.equal(m.actionable, true);
});

test("an SNS envelope around the event is unwrapped", () => {
  const envelope = { Type: "Notification", MessageId: "x", Message: JSON.stringify(spot) };
  assert.equal(parseInterruptionMessage(JSON.stringify(envelope)).kind, "spot-interruption");
});

test("foreign events and other versions are unknown, not errors", () => {
  const foreign = { ...spot, source: "aws.autoscaling", "detail-type": "EC2 Instance-terminate Lifecycle Action" };
  const m = parseInterruptionMessage(JSON.stringify(foreign));
  assert.equal(m.kind, "unknown");
  assert.deepEqual(m.instanceIds, []);
  assert.equal(m.eventId, spot.id);
  assert.equal(parseInterruptionMessage(JSON.stringify({ ...spot, version: "1" })).kind, "unknown");
});

test("malformed bodies raise MalformedInterruptionMessageError", () => {
  for (const body of [
    "not json",
    "[]",
    "42",
    JSON.stringify({ hello: "world" }),
    JSON.stringify({ ...spot, detail: undefined }),
    JSON.stringify({ ...spot, detail: {} }),
    JSON.stringify({ ...stateChange("stopped"), detail: { "instance-id": "i-1" } }),
    JSON.stringify({ ...health, detail: { ...health.detail, affectedEntities: undefined } }),
  ]) {
    assert.throws(() => parseInterruptionMessage(body), MalformedInterruptionMessageError, body);
  }
});

test("every detail type of the interruption rules is routed to its own kind", () => {
  const detail = {
    "instance-id": "i-0123456789abcdef0",
    state: "terminated",
    service: "EC2",
    eventTypeCategory: "scheduledChange",
    affectedEntities: [{ entityValue: "i-0123456789abcdef0" }],
    "capacity-reservation-id": "cr-0123",
  };
  const kinds = Object.values(EVENT_DETAIL_TYPES).map((detailType) => {
    const source = detailType === EVENT_DETAIL_TYPES.health ? "aws.health" : "aws.ec2";
    const event = { version: "0", id: detailType, "detail-type": detailType, source, detail };
    return parseInterruptionMessage(JSON.stringify(event)).kind;
  });
  assert.ok(!kinds.includes("unknown"), kinds.join(", "));
  assert.equal(new Set(kinds).size, kinds.length, kinds.join(", "));
});
