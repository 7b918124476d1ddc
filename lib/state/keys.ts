/**
 * The state table's key schema (item catalogue in docs/ARCHITECTURE.md), shared by the store, `createStateTable` and the CDK stack.
 *
 * One table, two string key attributes: **`pk`** (partition key) and **`sk`** (sort key); billing
 * PAY_PER_REQUEST; TTL attribute **`ttl`** (epoch seconds). One global secondary index, **`byInstance`**
 * (partition key `instanceId`, keys only): it finds a launched claim by its instance for the interruption function
 * (`instance-lookup.ts`) without a listing.
 *
 * Items that must be listed live in one partition per collection, so a list is a strongly consistent,
 * paginated Query (listing through an index would be eventually consistent: a claim written a moment ago could be
 * missing from a list, and garbage collection would take its instance for a leak):
 *
 * | Item | pk | sk | TTL |
 * |---|---|---|---|
 * | node claim | `CLAIM` | `<claim id>` | set when Terminated (7 d) |
 * | lease | `LEASE` | `<lease name>` | never (the token must survive) |
 * | unavailable offering | `ICE` | `<capacityType>#<instanceType>#<zone>` | `until` + 1 h |
 * | decision | `DECISION#<yyyy-mm-dd>` (UTC day of `at`) | `<time-ordered id>` | 30 d |
 * | event | `EVENT#<id>` | `EVENT` | event ttl |
 * | config document | `CONFIG` | `<NodePool|NodeClass>#<name>` | never |
 * | last good SSM document | `CONFIG_LASTGOOD` | `<parameter name>` | never |
 *
 * A claim item is kept under 1 KB once launched, so each of its updates costs one write unit and a listing reads
 * three or more claims per read unit (`claim-item.ts`): a launched claim drops its launch options and the labels
 * its own fields imply, pod keys are one prefix-shared string, and a Terminated claim is a tombstone of about
 * 350 bytes (id, pool, instance, timeline, batch, disruption reason) until gc deletes it.
 *
 * The `CLAIM`/`ICE`/`CONFIG` partitions are small (hundreds of items, a few writes a second), far below one
 * partition's throughput. Decisions are the only high-volume items and are spread by day.
 *
 * TTL is garbage collection only; no read relies on it (dynalite never expires items, and AWS may lag ~48 h):
 * every read of an item with a time limit filters by that time.
 */

/** Partition key attribute name. */
export const PARTITION_KEY = "pk";
/** Sort key attribute name. */
export const SORT_KEY = "sk";
/** TTL attribute name (epoch seconds). */
export const TTL_ATTRIBUTE = "ttl";
/** Attribute carrying the highest fencing token that wrote an item. */
export const FENCE_ATTRIBUTE = "fence";

/** Partition of node claims. */
export const CLAIM_PARTITION = "CLAIM";
/** Partition of leases. */
export const LEASE_PARTITION = "LEASE";
/** Partition of unavailable offerings. */
export const ICE_PARTITION = "ICE";
/** Partition of config documents. */
export const CONFIG_PARTITION = "CONFIG";
/** Partition of last good SSM config documents. */
export const CONFIG_LASTGOOD_PARTITION = "CONFIG_LASTGOOD";
/** Sort key of event items. */
export const EVENT_SORT_KEY = "EVENT";

/** The global secondary index that finds a claim by its EC2 instance (keys only). */
export const INSTANCE_INDEX = "byInstance";
/** Partition key of {@link INSTANCE_INDEX}: the claim's own `instanceId` attribute (items without it are not indexed). */
export const INSTANCE_INDEX_KEY = "instanceId";

/** Attributes the store adds to items; stripped when items are returned. */
export const BOOKKEEPING_ATTRIBUTES = [PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE, FENCE_ATTRIBUTE] as const;

/** Key of an item. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** Key of a node claim. */
export function claimKey(id: string): ItemKey {
  return { pk: CLAIM_PARTITION, sk: id };
}

/** Key of a lease. */
export function leaseKey(name: string): ItemKey {
  return { pk: LEASE_PARTITION, sk: name };
}

/** Key of an unavailable offering. */
export function iceKey(capacityType: string, instanceType: string, zone: string): ItemKey {
  return { pk: ICE_PARTITION, sk: `${capacityType}#${instanceType}#${zone}` };
}

/** UTC day (`yyyy-mm-dd`) of an epoch-ms time. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Partition of the decisions of one UTC day. */
export function decisionPartition(ms: number): string {
  return `DECISION#${utcDay(ms)}`;
}

/** Key of an event de-duplication record. */
export function eventKey(id: string): ItemKey {
  return { pk: `EVENT#${id}`, sk: EVENT_SORT_KEY };
}

/** Key of a config document. */
export function configKey(kind: string, name: string): ItemKey {
  return { pk: CONFIG_PARTITION, sk: `${kind}#${name}` };
}

/** Key of the last good text of an SSM config parameter. */
export function lastGoodConfigKey(parameterName: string): ItemKey {
  return { pk: CONFIG_LASTGOOD_PARTITION, sk: parameterName };
}

/** Epoch seconds for a `ttl` attribute. */
export function ttlSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
