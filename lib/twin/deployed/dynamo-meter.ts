/**
 * The request units the deployed functions' DynamoDB calls consume, as on-demand billing counts them: the gateway
 * asks dynalite for `ReturnConsumedCapacity: TOTAL` on every item and query call (the answer goes back to the
 * function unchanged; the extra `ConsumedCapacity` field is one the SDK already models) and adds up what dynalite
 * reports — one write unit per started KB of the larger of the old and new item, one read unit per started 4 KB of a
 * strongly consistent read (half for an eventually consistent one), a query's items summed before rounding.
 *
 * Not reported by dynalite and counted here instead: a write whose condition fails consumes write units on AWS too;
 * it is counted as one unit (the item's size is not known without reading it), so an item over 1 KB makes that an
 * undercount. Not reported by dynalite either: the write units of a global secondary index (keys only). A write
 * that sets an index key attribute adds an index entry and a delete of a claim removes one, each counted one unit
 * here (an index entry of keys only is far under 1 KB); a write that leaves the key alone writes no entry. The
 * controllers use no transactions or batch calls, whose extra units this does not model.
 */

/** Units of one group of calls. */
export interface DynamoUsage {
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** Writes whose condition failed (each counted one write unit). */
  conditionFailures: number;
  /** The most write units one request consumed (over 1 means an item over 1 KB). */
  writeUnitsMaxPerRequest: number;
}

const METERED_ACTIONS = new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
]);
const WRITE_ACTIONS = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);

interface RequestShape {
  ReturnConsumedCapacity?: string;
  Key?: { pk?: { S?: string } };
  Item?: { pk?: { S?: string } } & Record<string, unknown>;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, { S?: string }>;
  KeyConditionExpression?: string;
  IndexName?: string;
}

/**
 * The item collection a request touches: its partition key, with the per-day and per-event suffixes dropped; for a
 * query of an index, the index's name.
 */
function partitionOf(req: RequestShape): string {
  if (req.IndexName) return req.IndexName;
  let pk = req.Key?.pk?.S ?? req.Item?.pk?.S;
  if (pk === undefined && req.KeyConditionExpression) {
    const placeholder = /(?:#pk|\bpk)\s*=\s*(:\w+)/.exec(req.KeyConditionExpression)?.[1];
    pk = placeholder ? req.ExpressionAttributeValues?.[placeholder]?.S : undefined;
  }
  return (pk ?? "?").split("#")[0] ?? "?";
}

/** A metered call in flight: the body to forward, and how to record its reply. */
export interface MeteredCall {
  body: Buffer;
  record: (status: number, reply: Buffer) => void;
}

/** Counts request units per `<caller> <Action> <partition>`. */
export class DynamoMeter {
  readonly usage = new Map<string, DynamoUsage>();

  /** `indexKeys`: the partition key attributes of the table's global secondary indexes. */
  constructor(private readonly indexKeys: readonly string[] = []) {}

  /** Index entries a write adds or removes (see the file's comment). */
  private indexWrites(action: string, req: RequestShape, partition: string): number {
    if (this.indexKeys.length === 0) return 0;
    if (action === "DeleteItem") return partition === "CLAIM" ? this.indexKeys.length : 0;
    const named = new Set([...Object.keys(req.Item ?? {}), ...Object.values(req.ExpressionAttributeNames ?? {})]);
    return this.indexKeys.filter((k) => named.has(k)).length;
  }

  /** Prepares a call of `caller` (a role name): the body with consumed capacity asked for, and its recorder. */
  meter(caller: string, action: string, body: Buffer): MeteredCall | undefined {
    if (!METERED_ACTIONS.has(action)) return undefined;
    let req: RequestShape;
    try {
      req = JSON.parse(body.toString("utf8")) as RequestShape;
    } catch {
      return undefined;
    }
    const partition = partitionOf(req);
    const key = `${caller} ${action} ${partition}`;
    const indexUnits = WRITE_ACTIONS.has(action) ? this.indexWrites(action, req, partition) : 0;
    const forwarded = req.ReturnConsumedCapacity
      ? body
      : Buffer.from(JSON.stringify({ ...req, ReturnConsumedCapacity: "TOTAL" }));
    return { body: forwarded, record: (status, reply) => this.record(key, action, status, reply, indexUnits) };
  }

  /** Units over every call. */
  totals(): DynamoUsage {
    const t: DynamoUsage = {
      requests: 0,
      readUnits: 0,
      writeUnits: 0,
      conditionFailures: 0,
      writeUnitsMaxPerRequest: 0,
    };
    for (const u of this.usage.values()) {
      t.requests += u.requests;
      t.readUnits += u.readUnits;
      t.writeUnits += u.writeUnits;
      t.conditionFailures += u.conditionFailures;
      t.writeUnitsMaxPerRequest = Math.max(t.writeUnitsMaxPerRequest, u.writeUnitsMaxPerRequest);
    }
    return t;
  }

  private record(key: string, action: string, status: number, reply: Buffer, indexUnits: number): void {
    const u = this.usage.get(key) ?? {
      requests: 0,
      readUnits: 0,
      writeUnits: 0,
      conditionFailures: 0,
      writeUnitsMaxPerRequest: 0,
    };
    this.usage.set(key, u);
    u.requests++;
    const write = WRITE_ACTIONS.has(action);
    if (status !== 200) {
      if (write && reply.toString("utf8").includes("ConditionalCheckFailedException")) {
        u.conditionFailures++;
        u.writeUnits++;
        u.writeUnitsMaxPerRequest = Math.max(u.writeUnitsMaxPerRequest, 1);
      }
      return;
    }
    let units = 0;
    try {
      const out = JSON.parse(reply.toString("utf8")) as {
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      };
      const consumed = out.ConsumedCapacity;
      for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) units += c.CapacityUnits ?? 0;
    } catch {
      return;
    }
    if (write) {
      units += indexUnits;
      u.writeUnits += units;
      u.writeUnitsMaxPerRequest = Math.max(u.writeUnitsMaxPerRequest, units);
    } else u.readUnits += units;
  }
}
