/**
 * Per pool, for `stevedore status`: its nodes (from the claims, and from the cluster when it was read), its claims by
 * state, what its limits allow and how much of them the live claims use, and what it costs per hour.
 */
import type { NodePool } from "../api/model.js";
import type { Node } from "../core/kube-objects.js";
import { formatResource, isByteResource, parseResource, parseResourceList, type Resources } from "../core/quantity.js";
import { LABEL_NODEPOOL, LABEL_PROVISIONER_NAME } from "../core/well-known.js";
import type { ClaimState, NodeClaim } from "../state/types.js";
import { isNodeReady } from "../view/cluster-view.js";

/** Claim states in lifecycle order. */
export const CLAIM_STATES: readonly ClaimState[] = [
  "Pending",
  "Launched",
  "Registered",
  "Initialized",
  "Draining",
  "Terminated",
];

/** States whose instance exists (or is being created). */
const RUNNING_STATES: ReadonlySet<ClaimState> = new Set(["Launched", "Registered", "Initialized", "Draining"]);

/** One limit of a pool and what the live claims use of it. */
export interface LimitUse {
  resource: string;
  /** Formatted, e.g. `12` CPU or `48Gi`. */
  used: string;
  limit: string;
  usedValue: number;
  limitValue: number;
  /** Claims whose capacity is not known (no instance type in the catalog, no Node): the use is a lower bound. */
  unknownClaims: number;
}

/** Nodes of the pool in the cluster (only when the cluster was read). */
export interface ClusterNodeCount {
  total: number;
  ready: number;
}

/** A pool's status. */
export interface PoolStatus {
  name: string;
  /** False for a pool that only claims still name (deleted from the config). */
  configured: boolean;
  /** Claims whose instance runs or is being created (Launched, Registered, Initialized, Draining). */
  nodes: number;
  clusterNodes?: ClusterNodeCount;
  /** Claim count per state (only states with claims). */
  claims: Partial<Record<ClaimState, number>>;
  limits: LimitUse[];
  /** Sum of the live claims' prices. */
  pricePerHour: number;
}

/** What {@link poolStatuses} reads. */
export interface PoolStatusInput {
  pools: readonly NodePool[];
  /** Terminated claims included (they are counted, never used). */
  claims: readonly NodeClaim[];
  /** Nodes of the cluster, when it was read. @default unset */
  nodes?: readonly Node[];
  /** Capacity of an instance type, for claims whose Node is not known. */
  capacityOf: (instanceType: string) => Resources | undefined;
}

function poolOfNode(node: Node): string | undefined {
  const labels = node.metadata.labels ?? {};
  return labels[LABEL_NODEPOOL] ?? labels[LABEL_PROVISIONER_NAME];
}

/** The capacity a live claim counts against its pool's limits: its Node's, else its instance type's. */
function claimCapacity(claim: NodeClaim, nodesByName: Map<string, Node>, input: PoolStatusInput) {
  const node = claim.nodeName ? nodesByName.get(claim.nodeName) : undefined;
  if (node?.status?.capacity) return parseResourceList(node.status.capacity);
  const type = claim.instanceType ?? claim.instanceTypeOptions[0];
  return type === undefined ? undefined : input.capacityOf(type);
}

const GI = 1024 ** 3;

/** A quantity for people: bytes of a gibibyte or more as `37.5Gi`, anything else as Kubernetes writes it. */
export function readableAmount(resource: string, value: number): string {
  if (!isByteResource(resource) || value < GI || value % GI === 0) return formatResource(resource, value);
  return `${(value / GI).toFixed(1)}Gi`;
}

function limitUses(pool: NodePool, live: NodeClaim[], nodesByName: Map<string, Node>, input: PoolStatusInput) {
  const out: LimitUse[] = [];
  for (const [resource, text] of Object.entries(pool.limits)) {
    const limitValue = resource === "nodes" ? Number(text) : parseResource(resource, text);
    let usedValue = 0;
    let unknownClaims = 0;
    for (const claim of live) {
      if (resource === "nodes") {
        usedValue++;
        continue;
      }
      const capacity = claimCapacity(claim, nodesByName, input);
      if (capacity === undefined) unknownClaims++;
      else usedValue += capacity[resource] ?? 0;
    }
    const format = (v: number) => (resource === "nodes" ? String(v) : readableAmount(resource, v));
    out.push({ resource, used: format(usedValue), limit: format(limitValue), usedValue, limitValue, unknownClaims });
  }
  return out;
}

function statusOf(name: string, pool: NodePool | undefined, claims: NodeClaim[], input: PoolStatusInput): PoolStatus {
  const nodesByName = new Map((input.nodes ?? []).map((n) => [n.metadata.name ?? "", n]));
  const counts: Partial<Record<ClaimState, number>> = {};
  for (const c of claims) counts[c.state] = (counts[c.state] ?? 0) + 1;
  const live = claims.filter((c) => c.state !== "Terminated");
  const status: PoolStatus = {
    name,
    configured: pool !== undefined,
    nodes: claims.filter((c) => RUNNING_STATES.has(c.state)).length,
    claims: Object.fromEntries(CLAIM_STATES.filter((s) => counts[s]).map((s) => [s, counts[s]])),
    limits: pool ? limitUses(pool, live, nodesByName, input) : [],
    pricePerHour: live.reduce((sum, c) => sum + (c.pricePerHour ?? 0), 0),
  };
  if (input.nodes) {
    const mine = input.nodes.filter((n) => poolOfNode(n) === name);
    status.clusterNodes = { total: mine.length, ready: mine.filter(isNodeReady).length };
  }
  return status;
}

/** The status of every configured pool (weight order, then name), then of pools only claims still name. */
export function poolStatuses(input: PoolStatusInput): PoolStatus[] {
  const pools = [...input.pools].sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name));
  const names = pools.map((p) => p.name);
  const orphans = [...new Set(input.claims.map((c) => c.pool))].filter((n) => !names.includes(n)).sort();
  return [...names, ...orphans].map((name) =>
    statusOf(
      name,
      pools.find((p) => p.name === name),
      input.claims.filter((c) => c.pool === name),
      input,
    ),
  );
}
