/**
 * {@link DynamoStateStore}: the {@link StateStore} over one DynamoDB table (key schema in `keys.ts`, creation in
 * `table.ts`), using single-item conditional writes only — no transactions (dynalite has none).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ClaimStore } from "./claim-store.js";
import { ConfigStore, type LastGoodConfig } from "./config-store.js";
import { DecisionLog } from "./decision-log.js";
import { recordEventOnce } from "./event-dedup.js";
import { claimsByInstance } from "./instance-lookup.js";
import { LeaseStore } from "./lease-store.js";
import { OfferingStore } from "./offering-store.js";
import { TableAccess } from "./table-access.js";
import type {
  ConfigItem,
  DecisionRecord,
  Fence,
  Lease,
  NodeClaim,
  StateStore,
  UnavailableOfferingRecord,
} from "./types.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Options of {@link DynamoStateStore}. */
export interface DynamoStateStoreOptions {
  /** A DynamoDB client (see `createDynamoClient`), pointing at AWS, dynalite or moto. */
  client: DynamoDBClient;
  /** @default "stevedore-state" */
  tableName?: string;
  /**
   * Time source for what the contract does not pass a `now` for: claim `updatedAt` defaults, TTLs, hiding expired
   * Terminated claims and decisions. The twin passes its virtual clock. @default wall clock
   */
  clock?: { now(): number };
  /** How long Terminated claims are kept. @default 7 days */
  terminatedClaimRetentionMs?: number;
  /** How long decisions are kept. @default 30 days */
  decisionRetentionMs?: number;
  /** Items per Query page (tests use a small value to exercise pagination). @default unset (1 MB pages) */
  queryPageSize?: number;
}

/**
 * The DynamoDB state store.
 *
 * Errors: a lost condition race → `ConflictError`; a write fenced out → `FencedError`; an invalid claim state
 * change → `InvalidClaimTransitionError`; throttling/5xx/network → `RetryableStateError`; a missing table →
 * `StateTableNotFoundError`; anything else → `StateStoreError`.
 *
 * **Fencing.** A write given a `fence` (i.e. made on behalf of a lease holder) does two things, because without
 * transactions the lease and the item cannot be checked in one atomic step:
 * 1. it reads the lease item (strongly consistent) and fails with `FencedError` unless the lease still has the
 *    fence's owner and token (a takeover increments the token; a release clears the owner);
 * 2. it writes the item under the condition `attribute_not_exists(fence) OR fence <= :token` and sets
 *    `fence = :token`, failing with `FencedError` when the item was already written by a newer holder.
 *
 * Guarantee: once a newer holder (token t+1) has written an item, no write of an older holder (token ≤ t) to that
 * item can succeed, ever; and an older holder cannot start a write after the takeover is visible to its lease read.
 * Limit: a stale holder whose lease read happened just before the takeover may still land writes on items the new
 * holder has not written yet (a window of one request). The new holder must therefore treat what it reads with the
 * usual optimistic checks (claim `version`), which it does anyway. Lease expiry itself is not checked on writes (time
 * is the caller's); a holder must renew before `expiresAt`. Writes without a fence are not fenced.
 */
export class DynamoStateStore implements StateStore {
  readonly tableName: string;
  private readonly leases: LeaseStore;
  private readonly claims: ClaimStore;
  private readonly offerings: OfferingStore;
  private readonly decisions: DecisionLog;
  private readonly configs: ConfigStore;
  private readonly table: TableAccess;

  constructor(opts: DynamoStateStoreOptions) {
    this.tableName = opts.tableName ?? "stevedore-state";
    const clock = opts.clock ?? { now: () => Date.now() };
    const now = () => clock.now();
    this.table = new TableAccess(opts.client, this.tableName, opts.queryPageSize);
    this.leases = new LeaseStore(this.table);
    this.claims = new ClaimStore(this.table, now, opts.terminatedClaimRetentionMs ?? 7 * DAY_MS);
    this.offerings = new OfferingStore(this.table);
    this.decisions = new DecisionLog(this.table, now, opts.decisionRetentionMs ?? 30 * DAY_MS);
    this.configs = new ConfigStore(this.table);
  }

  acquireLease(name: string, owner: string, ttlMs: number, now: number): Promise<Lease | undefined> {
    return this.leases.acquire(name, owner, ttlMs, now);
  }
  renewLease(lease: Lease, ttlMs: number, now: number): Promise<Lease> {
    return this.leases.renew(lease, ttlMs, now);
  }
  releaseLease(lease: Lease): Promise<void> {
    return this.leases.release(lease);
  }
  /** The lease as stored (owner "" once released), undefined if never acquired. Extension for status/tests. */
  getLease(name: string): Promise<Lease | undefined> {
    return this.leases.get(name);
  }

  /** Stores the claim with version 1. */
  createClaim(claim: NodeClaim, fence?: Fence): Promise<NodeClaim> {
    return this.claims.create(claim, fence);
  }
  /** Stores several claims with version 1 (see `ClaimStore.createMany`). */
  createClaims(claims: NodeClaim[], fence?: Fence): Promise<NodeClaim[]> {
    return this.claims.createMany(claims, fence);
  }
  /** See `ClaimStore.update`: a key present with value `undefined` removes that field. */
  updateClaim(claim: NodeClaim, patch: Partial<NodeClaim>, fence?: Fence): Promise<NodeClaim> {
    return this.claims.update(claim, patch, fence);
  }
  getClaim(id: string): Promise<NodeClaim | undefined> {
    return this.claims.get(id);
  }
  listClaims(opts: { includeTerminated?: boolean } = {}): Promise<NodeClaim[]> {
    return this.claims.list(opts.includeTerminated ?? false);
  }
  /** Through the `byInstance` index (`instance-lookup.ts`); a table without it is listed instead. */
  async claimsByInstance(instanceIds: readonly string[]): Promise<Map<string, NodeClaim>> {
    const found = await claimsByInstance(this.table, instanceIds, (id) => this.claims.get(id));
    if (found.indexed) return found.claims;
    const wanted = new Set(instanceIds);
    const out = new Map<string, NodeClaim>();
    for (const c of await this.claims.list(false))
      if (c.instanceId && wanted.has(c.instanceId)) out.set(c.instanceId, c);
    return out;
  }
  deleteClaim(id: string, fence?: Fence): Promise<void> {
    return this.claims.delete(id, fence);
  }

  markOfferingUnavailable(rec: UnavailableOfferingRecord, fence?: Fence): Promise<void> {
    return this.offerings.markUnavailable(rec, fence);
  }
  listUnavailableOfferings(now: number): Promise<UnavailableOfferingRecord[]> {
    return this.offerings.listUnavailable(now);
  }

  logDecision(rec: DecisionRecord): Promise<void> {
    return this.decisions.log(rec);
  }
  /** Oldest first; with `limit`, the newest `limit` decisions since `since`. */
  listDecisions(since: number, limit?: number): Promise<DecisionRecord[]> {
    return this.decisions.list(since, limit);
  }

  recordEventOnce(id: string, now: number, ttlMs: number, opts: { readFirst?: boolean } = {}): Promise<boolean> {
    return recordEventOnce(this.table, id, now, ttlMs, opts.readFirst ?? false);
  }

  putConfig(
    item: Omit<ConfigItem, "version" | "updatedAt">,
    now: number,
    expectedVersion?: number,
  ): Promise<ConfigItem> {
    return this.configs.put(item, now, expectedVersion);
  }
  listConfig(): Promise<ConfigItem[]> {
    return this.configs.list();
  }
  getConfig(kind: ConfigItem["kind"], name: string): Promise<ConfigItem | undefined> {
    return this.configs.get(kind, name);
  }
  deleteConfig(kind: ConfigItem["kind"], name: string): Promise<boolean> {
    return this.configs.delete(kind, name);
  }

  /** Last validated text of an SSM config parameter (extension used by the SSM config source). */
  getLastGoodConfig(parameterName: string): Promise<LastGoodConfig | undefined> {
    return this.configs.getLastGood(parameterName);
  }
  /** Saves a validated SSM parameter text; never replaces a newer parameter version. */
  putLastGoodConfig(rec: LastGoodConfig): Promise<void> {
    return this.configs.putLastGood(rec);
  }
}
