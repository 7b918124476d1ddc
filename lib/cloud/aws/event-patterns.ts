/**
 * The EventBridge event patterns and schedule expressions Stevedore is driven by — the single source of truth for the
 * CDK stack (`lib/infra`), the interruption parser and the digital twin. Pure: no SDK, no I/O.
 *
 * The patterns are plain JSON objects, exactly as they appear in the synthesized `AWS::Events::Rule` resources, and
 * {@link matchesEventPattern} implements EventBridge's matching for the operators Stevedore uses (and the common
 * others), so the twin routes an emulated event to the interruption queue if and only if AWS would.
 */

/**
 * EventBridge `detail-type` values of the interruption rules: the five of Karpenter's interruption queue, and the
 * capacity block expiration warning (sent forty minutes before a capacity block ends).
 */
export const EVENT_DETAIL_TYPES = {
  spotInterruption: "EC2 Spot Instance Interruption Warning",
  rebalance: "EC2 Instance Rebalance Recommendation",
  stateChange: "EC2 Instance State-change Notification",
  health: "AWS Health Event",
  capacityReservation: "EC2 Capacity Reservation Instance Interruption Warning",
  capacityBlockExpiring: "Capacity Block Reservation Expiration Warning",
} as const;

/** A JSON value inside an event or a pattern. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * An EventBridge event pattern: each key maps either to a nested pattern (for an object field) or to a list of
 * allowed values / operator objects (for a leaf field).
 */
export interface EventPattern {
  [field: string]: EventPattern | readonly PatternValue[];
}

/** One entry of a leaf list: an exact value or an operator object (`{prefix: "x"}`, `{"anything-but": […]}`, …). */
export type PatternValue = string | number | boolean | null | { readonly [operator: string]: JsonValue };

/** A named interruption rule. */
export interface NamedEventPattern {
  /** Stable rule name (also the construct id suffix of its `AWS::Events::Rule`). */
  name:
    | "SpotInterruption"
    | "RebalanceRecommendation"
    | "InstanceStateChange"
    | "ScheduledChange"
    | "CapacityReservationInterruption"
    | "CapacityBlockExpiration";
  /** What the rule is for. */
  description: string;
  pattern: EventPattern;
}

/** EC2 instance states the state-change rule forwards: the ones the interruption controller acts on. */
export const INTERRUPTING_INSTANCE_STATES = ["stopping", "stopped", "shutting-down", "terminated"] as const;

/**
 * The six interruption rules, all targeting the interruption queue. The state-change rule only forwards the states
 * the controller acts on, and the AWS Health rule only EC2 scheduled changes, so the queue is not flooded with
 * `pending`/`running` transitions or unrelated Health events.
 */
export const INTERRUPTION_EVENT_PATTERNS: readonly NamedEventPattern[] = Object.freeze<NamedEventPattern[]>([
  {
    name: "SpotInterruption",
    description: "EC2 Spot Instance Interruption Warning (two-minute notice)",
    pattern: { source: ["aws.ec2"], "detail-type": [EVENT_DETAIL_TYPES.spotInterruption] },
  },
  {
    name: "RebalanceRecommendation",
    description: "EC2 Instance Rebalance Recommendation (elevated spot interruption risk)",
    pattern: { source: ["aws.ec2"], "detail-type": [EVENT_DETAIL_TYPES.rebalance] },
  },
  {
    name: "InstanceStateChange",
    description: "EC2 Instance State-change Notification for stopping, stopped, shutting-down and terminated",
    pattern: {
      source: ["aws.ec2"],
      "detail-type": [EVENT_DETAIL_TYPES.stateChange],
      detail: { state: [...INTERRUPTING_INSTANCE_STATES] },
    },
  },
  {
    name: "ScheduledChange",
    description: "AWS Health scheduled changes of EC2 (retirement, maintenance)",
    pattern: {
      source: ["aws.health"],
      "detail-type": [EVENT_DETAIL_TYPES.health],
      detail: { service: ["EC2"], eventTypeCategory: ["scheduledChange"] },
    },
  },
  {
    name: "CapacityReservationInterruption",
    description: "EC2 Capacity Reservation Instance Interruption Warning",
    pattern: { source: ["aws.ec2"], "detail-type": [EVENT_DETAIL_TYPES.capacityReservation] },
  },
  {
    name: "CapacityBlockExpiration",
    description: "Capacity Block Reservation Expiration Warning (instances terminated in ten minutes)",
    pattern: { source: ["aws.ec2"], "detail-type": [EVENT_DETAIL_TYPES.capacityBlockExpiring] },
  },
]);

/** The provisioning loop's EventBridge schedule (each invocation then watches for `loopSeconds`). */
export const PROVISIONER_SCHEDULE = "rate(1 minute)";
/** The disruption loop's schedule. */
export const DISRUPTOR_SCHEDULE = "rate(1 minute)";
/** Garbage collection's schedule with `reaction: seconds` (Karpenter's garbage collection runs every two minutes too). */
export const GC_SCHEDULE = "rate(2 minutes)";
/**
 * Garbage collection's schedule with `reaction: minute`, the cheapest mode: every five minutes. Nothing it collects
 * is urgent at that scale — a leaked instance is collected only after a five-minute grace anyway, closed claims
 * after ten minutes, and the interruption events close the claims of instances that end.
 */
export const GC_SCHEDULE_MINUTE = "rate(5 minutes)";

/** Garbage collection's schedule in a reaction mode. */
export function gcSchedule(reaction: "seconds" | "minute"): string {
  return reaction === "minute" ? GC_SCHEDULE_MINUTE : GC_SCHEDULE;
}
/** The watcher's schedule (reaction `seconds`): each invocation watches a little longer than this interval. */
export const WATCHER_SCHEDULE = "rate(1 minute)";

/** A pattern or schedule expression that is not well-formed. */
export class EventPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventPatternError";
  }
}

const RATE_UNITS: Record<string, number> = {
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86400,
  days: 86400,
};

/**
 * Seconds between invocations of a `rate(N unit)` expression (`rate(1 minute)` → 60). EventBridge's rules apply:
 * N ≥ 1, singular unit exactly when N is 1.
 */
export function scheduleIntervalSeconds(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) throw new EventPatternError(`schedule "${expression}": expected rate(N minute[s]|hour[s]|day[s])`);
  const n = Number(m[1]);
  const unit = m[2];
  if (n < 1) throw new EventPatternError(`schedule "${expression}": the rate must be at least 1`);
  if ((n === 1) !== !unit.endsWith("s")) {
    throw new EventPatternError(`schedule "${expression}": use the singular unit for 1 and the plural otherwise`);
  }
  return n * RATE_UNITS[unit];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Whether `event` matches `pattern`, with EventBridge's semantics: every field named in the pattern must match (AND);
 * a leaf list matches when any entry matches (OR); when the event's value is an array, the leaf matches when any of
 * its elements does. Supported entries: exact values (string, number, boolean, null), `{prefix}`, `{suffix}`,
 * `{"equals-ignore-case"}`, `{"anything-but": value | [values] | {prefix} | {suffix}}`, `{exists: boolean}` and
 * `{numeric: [op, n, …]}`. An unknown operator throws {@link EventPatternError}.
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  for (const [field, expected] of Object.entries(pattern)) {
    const present = Object.hasOwn(event, field);
    const actual = present ? event[field] : undefined;
    if (Array.isArray(expected)) {
      if (!matchesLeaf(expected as readonly PatternValue[], present, actual, field)) return false;
    } else if (isObject(expected)) {
      if (!matchesEventPattern(expected as EventPattern, actual)) return false;
    } else {
      throw new EventPatternError(`pattern field "${field}": expected an array of values or a nested pattern`);
    }
  }
  return true;
}

function matchesLeaf(entries: readonly PatternValue[], present: boolean, actual: unknown, field: string): boolean {
  const values: unknown[] = Array.isArray(actual) ? actual : present ? [actual] : [];
  for (const entry of entries) {
    if (isObject(entry)) {
      if (entry.exists !== undefined && Object.keys(entry).length === 1) {
        if (typeof entry.exists !== "boolean")
          throw new EventPatternError(`pattern field "${field}": exists takes a boolean`);
        // A field whose value is an empty array counts as absent, as in EventBridge.
        if (values.length > 0 === entry.exists) return true;
        continue;
      }
      if (values.some((v) => matchesOperator(entry, v, field))) return true;
    } else if (values.some((v) => isObject(v) === false && !Array.isArray(v) && v === entry)) {
      return true;
    }
  }
  return false;
}

function matchesOperator(entry: Record<string, unknown>, value: unknown, field: string): boolean {
  const keys = Object.keys(entry);
  if (keys.length !== 1)
    throw new EventPatternError(`pattern field "${field}": an operator object has exactly one key`);
  const [op] = keys;
  const arg = entry[op];
  switch (op) {
    case "prefix":
      return typeof value === "string" && value.startsWith(stringArg(arg, op, field));
    case "suffix":
      return typeof value === "string" && value.endsWith(stringArg(arg, op, field));
    case "equals-ignore-case":
      return typeof value === "string" && value.toLowerCase() === stringArg(arg, op, field).toLowerCase();
    case "anything-but":
      return matchesAnythingBut(arg, value, field);
    case "numeric":
      return typeof value === "number" && matchesNumeric(arg, value, field);
    default:
      throw new EventPatternError(`pattern field "${field}": unsupported operator "${op}"`);
  }
}

function stringArg(arg: unknown, op: string, field: string): string {
  if (typeof arg !== "string") throw new EventPatternError(`pattern field "${field}": ${op} takes a string`);
  return arg;
}

function matchesAnythingBut(arg: unknown, value: unknown, field: string): boolean {
  if (isObject(arg)) {
    if (typeof value !== "string") return false;
    if (typeof arg.prefix === "string") return !value.startsWith(arg.prefix);
    if (typeof arg.suffix === "string") return !value.endsWith(arg.suffix);
    throw new EventPatternError(`pattern field "${field}": anything-but takes a value, a list, {prefix} or {suffix}`);
  }
  const excluded = Array.isArray(arg) ? arg : [arg];
  if (isObject(value) || Array.isArray(value)) return false;
  return !excluded.includes(value);
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  "=": (a, b) => a === b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

function matchesNumeric(arg: unknown, value: number, field: string): boolean {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0) {
    throw new EventPatternError(`pattern field "${field}": numeric takes [op, number, …]`);
  }
  for (let i = 0; i < arg.length; i += 2) {
    const compare = NUMERIC_OPS[arg[i] as string];
    const bound = arg[i + 1];
    if (!compare || typeof bound !== "number") {
      throw new EventPatternError(`pattern field "${field}": numeric takes [op, number, …] with op in = < <= > >=`);
    }
    if (!compare(value, bound)) return false;
  }
  return true;
}

/** The names of the interruption rules `event` matches (usually one, none for events Stevedore does not handle). */
export function matchingInterruptionRules(event: unknown): NamedEventPattern["name"][] {
  return INTERRUPTION_EVENT_PATTERNS.filter((r) => matchesEventPattern(r.pattern, event)).map((r) => r.name);
}
