/**
 * The stored form of a node claim, kept small because DynamoDB bills a write unit per started KB of the larger of
 * the old and the new item, and a listing a read unit per started 4 KB of every claim it reads:
 *
 * - Every state: the instance type's own `karpenter.k8s.aws/instance-*` labels are left to the catalog (the launch
 *   leaves them out of the user data, registration and the in-flight view take them from the catalog).
 * - Pending: every other field (crash recovery retries the launch from its options).
 * - Launched and later: the launch options (`instanceTypeOptions`, `capacityTypes`, `zones`) are dropped, as are the
 *   labels the claim's own fields imply — instance type, zone, capacity type and reservation, their beta aliases,
 *   the claim label, the lifecycle labels every pool's nodes carry (`karpenter.sh/registered`/`initialized`) — and
 *   the providerID when it is EC2's `aws:///<zone>/<instance id>`. The implied values come back when the item is
 *   read.
 * - Terminated: a tombstone with only what gc, recovery, de-duplication, explanations and status read
 *   ({@link TOMBSTONE_FIELDS}).
 * - Pod keys are one string (`pod-key-list.ts`); a Pending claim's options are one deflated binary attribute
 *   (`option-list.ts`), so a Pending claim of 60 options and dozens of pods stays under 1 KB.
 *
 * Items read back always satisfy `NodeClaim`: dropped list and map fields read as empty. Items written before this
 * form (full labels and options, pods as a list) read as they were.
 */
import {
  LABEL_ALIASES,
  LABEL_CAPACITY_RESERVATION_ID,
  LABEL_CAPACITY_RESERVATION_TYPE,
  LABEL_CAPACITY_TYPE,
  LABEL_INITIALIZED,
  LABEL_INSTANCE_TYPE,
  LABEL_REGISTERED,
  LABEL_STEVEDORE_CLAIM,
  LABEL_ZONE,
} from "../core/well-known.js";
import { decodeOptionNames, encodeOptionNames } from "./option-list.js";
import { decodePodKeys, encodePodKeys } from "./pod-key-list.js";
import type { Item } from "./table-access.js";
import type { ClaimState, NodeClaim } from "./types.js";

/** What a Launched claim no longer needs: the options its launch chose from. */
export const LAUNCH_OPTION_FIELDS: readonly (keyof NodeClaim)[] = ["instanceTypeOptions", "capacityTypes", "zones"];

/** The fields a Terminated claim keeps. */
export const TOMBSTONE_FIELDS: ReadonlySet<keyof NodeClaim> = new Set<keyof NodeClaim>([
  "id",
  "pool",
  "state",
  "version",
  "createdAt",
  "updatedAt",
  "instanceId",
  "providerID",
  "nodeName",
  "instanceType",
  "zone",
  "capacityType",
  "pricePerHour",
  "launchedAt",
  "disruptedAt",
  "drainStartedAt",
  "terminatedAt",
  "batchId",
  "disruptionReason",
  "replacementClaimId",
  "lastError",
]);

/** Labels of an instance type's own, which a claim leaves to the catalog. */
const INSTANCE_LABEL_PREFIX = "karpenter.k8s.aws/instance-";

/** Whether a claim in `state` stores `field`. */
export function storesField(state: ClaimState, field: keyof NodeClaim): boolean {
  if (state === "Terminated") return TOMBSTONE_FIELDS.has(field);
  if (state === "Pending") return true;
  return !LAUNCH_OPTION_FIELDS.includes(field);
}

/** The fields a claim in `state` does not store. */
export function droppedFields(state: ClaimState): (keyof NodeClaim)[] {
  return ALL_FIELDS.filter((f) => !storesField(state, f));
}

/** The stored value of one field of `claim` (the claim as it is after the write). */
export function encodeClaimField(claim: NodeClaim, field: keyof NodeClaim, value: unknown): unknown {
  if (field === "pods") return encodePodKeys(value as string[]);
  if (field === "instanceTypeOptions") return encodeOptionNames(value as string[]);
  if (field === "labels") return storedLabels(claim, value as Record<string, string>);
  if (field === "providerID" && value === awsProviderID(claim)) return undefined;
  return value;
}

/** The stored attributes of a claim (key and bookkeeping attributes not included). */
export function claimAttributes(claim: NodeClaim): Item {
  const out: Item = {};
  for (const [field, value] of Object.entries(claim) as [keyof NodeClaim, unknown][]) {
    if (value === undefined || !storesField(claim.state, field)) continue;
    const encoded = encodeClaimField(claim, field, value);
    if (encoded !== undefined) out[field] = encoded;
  }
  return out;
}

/** A claim from its stored attributes (bookkeeping already stripped), in any form ever written. */
export function claimFromAttributes(attrs: Item): NodeClaim {
  const claim = {
    ...attrs,
    instanceTypeOptions: decodeOptionNames(attrs.instanceTypeOptions),
    capacityTypes: attrs.capacityTypes ?? [],
    zones: attrs.zones ?? [],
    labels: attrs.labels ?? {},
    taints: attrs.taints ?? [],
    startupTaints: attrs.startupTaints ?? [],
    pods: decodePodKeys(attrs.pods),
    poolHash: attrs.poolHash ?? "",
    classHash: attrs.classHash ?? "",
  } as NodeClaim;
  if (attrs.labels !== undefined) claim.labels = impliedLabels(claim, claim.labels);
  if (claim.providerID === undefined && claim.state !== "Pending") claim.providerID = awsProviderID(claim);
  return claim;
}

/** The providerID of an EC2 instance (`aws:///<zone>/<instance id>`), which a claim stores only if it differs. */
function awsProviderID(claim: NodeClaim): string | undefined {
  return claim.instanceId && claim.zone ? `aws:///${claim.zone}/${claim.instanceId}` : undefined;
}

/** The labels a launched claim's own fields imply, keyed by label. */
function launchedLabels(claim: NodeClaim): Record<string, string> {
  const out: Record<string, string> = {
    [LABEL_STEVEDORE_CLAIM]: claim.id,
    [LABEL_REGISTERED]: "true",
    [LABEL_INITIALIZED]: "true",
  };
  if (claim.instanceType) out[LABEL_INSTANCE_TYPE] = claim.instanceType;
  if (claim.zone) out[LABEL_ZONE] = claim.zone;
  if (claim.capacityType) out[LABEL_CAPACITY_TYPE] = claim.capacityType;
  if (claim.capacityReservationId) out[LABEL_CAPACITY_RESERVATION_ID] = claim.capacityReservationId;
  if (claim.capacityReservationType) out[LABEL_CAPACITY_RESERVATION_TYPE] = claim.capacityReservationType;
  return out;
}

function isLaunched(claim: NodeClaim): boolean {
  return claim.state !== "Pending" && claim.instanceType !== undefined;
}

/**
 * The labels to store: without the instance type's own (the catalog has them), and for a launched claim without
 * the ones it implies.
 */
function storedLabels(claim: NodeClaim, labels: Record<string, string>): Record<string, string> {
  const implied = isLaunched(claim) ? launchedLabels(claim) : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith(INSTANCE_LABEL_PREFIX) || implied[k] === v) continue;
    const target = LABEL_ALIASES[k];
    if (target !== undefined && (implied[target] ?? labels[target]) === v) continue;
    out[k] = v;
  }
  return out;
}

/** A launched claim's stored labels with the implied ones, and the aliases of those present, put back. */
function impliedLabels(claim: NodeClaim, stored: Record<string, string>): Record<string, string> {
  if (!isLaunched(claim)) return stored;
  const labels: Record<string, string> = { ...stored };
  for (const [k, v] of Object.entries(launchedLabels(claim))) labels[k] ??= v;
  for (const [alias, target] of Object.entries(LABEL_ALIASES)) {
    if (labels[target] !== undefined) labels[alias] ??= labels[target];
  }
  return labels;
}

/** Every field of `NodeClaim` (kept in step with the type by the `satisfies` below). */
const FIELD_RECORD = {
  id: 1,
  pool: 1,
  state: 1,
  version: 1,
  createdAt: 1,
  updatedAt: 1,
  instanceTypeOptions: 1,
  capacityTypes: 1,
  zones: 1,
  labels: 1,
  taints: 1,
  startupTaints: 1,
  annotations: 1,
  minValuesRelaxed: 1,
  pods: 1,
  poolHash: 1,
  classHash: 1,
  instanceId: 1,
  providerID: 1,
  nodeName: 1,
  instanceType: 1,
  zone: 1,
  capacityType: 1,
  capacityReservationId: 1,
  capacityReservationType: 1,
  pricePerHour: 1,
  launchedAt: 1,
  registeredAt: 1,
  initializedAt: 1,
  emptySince: 1,
  lastPodEventAt: 1,
  podSetDigest: 1,
  podSetAt: 1,
  expiresAt: 1,
  drainStartedAt: 1,
  drainDeadline: 1,
  disruptionReason: 1,
  replacementClaimId: 1,
  replacementClaimIds: 1,
  disruptedAt: 1,
  terminatedAt: 1,
  batchId: 1,
  lastError: 1,
  efa: 1,
} satisfies Record<keyof NodeClaim, 1>;

const ALL_FIELDS = Object.keys(FIELD_RECORD) as (keyof NodeClaim)[];
