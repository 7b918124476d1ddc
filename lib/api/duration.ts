/**
 * Durations and schedules as written in Karpenter v1 objects: Go-style durations (`720h`, `1h30m`, `30s`),
 * the literal `Never`, and budget cron schedules (5 fields or `@daily`-style macros, UTC).
 */

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

/**
 * Parses a duration made of integer `h`, `m` and `s` parts in that order (`720h`, `1h30m`, `90s`, `10m0s`) into
 * seconds, or returns `undefined` when it is not one. `units` restricts which units may appear.
 */
export function parseDurationSeconds(input: string, units = "hms"): number | undefined {
  if (input === "" || input === "0") return input === "0" ? 0 : undefined;
  const re = /(\d+)([hms])/gy;
  let total = 0;
  let lastRank = -1;
  let consumed = 0;
  for (let m = re.exec(input); m; m = re.exec(input)) {
    const unit = m[2];
    const rank = "hms".indexOf(unit);
    if (rank <= lastRank) return undefined;
    const value = Number(m[1]);
    if (!units.includes(unit) && !(unit === "s" && value === 0)) return undefined;
    lastRank = rank;
    total += value * UNIT_SECONDS[unit];
    consumed = re.lastIndex;
  }
  return consumed === input.length && consumed > 0 ? total : undefined;
}

/** Formats seconds as a Go-style duration (`720h`, `1h30m`, `45s`, `0s`). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
}

/** Cron macros accepted for budget schedules. */
export const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"] as const;

const CRON_FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  { name: "day of week", min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

function cronValue(field: (typeof CRON_FIELDS)[number], token: string): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const idx = field.names?.indexOf(token.toUpperCase()) ?? -1;
  return idx < 0 ? undefined : idx + field.min;
}

function cronFieldError(field: (typeof CRON_FIELDS)[number], text: string): string | undefined {
  for (const part of text.split(",")) {
    const [range, step, extra] = part.split("/");
    if (extra !== undefined || range === "" || (step !== undefined && !/^[1-9]\d*$/.test(step))) {
      return `${field.name} field ${JSON.stringify(text)} is not valid`;
    }
    if (range === "*" || range === "?") continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return `${field.name} field ${JSON.stringify(text)} is not valid`;
    const values = bounds.map((b) => cronValue(field, b));
    for (const value of values) {
      if (value === undefined) return `${field.name} field ${JSON.stringify(text)} is not valid`;
      if (value < field.min || value > field.max) {
        return `${field.name} ${value} is out of range ${field.min}-${field.max}`;
      }
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) {
      return `${field.name} range ${JSON.stringify(range)} is backwards`;
    }
  }
  return undefined;
}

/** Why `schedule` is not a valid budget schedule, or `undefined` when it is. */
export function cronError(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith("@")) {
    return (CRON_MACROS as readonly string[]).includes(s)
      ? undefined
      : `${JSON.stringify(schedule)} is not a valid schedule (macros: ${CRON_MACROS.join(", ")})`;
  }
  const fields = s.split(/\s+/);
  if (fields.length !== 5) {
    return `${JSON.stringify(schedule)} is not a valid schedule (expected 5 fields: minute hour day-of-month month day-of-week, or a macro such as @daily)`;
  }
  for (let i = 0; i < 5; i++) {
    const err = cronFieldError(CRON_FIELDS[i], fields[i]);
    if (err) return `${JSON.stringify(schedule)} is not a valid schedule (${err})`;
  }
  return undefined;
}
