/**
 * `--since` for the operator commands: a look-back duration (`90s`, `15m`, `1h30m`, `2d`) or an ISO 8601 time.
 */
import { parseDurationSeconds } from "../api/duration.js";

const DAY_SECONDS = 24 * 60 * 60;

/** A `--since` value that is neither a duration nor a time. */
export class InvalidSinceError extends Error {
  override name = "InvalidSinceError";
}

/** Seconds of a duration with an optional leading day part (`2d`, `1d12h`), or undefined. */
function durationSeconds(text: string): number | undefined {
  const days = /^(\d+)d(.*)$/.exec(text);
  if (!days) return parseDurationSeconds(text);
  const rest = days[2] === "" ? 0 : parseDurationSeconds(days[2]);
  return rest === undefined ? undefined : Number(days[1]) * DAY_SECONDS + rest;
}

/** Epoch ms `since` stands for at `now`; throws {@link InvalidSinceError} naming the value. */
export function parseSince(since: string, now: number): number {
  const seconds = durationSeconds(since);
  if (seconds !== undefined) return now - seconds * 1000;
  if (/^\d{4}-\d{2}-\d{2}/.test(since)) {
    const at = Date.parse(since);
    if (Number.isFinite(at)) return at;
  }
  throw new InvalidSinceError(
    `--since ${JSON.stringify(since)}: expected a duration like 30m, 1h, 2d or an ISO time like 2024-05-01T12:00:00Z`,
  );
}
