/**
 * A small 5-field cron matcher (UTC) for disruption budget schedules, with the semantics of the parser Karpenter
 * uses (robfig/cron standard parser): `minute hour day-of-month month day-of-week`, lists (`,`), ranges (`a-b`),
 * steps (`*\/n`, `a-b/n`, `a/n`), month and weekday names, `7` = Sunday, and the macros `@yearly`, `@annually`,
 * `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`. When both day fields are restricted, a day matches if
 * either matches (classic cron rule). Pure: no clock, no I/O.
 */

/** A cron expression that does not parse; names the field and the rule broken. */
export class InvalidCronError extends Error {
  constructor(
    readonly expression: string,
    readonly detail: string,
  ) {
    super(`invalid cron schedule ${JSON.stringify(expression)}: ${detail}`);
    this.name = "InvalidCronError";
  }
}

/** A parsed schedule: one set of allowed values per field. */
export interface CronSchedule {
  expression: string;
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  /** 0 = Sunday … 6 = Saturday. */
  daysOfWeek: Set<number>;
  /** True when the field was `*` (or `?`), which changes how the two day fields combine. */
  domStar: boolean;
  dowStar: boolean;
}

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Offset added to a name's index (months are 1-based). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: "day-of-week", min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

function parseValue(raw: string, spec: FieldSpec, expression: string): number {
  const lower = raw.toLowerCase();
  if (spec.names) {
    const idx = spec.names.indexOf(lower);
    if (idx >= 0) return idx + (spec.nameBase ?? 0);
  }
  if (!/^\d+$/.test(raw)) throw new InvalidCronError(expression, `${spec.name} value "${raw}" is not a number`);
  const n = Number(raw);
  if (n < spec.min || n > spec.max) {
    throw new InvalidCronError(expression, `${spec.name} value ${n} is outside ${spec.min}-${spec.max}`);
  }
  return n;
}

function parseField(text: string, spec: FieldSpec, expression: string): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(",")) {
    if (part === "") throw new InvalidCronError(expression, `empty list item in ${spec.name}`);
    const [rangePart, stepPart, extra] = part.split("/");
    if (extra !== undefined) throw new InvalidCronError(expression, `too many "/" in ${spec.name} "${part}"`);
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) === 0) {
        throw new InvalidCronError(expression, `${spec.name} step "${stepPart}" must be a positive integer`);
      }
      step = Number(stepPart);
    }
    let lo: number;
    let hi: number;
    if (rangePart === "*" || rangePart === "?") {
      lo = spec.min;
      hi = spec.name === "day-of-week" ? 6 : spec.max;
      if (stepPart === undefined) star = true;
    } else if (rangePart.includes("-")) {
      const [a, b, more] = rangePart.split("-");
      if (more !== undefined) throw new InvalidCronError(expression, `bad range "${rangePart}" in ${spec.name}`);
      lo = parseValue(a, spec, expression);
      hi = parseValue(b, spec, expression);
      if (lo > hi) throw new InvalidCronError(expression, `range start ${lo} is after end ${hi} in ${spec.name}`);
    } else {
      lo = parseValue(rangePart, spec, expression);
      hi = stepPart === undefined ? lo : spec.name === "day-of-week" ? 6 : spec.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(spec.name === "day-of-week" && v === 7 ? 0 : v);
  }
  return { values, star };
}

/** Parses a 5-field cron expression or macro. Throws {@link InvalidCronError}. */
export function parseCron(expression: string): CronSchedule {
  const trimmed = expression.trim();
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  if (expanded.startsWith("@")) throw new InvalidCronError(expression, `unknown macro "${trimmed}"`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new InvalidCronError(
      expression,
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  const [mi, h, dom, mo, dow] = parts.map((p, i) => parseField(p, FIELDS[i], expression));
  return {
    expression,
    minutes: mi.values,
    hours: h.values,
    daysOfMonth: dom.values,
    months: mo.values,
    daysOfWeek: dow.values,
    domStar: dom.star,
    dowStar: dow.star,
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  if (!s.months.has(d.getUTCMonth() + 1)) return false;
  const domOk = s.daysOfMonth.has(d.getUTCDate());
  const dowOk = s.daysOfWeek.has(d.getUTCDay());
  return s.domStar || s.dowStar ? domOk && dowOk : domOk || dowOk;
}

/** True when the schedule fires at the minute containing `atMs` (UTC). */
export function cronMatches(s: CronSchedule, atMs: number): boolean {
  const d = new Date(atMs);
  return dayMatches(s, d) && s.hours.has(d.getUTCHours()) && s.minutes.has(d.getUTCMinutes());
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The latest firing time at or before `atMs` (minute-aligned), looking back at most `lookbackMs`; undefined if
 * none. Skips whole days and hours that cannot match, so long lookbacks stay cheap.
 */
export function lastFiringAtOrBefore(s: CronSchedule, atMs: number, lookbackMs: number): number | undefined {
  const earliest = atMs - lookbackMs;
  let t = Math.floor(atMs / MINUTE) * MINUTE;
  while (t >= earliest) {
    const d = new Date(t);
    if (!dayMatches(s, d)) {
      t = Math.floor(t / DAY) * DAY - MINUTE; // last minute of the previous day
      continue;
    }
    if (!s.hours.has(d.getUTCHours())) {
      t = Math.floor(t / HOUR) * HOUR - MINUTE; // last minute of the previous hour
      continue;
    }
    if (s.minutes.has(d.getUTCMinutes())) return t;
    t -= MINUTE;
  }
  return undefined;
}

/**
 * Whether a scheduled window is open at `nowMs`: the schedule fired within the last `durationMs`
 * (Karpenter: the budget is active from each firing for `duration`).
 */
export function isWindowActive(s: CronSchedule, durationMs: number, nowMs: number): boolean {
  if (durationMs <= 0) return false;
  const last = lastFiringAtOrBefore(s, nowMs, durationMs);
  return last !== undefined && nowMs < last + durationMs;
}
