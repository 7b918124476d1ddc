/**
 * Low-level access to the state table shared by the store's parts: marshalling (lib-dynamodb), error mapping,
 * paginated queries and the fencing check.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { mapDynamoError } from "./errors.js";
import { BOOKKEEPING_ATTRIBUTES, FENCE_ATTRIBUTE, type ItemKey, leaseKey } from "./keys.js";
import { type Fence, FencedError } from "./types.js";

/** A raw item as lib-dynamodb returns it. */
export type Item = Record<string, NativeAttributeValue>;

/** A condition fragment with its placeholders. */
export interface ConditionPart {
  expression: string;
  names: Record<string, string>;
  values: Record<string, NativeAttributeValue>;
}

/** Table handle: document client + table name + options used by every part of the store. */
export class TableAccess {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
    /** Items per Query page (DynamoDB's `Limit`). @default unset (1 MB pages) */
    readonly pageSize?: number,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  /** Sends a command, mapping SDK errors except `ConditionalCheckFailedException` (left to the caller). */
  async send<T>(what: string, fn: (doc: DynamoDBDocumentClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.doc);
    } catch (err) {
      if (err instanceof Error && err.name === "ConditionalCheckFailedException") throw err;
      throw mapDynamoError(err, what, this.tableName);
    }
  }

  /** Strongly consistent read of one item. */
  async get(key: ItemKey, what: string): Promise<Item | undefined> {
    const out = await this.send(what, (d) =>
      d.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return out.Item;
  }

  /** Every item of a query, following `LastEvaluatedKey` (strongly consistent). */
  async queryAll(
    what: string,
    input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">,
    stopAfter?: number,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await this.send(what, (d) =>
        d.send(
          new QueryCommand({
            ConsistentRead: true,
            ...(this.pageSize ? { Limit: this.pageSize } : {}),
            ...input,
            TableName: this.tableName,
            ExclusiveStartKey: start,
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && (stopAfter === undefined || items.length < stopAfter));
    return items;
  }

  /**
   * Checks that `fence.lease` is still the current lease (same owner and token). Throws {@link FencedError} if it
   * was taken over or released. See `DynamoStateStore` for the guarantee this gives together with {@link fenceCondition}.
   */
  async verifyFence(fence: Fence): Promise<void> {
    const item = await this.get(leaseKey(fence.lease.name), "GetItem(lease)");
    if (!item || item.token !== fence.lease.token || item.owner !== fence.lease.owner) {
      const holder = item ? `token ${item.token}${item.owner ? `, owner ${item.owner}` : ", released"}` : "no lease";
      throw new FencedError(
        `lease "${fence.lease.name}" (owner ${fence.lease.owner}, token ${fence.lease.token}) is no longer held (${holder})`,
      );
    }
  }
}

/** Condition "the item was never written by a newer lease holder", plus the SET clause raising its fence. */
export function fenceCondition(fence: Fence): ConditionPart & { set: string } {
  return {
    expression: "(attribute_not_exists(#fence) OR #fence <= :fenceToken)",
    set: "#fence = :fenceToken",
    names: { "#fence": FENCE_ATTRIBUTE },
    values: { ":fenceToken": fence.lease.token },
  };
}

/** True when a stored item's fence shows a newer holder than `fence`. */
export function fencedOut(item: Item | undefined, fence: Fence | undefined): boolean {
  return (
    fence !== undefined &&
    item !== undefined &&
    typeof item[FENCE_ATTRIBUTE] === "number" &&
    item[FENCE_ATTRIBUTE] > fence.lease.token
  );
}

/** The FencedError for an item a newer holder already wrote. */
export function fencedItemError(what: string, item: Item, fence: Fence): FencedError {
  return new FencedError(
    `${what} was written by a newer holder of lease "${fence.lease.name}" (token ${item[FENCE_ATTRIBUTE]} > ${fence.lease.token})`,
  );
}

/** An item without the store's bookkeeping attributes (pk, sk, ttl, fence). */
export function stripBookkeeping(item: Item): Item {
  const out: Item = { ...item };
  for (const a of BOOKKEEPING_ATTRIBUTES) delete out[a];
  return out;
}
