/**
 * The lease with a fencing token (a fencing token orders the holders' writes), one item per lease name.
 *
 * - acquire: succeeds when the item is absent, expired (`expiresAt <= now`), released, or already held by the same
 *   owner; every successful acquire increments `token`.
 * - renew: only by the current owner with the current token.
 * - release: clears the owner and sets `expiresAt = 0`, keeping the token so that it keeps increasing: the lease item
 *   is never deleted (deleting it would restart tokens at 1 and defeat fencing).
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "./errors.js";
import { leaseKey } from "./keys.js";
import type { Item, TableAccess } from "./table-access.js";
import { FencedError, type Lease } from "./types.js";

const NAMES = { "#owner": "owner", "#token": "token", "#expiresAt": "expiresAt" };

function toLease(name: string, item: Item): Lease {
  return {
    name,
    owner: (item.owner as string | undefined) ?? "",
    token: item.token as number,
    expiresAt: item.expiresAt as number,
  };
}

/** Lease operations over the state table. */
export class LeaseStore {
  constructor(private readonly table: TableAccess) {}

  /** Takes the lease if absent, expired, released or already ours; undefined when someone else holds it. */
  async acquire(name: string, owner: string, ttlMs: number, now: number): Promise<Lease | undefined> {
    try {
      const out = await this.table.send("UpdateItem(acquire lease)", (d) =>
        d.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: leaseKey(name),
            UpdateExpression:
              "SET #owner = :owner, #expiresAt = :expiresAt, #acquiredAt = :now, #token = if_not_exists(#token, :zero) + :one",
            ConditionExpression: "attribute_not_exists(pk) OR #expiresAt <= :now OR #owner = :owner",
            ExpressionAttributeNames: { ...NAMES, "#acquiredAt": "acquiredAt" },
            ExpressionAttributeValues: {
              ":owner": owner,
              ":expiresAt": now + ttlMs,
              ":now": now,
              ":zero": 0,
              ":one": 1,
            },
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return toLease(name, out.Attributes ?? {});
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  /** Extends the lease by `ttlMs` from `now`; {@link FencedError} if it was taken over or released. */
  async renew(lease: Lease, ttlMs: number, now: number): Promise<Lease> {
    try {
      const out = await this.table.send("UpdateItem(renew lease)", (d) =>
        d.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: leaseKey(lease.name),
            UpdateExpression: "SET #expiresAt = :expiresAt",
            ConditionExpression: "#owner = :owner AND #token = :token",
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: { ":owner": lease.owner, ":token": lease.token, ":expiresAt": now + ttlMs },
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return toLease(lease.name, out.Attributes ?? {});
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const current = await this.get(lease.name);
      throw new FencedError(
        `lease "${lease.name}" (owner ${lease.owner}, token ${lease.token}) was lost` +
          (current ? ` (now token ${current.token}${current.owner ? `, owner ${current.owner}` : ", released"})` : ""),
      );
    }
  }

  /** Releases the lease if still held with this token; a no-op otherwise. */
  async release(lease: Lease): Promise<void> {
    try {
      await this.table.send("UpdateItem(release lease)", (d) =>
        d.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: leaseKey(lease.name),
            UpdateExpression: "SET #expiresAt = :zero REMOVE #owner",
            ConditionExpression: "#owner = :owner AND #token = :token",
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: { ":owner": lease.owner, ":token": lease.token, ":zero": 0 },
          }),
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /** The lease as stored (owner "" when released), or undefined if never acquired. */
  async get(name: string): Promise<Lease | undefined> {
    const item = await this.table.get(leaseKey(name), "GetItem(lease)");
    return item ? toLease(name, item) : undefined;
  }
}
