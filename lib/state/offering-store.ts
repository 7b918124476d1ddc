/**
 * Unavailable offerings (insufficient capacity): one item per capacity type × instance type × zone, holding the
 * latest `until`. Reads drop records whose `until` has passed; the TTL attribute (`until` + 1 h) only collects them.
 */
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "./errors.js";
import { FENCE_ATTRIBUTE, ICE_PARTITION, iceKey, TTL_ATTRIBUTE, ttlSeconds } from "./keys.js";
import { fenceCondition, fencedItemError, fencedOut, type Item, type TableAccess } from "./table-access.js";
import type { Fence, UnavailableOfferingRecord } from "./types.js";

const TTL_MARGIN_MS = 60 * 60 * 1000;

/** Unavailable-offering operations over the state table. */
export class OfferingStore {
  constructor(private readonly table: TableAccess) {}

  /**
   * Records the offering as unavailable until `rec.until`. An existing record with a later `until` is kept (the
   * write is then a no-op).
   */
  async markUnavailable(rec: UnavailableOfferingRecord, fence?: Fence): Promise<void> {
    if (fence) await this.table.verifyFence(fence);
    const key = iceKey(rec.capacityType, rec.instanceType, rec.zone);
    const item: Item = {
      ...key,
      instanceType: rec.instanceType,
      zone: rec.zone,
      capacityType: rec.capacityType,
      until: rec.until,
      reason: rec.reason,
      [TTL_ATTRIBUTE]: ttlSeconds(rec.until + TTL_MARGIN_MS),
    };
    const names: Record<string, string> = { "#until": "until" };
    const values: Record<string, unknown> = { ":until": rec.until };
    let condition = "(attribute_not_exists(#until) OR #until <= :until)";
    if (fence) {
      const f = fenceCondition(fence);
      condition += ` AND ${f.expression}`;
      Object.assign(names, f.names);
      Object.assign(values, f.values);
      item[FENCE_ATTRIBUTE] = fence.lease.token;
    }
    try {
      await this.table.send("PutItem(unavailable offering)", (d) =>
        d.send(
          new PutCommand({
            TableName: this.table.tableName,
            Item: item,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      if (!fence) return;
      const out = await this.table.send("GetItem(unavailable offering)", (d) =>
        d.send(new GetCommand({ TableName: this.table.tableName, Key: key, ConsistentRead: true })),
      );
      if (out.Item && fencedOut(out.Item, fence)) throw fencedItemError(`offering ${key.sk}`, out.Item, fence);
      // Otherwise a record with a later `until` exists: keep it.
    }
  }

  /** Records with `until > now`, ordered by capacity type, instance type, zone. */
  async listUnavailable(now: number): Promise<UnavailableOfferingRecord[]> {
    const items = await this.table.queryAll("Query(unavailable offerings)", {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": ICE_PARTITION },
    });
    return items
      .filter((it) => (it.until as number) > now)
      .map((it) => ({
        instanceType: it.instanceType as string,
        zone: it.zone as string,
        capacityType: it.capacityType as UnavailableOfferingRecord["capacityType"],
        until: it.until as number,
        reason: it.reason as string,
      }));
  }
}
