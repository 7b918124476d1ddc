/**
 * The decision log: one partition per UTC day (`DECISION#yyyy-mm-dd`), sort key a time-ordered id
 * (`<13-digit epoch ms>-<per-process sequence>-<random>`), so a day's decisions come back in time order and
 * decisions logged by one process within the same millisecond keep their order. TTL 30 d; reads ignore decisions
 * older than the retention window by time (dynalite never expires items).
 */
import { randomBytes } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { decisionPartition, TTL_ATTRIBUTE, ttlSeconds } from "./keys.js";
import type { Item, TableAccess } from "./table-access.js";
import type { DecisionRecord } from "./types.js";

const DAY_MS = 24 * 60 * 60 * 1000;
let sequence = 0;

/** A time-ordered, unique sort key for a decision at `at` (epoch ms). */
export function decisionId(at: number): string {
  sequence = (sequence + 1) % 36 ** 6;
  return `${String(Math.max(0, Math.floor(at))).padStart(13, "0")}-${sequence.toString(36).padStart(6, "0")}-${randomBytes(4).toString("hex")}`;
}

/** Decision log operations over the state table. */
export class DecisionLog {
  constructor(
    private readonly table: TableAccess,
    private readonly now: () => number,
    /** Decisions older than this are expired (TTL and reads). */
    private readonly retentionMs: number,
  ) {}

  /** Appends a decision (never overwrites: the id is unique). */
  async log(rec: DecisionRecord): Promise<void> {
    await this.table.send("PutItem(decision)", (d) =>
      d.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: {
            pk: decisionPartition(rec.at),
            sk: decisionId(rec.at),
            at: rec.at,
            controller: rec.controller,
            action: rec.action,
            details: rec.details,
            [TTL_ATTRIBUTE]: ttlSeconds(rec.at + this.retentionMs),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
  }

  /**
   * Decisions with `at >= since` (and within the retention window of the store's clock, up to the end of the day
   * after the clock's day), oldest first. With `limit`, the newest `limit` of them (still returned oldest first).
   */
  async list(since: number, limit?: number): Promise<DecisionRecord[]> {
    const now = this.now();
    const from = Math.max(since, now - this.retentionMs);
    // One day beyond the clock's day tolerates writers whose clocks run ahead.
    const to = Math.max(now, from) + DAY_MS;
    const days: number[] = [];
    for (let day = Math.floor(from / DAY_MS) * DAY_MS; day <= to; day += DAY_MS) days.push(day);
    const sinceKey = String(Math.max(0, Math.ceil(from))).padStart(13, "0");
    const out: Item[] = [];
    if (limit === undefined) {
      for (const day of days) out.push(...(await this.queryDay(day, sinceKey, true)));
    } else {
      for (const day of days.reverse()) {
        const items = await this.queryDay(day, sinceKey, false, limit - out.length);
        out.push(...items);
        if (out.length >= limit) break;
      }
      out.splice(limit);
      out.reverse();
    }
    return out.map((it) => ({
      at: it.at as number,
      controller: it.controller as string,
      action: it.action as string,
      details: (it.details ?? {}) as Record<string, unknown>,
    }));
  }

  private async queryDay(day: number, sinceKey: string, forward: boolean, want?: number): Promise<Item[]> {
    const items = await this.table.queryAll(
      "Query(decisions)",
      {
        KeyConditionExpression: "pk = :pk AND sk >= :since",
        ExpressionAttributeValues: { ":pk": decisionPartition(day), ":since": sinceKey },
        ScanIndexForward: forward,
      },
      want,
    );
    return want === undefined ? items : items.slice(0, want);
  }
}
