/**
 * Event de-duplication (interruption events may be delivered more than once): a conditional put per event id.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "./errors.js";
import { eventKey, TTL_ATTRIBUTE, ttlSeconds } from "./keys.js";
import type { TableAccess } from "./table-access.js";

/**
 * Records `id` until `now + ttlMs`; true when it was not already recorded (or its record expired by `now`, which the
 * condition checks itself: no reliance on TTL deletion). With `readFirst` (an id that is usually recorded already,
 * such as an interval gate), a strongly consistent read comes first and the write is made only when the record is
 * absent or expired: a write whose condition fails still costs a write unit, five times a read unit's price. The
 * conditional write still decides, so concurrent callers still see exactly one `true`.
 */
export async function recordEventOnce(
  table: TableAccess,
  id: string,
  now: number,
  ttlMs: number,
  readFirst = false,
): Promise<boolean> {
  if (readFirst) {
    const existing = await table.get(eventKey(id), "GetItem(event)");
    if (existing && typeof existing.expiresAt === "number" && existing.expiresAt > now) return false;
  }
  try {
    await table.send("PutItem(event)", (d) =>
      d.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...eventKey(id), firstSeenAt: now, expiresAt: now + ttlMs, [TTL_ATTRIBUTE]: ttlSeconds(now + ttlMs) },
          ConditionExpression: "attribute_not_exists(pk) OR #expiresAt <= :now",
          ExpressionAttributeNames: { "#expiresAt": "expiresAt" },
          ExpressionAttributeValues: { ":now": now },
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}
