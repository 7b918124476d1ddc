/**
 * Finding the claim of an EC2 instance without listing every claim: the state table's `byInstance` index (partition
 * key `instanceId`, keys only) holds one entry per item that has an `instanceId` attribute — node claims once
 * launched — so a lookup is one index query and one strongly consistent read of the claim it points to, whatever the
 * cluster's size. The interruption function does one per instance its messages name: a scale-down of a thousand
 * nodes sends two state changes per instance, and a listing per message batch used to read every claim each time.
 *
 * The index is eventually consistent (DynamoDB offers nothing else on a global secondary index), so a claim that got
 * its instance a moment ago may not be found yet; the claim read that follows is strongly consistent, and a claim
 * whose `instanceId` no longer matches, or that is Terminated, is not returned. A table created before the index
 * existed (an older `stevedore config --create-table`) has no such index: the lookup says so and the caller lists.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { CLAIM_PARTITION, INSTANCE_INDEX, INSTANCE_INDEX_KEY, PARTITION_KEY, SORT_KEY } from "./keys.js";
import type { TableAccess } from "./table-access.js";
import type { NodeClaim } from "./types.js";

/** What a lookup found: claims by instance id (absent: none, or not Stevedore's), or that the table has no index. */
export type InstanceLookup = { indexed: true; claims: Map<string, NodeClaim> } | { indexed: false };

/** True for DynamoDB's answer to a query on an index the table does not have (or is still building). */
function isMissingIndex(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  if (!(cause instanceof Error) || cause.name !== "ValidationException") return false;
  return /index/i.test(cause.message);
}

/** The claim ids the index holds for `instanceId`. */
async function indexedClaimIds(table: TableAccess, instanceId: string): Promise<string[] | undefined> {
  try {
    const out = await table.send("Query(claim by instance)", (d) =>
      d.send(
        new QueryCommand({
          TableName: table.tableName,
          IndexName: INSTANCE_INDEX,
          KeyConditionExpression: "#instance = :instance",
          ExpressionAttributeNames: { "#instance": INSTANCE_INDEX_KEY },
          ExpressionAttributeValues: { ":instance": instanceId },
        }),
      ),
    );
    return (out.Items ?? []).filter((it) => it[PARTITION_KEY] === CLAIM_PARTITION).map((it) => String(it[SORT_KEY]));
  } catch (err) {
    if (isMissingIndex(err)) return undefined;
    throw err;
  }
}

/**
 * The live claims of `instanceIds` (not Terminated), through the `byInstance` index; `getClaim` reads a claim
 * strongly consistently (hiding expired ones). `{ indexed: false }` when the table has no such index.
 */
export async function claimsByInstance(
  table: TableAccess,
  instanceIds: readonly string[],
  getClaim: (id: string) => Promise<NodeClaim | undefined>,
): Promise<InstanceLookup> {
  const claims = new Map<string, NodeClaim>();
  for (const instanceId of new Set(instanceIds)) {
    const ids = await indexedClaimIds(table, instanceId);
    if (ids === undefined) return { indexed: false };
    for (const id of ids) {
      const claim = await getClaim(id);
      if (claim && claim.instanceId === instanceId && claim.state !== "Terminated") claims.set(instanceId, claim);
    }
  }
  return { indexed: true, claims };
}
