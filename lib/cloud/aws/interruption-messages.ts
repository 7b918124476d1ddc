/**
 * Parses EventBridge events delivered through SQS (the interruption queue) into {@link InterruptionMessage}s. Pure.
 * The detail types recognised are those of the interruption rules ({@link EVENT_DETAIL_TYPES}).
 *
 * Routing is by (`version`, `source`, `detail-type`), as Karpenter's `pkg/controllers/interruption/parser.go`; events
 * Stevedore does not act on become `{kind: "unknown"}` (the caller deletes them), and bodies that are not an
 * EventBridge event at all raise {@link MalformedInterruptionMessageError}.
 */
import { type InterruptionMessage, MalformedInterruptionMessageError } from "../interruption.js";
import { EVENT_DETAIL_TYPES } from "./event-patterns.js";

/** An interruption notice parsed from an EventBridge event, with the event's own routing fields. */
export interface AwsInterruptionMessage extends InterruptionMessage {
  /** EventBridge `source` (`aws.ec2`, `aws.health`). */
  source: string;
  /** EventBridge `detail-type`. */
  detailType: string;
  region?: string;
  account?: string;
  /** `scheduled-change`: the AWS Health event type code (e.g. `AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED`). */
  eventTypeCode?: string;
}

const STOPPING = new Set(["stopping", "stopped"]);
const TERMINATING = new Set(["shutting-down", "terminated"]);

function parseTime(v: unknown): number {
  if (typeof v !== "string" || v === "") return 0;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : 0;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function requireInstanceId(detail: Record<string, unknown>, body: string): string {
  const id = str(detail["instance-id"]);
  if (!id) throw new MalformedInterruptionMessageError('detail["instance-id"] is missing', body);
  return id;
}

/**
 * Parses one SQS message body. Accepts the event itself or an SNS envelope (`{"Type":"Notification","Message":…}`)
 * around it.
 */
export function parseInterruptionMessage(body: string): AwsInterruptionMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new MalformedInterruptionMessageError("body is not JSON", body);
  }
  if (raw && typeof raw === "object" && (raw as Record<string, unknown>).Type === "Notification") {
    const inner = (raw as Record<string, unknown>).Message;
    if (typeof inner === "string") return parseInterruptionMessage(inner);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new MalformedInterruptionMessageError("body is not a JSON object", body);
  }
  const ev = raw as Record<string, unknown>;
  const source = str(ev.source);
  const detailType = str(ev["detail-type"]);
  if (!source || !detailType) {
    throw new MalformedInterruptionMessageError('not an EventBridge event (no "source"/"detail-type")', body);
  }
  const base: AwsInterruptionMessage = {
    kind: "unknown",
    instanceIds: [],
    time: parseTime(ev.time),
    eventId: str(ev.id) ?? "",
    source,
    detailType,
    actionable: false,
  };
  if (str(ev.region)) base.region = str(ev.region);
  if (str(ev.account)) base.account = str(ev.account);
  if (ev.version !== undefined && ev.version !== "0") return base;
  const detail = ev.detail;
  const isKnown =
    (source === "aws.ec2" && (Object.values(EVENT_DETAIL_TYPES) as string[]).includes(detailType)) ||
    (source === "aws.health" && detailType === EVENT_DETAIL_TYPES.health);
  if (!isKnown) return base;
  if (!detail || typeof detail !== "object" || Array.isArray(detail)) {
    throw new MalformedInterruptionMessageError('"detail" is missing or not an object', body);
  }
  const d = detail as Record<string, unknown>;
  switch (detailType) {
    case EVENT_DETAIL_TYPES.spotInterruption:
      return {
        ...base,
        kind: "spot-interruption",
        instanceIds: [requireInstanceId(d, body)],
        instanceAction: str(d["instance-action"]),
        actionable: true,
      };
    case EVENT_DETAIL_TYPES.rebalance:
      return { ...base, kind: "rebalance-recommendation", instanceIds: [requireInstanceId(d, body)] };
    case EVENT_DETAIL_TYPES.stateChange: {
      const id = requireInstanceId(d, body);
      const state = str(d.state);
      if (!state) throw new MalformedInterruptionMessageError("detail.state is missing", body);
      if (STOPPING.has(state))
        return { ...base, kind: "instance-stopping", instanceIds: [id], state, actionable: true };
      if (TERMINATING.has(state)) {
        return { ...base, kind: "instance-terminating", instanceIds: [id], state, actionable: true };
      }
      return { ...base, instanceIds: [id], state };
    }
    case EVENT_DETAIL_TYPES.capacityReservation: {
      const id = requireInstanceId(d, body);
      const msg: AwsInterruptionMessage = {
        ...base,
        kind: "capacity-reservation-interruption",
        instanceIds: [id],
        instanceAction: str(d["instance-action"]),
        actionable: true,
      };
      const reservation = str(d["capacity-reservation-id"]);
      if (reservation) msg.capacityReservationId = reservation;
      return msg;
    }
    case EVENT_DETAIL_TYPES.capacityBlockExpiring: {
      const reservation = str(d["capacity-reservation-id"]);
      if (!reservation) {
        throw new MalformedInterruptionMessageError('detail["capacity-reservation-id"] is missing', body);
      }
      const msg: AwsInterruptionMessage = {
        ...base,
        kind: "capacity-reservation-expiring",
        capacityReservationId: reservation,
        actionable: true,
      };
      const end = parseTime(d["end-date"]);
      if (end) msg.endTime = end;
      return msg;
    }
    default:
      return parseHealthEvent(base, d, body);
  }
}

function parseHealthEvent(
  base: AwsInterruptionMessage,
  d: Record<string, unknown>,
  body: string,
): AwsInterruptionMessage {
  if (d.service !== "EC2" || d.eventTypeCategory !== "scheduledChange") return base;
  const entities = d.affectedEntities;
  if (!Array.isArray(entities)) throw new MalformedInterruptionMessageError("detail.affectedEntities is missing", body);
  const instanceIds = entities
    .map((e) => str((e as Record<string, unknown> | null)?.entityValue))
    .filter((v): v is string => v?.startsWith("i-") === true);
  const descriptions = Array.isArray(d.eventDescription) ? (d.eventDescription as Record<string, unknown>[]) : [];
  const english = descriptions.find((x) => x?.language === "en_US") ?? descriptions[0];
  const msg: AwsInterruptionMessage = {
    ...base,
    kind: "scheduled-change",
    instanceIds,
    eventTypeCode: str(d.eventTypeCode),
    actionable: instanceIds.length > 0,
  };
  const start = parseTime(d.startTime);
  const end = parseTime(d.endTime);
  if (start) msg.startTime = start;
  if (end) msg.endTime = end;
  const description = str(english?.latestDescription);
  if (description) msg.description = description;
  return msg;
}
