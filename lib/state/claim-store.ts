/**
 * Node claims: create-once, version-checked updates along the lifecycle (`claim-transitions.ts`), strongly
 * consistent paginated listing, deletion of Terminated claims.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { claimAttributes, claimFromAttributes, droppedFields, encodeClaimField, storesField } from "./claim-item.js";
import { assertClaimTransition } from "./claim-transitions.js";
import { isConditionalCheckFailed } from "./errors.js";
import { CLAIM_PARTITION, claimKey, FENCE_ATTRIBUTE, TTL_ATTRIBUTE, ttlSeconds } from "./keys.js";
import {
  fenceCondition,
  fencedItemError,
  fencedOut,
  type Item,
  stripBookkeeping,
  type TableAccess,
} from "./table-access.js";
import { ConflictError, type Fence, type NodeClaim } from "./types.js";

/** Conditional puts in flight at once when creating many claims. */
export const CREATE_MANY_CONCURRENCY = 25;

/** Fields whose stored form differs from the claim's, written again on every state change. */
const REENCODED: readonly (keyof NodeClaim)[] = ["labels", "pods"];

/** Fields a patch may not change. */
const IMMUTABLE: ReadonlySet<string> = new Set(["id", "version"]);

/** Claim operations over the state table. */
export class ClaimStore {
  constructor(
    private readonly table: TableAccess,
    private readonly now: () => number,
    /** How long a Terminated claim is kept (TTL; reads also hide it after this). */
    private readonly terminatedRetentionMs: number,
  ) {}

  /** Stores a new claim with version 1; {@link ConflictError} if the id exists. */
  async create(claim: NodeClaim, fence?: Fence): Promise<NodeClaim> {
    if (fence) await this.table.verifyFence(fence);
    return this.put(claim, fence);
  }

  /**
   * Stores several new claims (the intents of a launch batch): the lease is read once, then one conditional put per
   * claim, {@link CREATE_MANY_CONCURRENCY} at a time. Not BatchWriteItem: it cannot carry the conditions (the claim
   * must not exist; the fence). Not TransactWriteItems: dynalite has no transactions, and atomicity is not needed
   * — a claim written without its batch-mates is a Pending claim like any other, resolved by recovery. Fails with
   * the first error after every started put has finished; claims written before a failure stay written.
   */
  async createMany(claims: NodeClaim[], fence?: Fence): Promise<NodeClaim[]> {
    if (fence) await this.table.verifyFence(fence);
    const out: NodeClaim[] = [];
    for (let i = 0; i < claims.length; i += CREATE_MANY_CONCURRENCY) {
      const chunk = claims.slice(i, i + CREATE_MANY_CONCURRENCY);
      const settled = await Promise.allSettled(chunk.map((c) => this.put(c, fence)));
      for (const r of settled) {
        if (r.status === "rejected") throw r.reason;
        out.push(r.value);
      }
    }
    return out;
  }

  private async put(claim: NodeClaim, fence?: Fence): Promise<NodeClaim> {
    const stored: NodeClaim = { ...claim, version: 1 };
    const item: Item = { ...claimAttributes(stored), ...claimKey(claim.id) };
    if (fence) item[FENCE_ATTRIBUTE] = fence.lease.token;
    if (claim.state === "Terminated") item[TTL_ATTRIBUTE] = ttlSeconds(this.now() + this.terminatedRetentionMs);
    try {
      await this.table.send("PutItem(claim)", (d) =>
        d.send(
          new PutCommand({
            TableName: this.table.tableName,
            Item: item,
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const existing = await this.table.get(claimKey(claim.id), "GetItem(claim)");
      if (existing && fence && fencedOut(existing, fence))
        throw fencedItemError(`node claim "${claim.id}"`, existing, fence);
      throw new ConflictError(`node claim "${claim.id}" already exists`);
    }
    return claimFromAttributes(claimAttributes(stored));
  }

  /**
   * Applies `patch` if the stored version is still `claim.version` (and its state `claim.state`). A key present in
   * `patch` with value `undefined` removes the attribute. `id`/`version` cannot be patched; `updatedAt` defaults to
   * the store's clock. Moving to Terminated sets the item's TTL.
   */
  async update(claim: NodeClaim, patch: Partial<NodeClaim>, fence?: Fence): Promise<NodeClaim> {
    if (patch.state !== undefined) assertClaimTransition(claim.id, claim.state, patch.state);
    if (fence) await this.table.verifyFence(fence);
    const now = this.now();
    const names: Record<string, string> = { "#version": "version", "#state": "state", "#updatedAt": "updatedAt" };
    const values: Record<string, unknown> = {
      ":expectedVersion": claim.version,
      ":newVersion": claim.version + 1,
      ":expectedState": claim.state,
      ":updatedAt": patch.updatedAt ?? now,
    };
    const sets = ["#version = :newVersion", "#updatedAt = :updatedAt"];
    const removes: string[] = [];
    const after = { ...claim, ...patch } as NodeClaim;
    const fields = new Set(Object.keys(patch) as (keyof NodeClaim)[]);
    if (patch.state !== undefined && patch.state !== claim.state) {
      // The stored form depends on the state: drop what the new state no longer keeps, re-encode the rest of what
      // it encodes (which also rewrites an item of the old, full form).
      for (const f of droppedFields(patch.state)) if (claim[f] !== undefined) fields.add(f);
      for (const f of REENCODED) if (storesField(patch.state, f) && claim[f] !== undefined) fields.add(f);
    }
    let i = 0;
    for (const key of fields) {
      if (IMMUTABLE.has(key) || key === "updatedAt") continue;
      const n = `#p${i}`;
      names[n] = key;
      const value = after[key];
      const encoded =
        value === undefined || !storesField(after.state, key) ? undefined : encodeClaimField(after, key, value);
      if (encoded === undefined) removes.push(n);
      else {
        values[`:p${i}`] = encoded;
        sets.push(`${n} = :p${i}`);
      }
      i++;
    }
    if (patch.state === "Terminated" && claim.state !== "Terminated") {
      names["#ttl"] = TTL_ATTRIBUTE;
      values[":ttl"] = ttlSeconds(now + this.terminatedRetentionMs);
      sets.push("#ttl = :ttl");
    }
    let condition = "attribute_exists(pk) AND #version = :expectedVersion AND #state = :expectedState";
    if (fence) {
      const f = fenceCondition(fence);
      condition += ` AND ${f.expression}`;
      sets.push(f.set);
      Object.assign(names, f.names);
      Object.assign(values, f.values);
    }
    const expression = `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`;
    try {
      const out = await this.table.send("UpdateItem(claim)", (d) =>
        d.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: claimKey(claim.id),
            UpdateExpression: expression,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return claimFromAttributes(stripBookkeeping(out.Attributes ?? {}));
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const current = await this.table.get(claimKey(claim.id), "GetItem(claim)");
      if (!current) throw new ConflictError(`node claim "${claim.id}" does not exist`);
      if (fence && fencedOut(current, fence)) throw fencedItemError(`node claim "${claim.id}"`, current, fence);
      throw new ConflictError(
        `node claim "${claim.id}" changed: expected version ${claim.version} (${claim.state}), stored version ${current.version} (${current.state})`,
      );
    }
  }

  /** The claim, or undefined (also for a Terminated claim past its retention). */
  async get(id: string): Promise<NodeClaim | undefined> {
    const item = await this.table.get(claimKey(id), "GetItem(claim)");
    return item && !this.expired(item) ? claimFromAttributes(stripBookkeeping(item)) : undefined;
  }

  /** All claims, paginated internally; Terminated ones only with `includeTerminated`. Ordered by id. */
  async list(includeTerminated: boolean): Promise<NodeClaim[]> {
    // Closed claims stay ten minutes before gc deletes them: after a scale-down they outnumber the live ones, so they are
    // filtered out by the table rather than sent and unmarshalled.
    const items = await this.table.queryAll(
      "Query(claims)",
      includeTerminated
        ? { KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": CLAIM_PARTITION } }
        : {
            KeyConditionExpression: "pk = :pk",
            FilterExpression: "#state <> :terminated",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: { ":pk": CLAIM_PARTITION, ":terminated": "Terminated" },
          },
    );
    return items
      .filter((it) => !this.expired(it) && (includeTerminated || it.state !== "Terminated"))
      .map((it) => claimFromAttributes(stripBookkeeping(it)));
  }

  /** Deletes a Terminated claim; a no-op if absent; {@link ConflictError} if it is not Terminated. */
  async delete(id: string, fence?: Fence): Promise<void> {
    if (fence) await this.table.verifyFence(fence);
    const names: Record<string, string> = { "#state": "state" };
    const values: Record<string, unknown> = { ":terminated": "Terminated" };
    let condition = "#state = :terminated";
    if (fence) {
      const f = fenceCondition(fence);
      condition += ` AND ${f.expression}`;
      Object.assign(names, f.names);
      Object.assign(values, f.values);
    }
    try {
      await this.table.send("DeleteItem(claim)", (d) =>
        d.send(
          new DeleteCommand({
            TableName: this.table.tableName,
            Key: claimKey(id),
            ConditionExpression: `attribute_not_exists(pk) OR (${condition})`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const current = await this.table.get(claimKey(id), "GetItem(claim)");
      if (current && fence && fencedOut(current, fence)) throw fencedItemError(`node claim "${id}"`, current, fence);
      throw new ConflictError(`node claim "${id}" is ${current?.state ?? "gone"}, not Terminated: not deleted`);
    }
  }

  private expired(item: Item): boolean {
    return typeof item[TTL_ATTRIBUTE] === "number" && item[TTL_ATTRIBUTE] * 1000 <= this.now();
  }
}
