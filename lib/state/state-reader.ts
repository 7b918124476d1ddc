/**
 * Read-only queries over the state table for operators (`stevedore status` and `stevedore decisions`): leases with
 * the time they were taken, and the decision log walked newest first, one UTC day partition at a time, so a reader
 * can stop as soon as it has what it needs. Nothing here writes.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { decisionPartition, leaseKey } from "./keys.js";
import { TableAccess } from "./table-access.js";
import type { DecisionRecord } from "./types.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The lease names the controllers take. */
export const CONTROLLER_LEASE_NAMES = ["provisioner", "disruptor", "gc"] as const;

/** A lease item as stored, with the time its current holder took it. */
export interface LeaseRecord {
  name: string;
  /** "" once released. */
  owner: string;
  token: number;
  expiresAt: number;
  /** When the last acquire succeeded (absent on items written before the attribute existed). */
  acquiredAt?: number;
}

/** Options of {@link StateReader}. */
export interface StateReaderOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Items per Query page (tests use a small value to exercise pagination). @default unset (1 MB pages) */
  queryPageSize?: number;
}

/** Read-only operator queries over one state table. */
export class StateReader {
  private readonly table: TableAccess;

  constructor(opts: StateReaderOptions) {
    this.table = new TableAccess(opts.client, opts.tableName, opts.queryPageSize);
  }

  /** The stored lease items of `names` (never acquired leases are left out), in the order given. */
  async leases(names: readonly string[] = CONTROLLER_LEASE_NAMES): Promise<LeaseRecord[]> {
    const out: LeaseRecord[] = [];
    for (const name of names) {
      const item = await this.table.get(leaseKey(name), "GetItem(lease)");
      if (!item) continue;
      out.push({
        name,
        owner: (item.owner as string | undefined) ?? "",
        token: item.token as number,
        expiresAt: item.expiresAt as number,
        ...(typeof item.acquiredAt === "number" ? { acquiredAt: item.acquiredAt } : {}),
      });
    }
    return out;
  }

  /**
   * Decisions with `since <= at <= until`, newest first. Walks the day partitions from `until`'s day back to
   * `since`'s, one day at a time, so breaking out of the loop stops the reads.
   */
  async *decisionsNewestFirst(since: number, until: number): AsyncGenerator<DecisionRecord> {
    const lastDay = Math.floor(until / DAY_MS) * DAY_MS;
    const firstDay = Math.floor(Math.max(0, since) / DAY_MS) * DAY_MS;
    const fromKey = String(Math.max(0, Math.ceil(since))).padStart(13, "0");
    // Sort keys start with the 13-digit time; "~" sorts after every suffix of the last millisecond.
    const toKey = `${String(Math.max(0, Math.floor(until))).padStart(13, "0")}~`;
    for (let day = lastDay; day >= firstDay; day -= DAY_MS) {
      const items = await this.table.queryAll("Query(decisions)", {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":pk": decisionPartition(day), ":from": fromKey, ":to": toKey },
        ScanIndexForward: false,
      });
      for (const it of items) {
        yield {
          at: it.at as number,
          controller: it.controller as string,
          action: it.action as string,
          details: (it.details ?? {}) as Record<string, unknown>,
        };
      }
    }
  }
}
