/**
 * Turns Nodes and in-flight node claims into the packer's `ExistingNode`s, so provisioning and disruption simulate
 * against the same picture: registered nodes with their bound pods (plus pods nominated to them), in-flight claims
 * with the capacity of the instance type they launched (or the smallest of their options) and their nominated pods.
 * Pure.
 */
import type { Node, Pod, Taint } from "../core/kube-objects.js";
import { objectKey } from "../core/kube-objects.js";
import { parseResourceList, type Resources } from "../core/quantity.js";
import {
  LABEL_CAPACITY_RESERVATION_ID,
  LABEL_CAPACITY_RESERVATION_TYPE,
  LABEL_CAPACITY_TYPE,
  LABEL_HOSTNAME,
  LABEL_INSTANCE_TYPE,
  LABEL_NODEPOOL,
  LABEL_PROVISIONER_NAME,
  LABEL_ZONE,
  TAINT_UNREGISTERED,
} from "../core/well-known.js";
import type { ExistingNode, InstanceType } from "../scheduling/types.js";
import type { NodeClaim } from "../state/types.js";
import { type ClusterView, isDisrupting, isInFlight, isNodeUnschedulable, ViewIndex } from "./cluster-view.js";
import { heldPods, holdsNominations } from "./nominations.js";

/** Taints ignored on managed nodes that are not initialized yet (Karpenter `pkg/scheduling/taints.go`). */
const EPHEMERAL_TAINT_KEYS = new Set([
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
  "node.cloudprovider.kubernetes.io/uninitialized",
  TAINT_UNREGISTERED,
]);

function isEphemeralTaint(t: Taint): boolean {
  return EPHEMERAL_TAINT_KEYS.has(t.key) || t.key.startsWith("readiness.k8s.io/");
}

/** Element-wise minimum over the options' allocatable (what any of them would at least offer). */
export function minAllocatable(types: InstanceType[]): Resources {
  if (types.length === 0) return {};
  const out: Resources = { ...types[0].allocatable };
  for (const t of types.slice(1)) {
    for (const k of Object.keys(out)) out[k] = Math.min(out[k], t.allocatable[k] ?? 0);
  }
  return out;
}

/** Element-wise maximum over the options' capacity (pool limits count an in-flight node pessimistically). */
function maxCapacity(types: InstanceType[]): Resources {
  const out: Resources = {};
  for (const t of types) for (const [k, v] of Object.entries(t.capacity)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

/** The instance types a claim may run on, resolved against the pool's catalog (launched type if known). */
export function claimInstanceTypes(claim: NodeClaim, catalog: InstanceType[]): InstanceType[] {
  const byName = new Map(catalog.map((t) => [t.name, t]));
  if (claim.instanceType) {
    const t = byName.get(claim.instanceType);
    if (t) return [t];
  }
  return claim.instanceTypeOptions.map((n) => byName.get(n)).filter((t): t is InstanceType => t !== undefined);
}

/** The labels every one of `types` carries with the same value. */
function commonLabels(types: InstanceType[]): Record<string, string> {
  const [first, ...rest] = types;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first.labels).filter(([k, v]) => rest.every((t) => t.labels[k] === v)));
}

/**
 * An in-flight claim's labels: its own; with its launched type's, or while it is not launched yet, the labels all
 * its options share (a claim's stored labels leave the instance type's own to the catalog).
 */
function claimLabels(claim: NodeClaim, types: InstanceType[]): Record<string, string> {
  if (!claim.instanceType || types.length !== 1) return { ...commonLabels(types), ...claim.labels };
  const labels: Record<string, string> = { ...claim.labels, ...types[0].labels };
  labels[LABEL_INSTANCE_TYPE] = claim.instanceType;
  if (claim.zone) labels[LABEL_ZONE] = claim.zone;
  if (claim.capacityType) applyLaunchedCapacityLabels(labels, claim);
  return labels;
}

/**
 * Sets the capacity-type label and the capacity reservation labels to what the claim's instance runs on (a launch
 * planned on a reservation may have fallen back to spot or on-demand, and the other way round).
 */
export function applyLaunchedCapacityLabels(labels: Record<string, string>, claim: NodeClaim): void {
  if (!claim.capacityType) return;
  labels[LABEL_CAPACITY_TYPE] = claim.capacityType;
  delete labels[LABEL_CAPACITY_RESERVATION_ID];
  delete labels[LABEL_CAPACITY_RESERVATION_TYPE];
  if (claim.capacityType !== "reserved") return;
  if (claim.capacityReservationId) labels[LABEL_CAPACITY_RESERVATION_ID] = claim.capacityReservationId;
  if (claim.capacityReservationType) labels[LABEL_CAPACITY_RESERVATION_TYPE] = claim.capacityReservationType;
}

function dedupe(pods: Pod[]): Pod[] {
  const seen = new Set<string>();
  return pods.filter((p) => {
    const k = objectKey(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A node's bound pods deduplicated, per bound-pod list (simulations rebuild every node from one index many times). */
const dedupedBound = new WeakMap<readonly Pod[], Pod[]>();

/** A node's pods for the packer: its bound pods, then the pods nominated to it, each once. Never change the result. */
function nodePods(bound: Pod[], nominated: Pod[]): Pod[] {
  if (nominated.length > 0) return dedupe([...bound, ...nominated]);
  let pods = dedupedBound.get(bound);
  if (!pods) {
    pods = dedupe(bound);
    dedupedBound.set(bound, pods);
  }
  return pods;
}

function isEmpty(r: Resources): boolean {
  return Object.keys(r).length === 0;
}

/** The pool a Node belongs to: its claim's, else Karpenter's pool label (v1, then v1alpha5). */
function nodePoolOf(node: Node, claim: NodeClaim | undefined): string | undefined {
  const labels = node.metadata.labels ?? {};
  return claim?.pool ?? labels[LABEL_NODEPOOL] ?? labels[LABEL_PROVISIONER_NAME];
}

/** A Node's parsed status capacity and allocatable, per Node object (simulations re-read one listing). */
const statusByNode = new WeakMap<Node, { capacity: Resources; allocatable: Resources }>();

function parsedStatus(node: Node): { capacity: Resources; allocatable: Resources } {
  let parsed = statusByNode.get(node);
  if (!parsed) {
    parsed = {
      capacity: parseResourceList(node.status?.capacity),
      allocatable: parseResourceList(node.status?.allocatable),
    };
    statusByNode.set(node, parsed);
  }
  return parsed;
}

/** The last `ExistingNode` made of a Node without nominated pods, with what it was made of. */
interface MadeExisting {
  bound: Pod[];
  claim: NodeClaim | undefined;
  catalog: InstanceType[];
  existing: ExistingNode;
}

/** Per Node object: simulations of one plan make the same Node into the same `ExistingNode` many times. */
const existingByNode = new WeakMap<Node, MadeExisting>();

function freezeExisting(e: ExistingNode): ExistingNode {
  // Its taints may be the Node's own array, which stays the caller's.
  for (const part of [e.labels, e.allocatable, e.capacity, e.pods]) Object.freeze(part);
  return Object.freeze(e);
}

/**
 * A registered Node as an `ExistingNode` (frozen: it may be handed out again). Allocatable comes from the Node's
 * status, else from its claim's instance types, else from the Node's capacity; the hostname label is always set.
 */
export function nodeToExisting(
  node: Node,
  bound: Pod[],
  claim: NodeClaim | undefined,
  nominated: Pod[],
  catalog: InstanceType[],
): ExistingNode {
  if (nominated.length > 0) return freezeExisting(makeExisting(node, bound, claim, nominated, catalog));
  const made = existingByNode.get(node);
  if (made && made.bound === bound && made.claim === claim && made.catalog === catalog) return made.existing;
  const existing = freezeExisting(makeExisting(node, bound, claim, nominated, catalog));
  existingByNode.set(node, { bound, claim, catalog, existing });
  return existing;
}

function makeExisting(
  node: Node,
  bound: Pod[],
  claim: NodeClaim | undefined,
  nominated: Pod[],
  catalog: InstanceType[],
): ExistingNode {
  const name = node.metadata.name ?? "";
  const parsed = parsedStatus(node);
  const statusCapacity = { ...parsed.capacity };
  let allocatable = { ...parsed.allocatable };
  if (isEmpty(allocatable) && claim) allocatable = minAllocatable(claimInstanceTypes(claim, catalog));
  if (isEmpty(allocatable)) allocatable = statusCapacity;
  let capacity = statusCapacity;
  if (isEmpty(capacity)) capacity = claim ? maxCapacity(claimInstanceTypes(claim, catalog)) : allocatable;
  let taints = node.spec?.taints ?? [];
  if (claim && claim.state !== "Initialized" && claim.state !== "Draining") {
    const startup = new Set(claim.startupTaints.map((t) => t.key));
    taints = taints.filter((t) => !startup.has(t.key) && !isEphemeralTaint(t));
  }
  return {
    name,
    labels: { [LABEL_HOSTNAME]: name, ...(node.metadata.labels ?? {}) },
    taints,
    allocatable,
    capacity,
    pods: nodePods(bound, nominated),
    unschedulable: isNodeUnschedulable(node) || (claim !== undefined && isDisrupting(claim)),
    nodePool: nodePoolOf(node, claim),
    pricePerHour: claim?.pricePerHour,
  };
}

/** An in-flight claim (no Node yet) as an `ExistingNode{inFlight}` holding its nominated pods. */
export function claimToInFlight(claim: NodeClaim, catalog: InstanceType[], nominated: Pod[]): ExistingNode {
  const types = claimInstanceTypes(claim, catalog);
  const name = claim.nodeName ?? claim.id;
  return {
    name,
    labels: { [LABEL_HOSTNAME]: name, ...claimLabels(claim, types) },
    taints: claim.taints.map((t) => ({ ...t })),
    allocatable: minAllocatable(types),
    capacity: maxCapacity(types),
    pods: nominated,
    inFlight: true,
    nodePool: claim.pool,
    pricePerHour: claim.pricePerHour,
  };
}

/** Options for {@link buildExistingNodes}. */
export interface ExistingNodeOptions {
  /** Node names (and claim ids) to leave out, e.g. disruption candidates. @default none */
  exclude?: Set<string>;
  /** Leave out claims that are not initialized yet (validation wants only usable capacity). @default false */
  initializedOnly?: boolean;
}

/**
 * All existing and in-flight capacity as the packer sees it. Pods nominated to a claim (its `pods` that are still
 * pending or sit on a node being disrupted) are placed on that claim's node while they hold a place there
 * (nominations.ts), so they are not planned twice.
 */
export function buildExistingNodes(index: ViewIndex, opts: ExistingNodeOptions = {}): ExistingNode[] {
  const exclude = opts.exclude ?? new Set<string>();
  const out: ExistingNode[] = [];
  const seenClaims = new Set<string>();
  for (const node of index.view.nodes) {
    const name = node.metadata.name ?? "";
    if (exclude.has(name)) continue;
    const claim = index.claimByNode.get(name);
    if (claim) {
      seenClaims.add(claim.id);
      if (exclude.has(claim.id)) continue;
      if (opts.initializedOnly && isInFlight(claim)) continue;
    }
    const catalog = claim ? (index.view.instanceTypes.get(claim.pool) ?? []) : [];
    const nominated = claim && holdsNominations(claim, index.view.now) ? heldPods(index, claim) : [];
    out.push(nodeToExisting(node, index.podsOn(name), claim, nominated, catalog));
  }
  if (opts.initializedOnly) return out;
  for (const claim of index.view.claims) {
    if (seenClaims.has(claim.id) || exclude.has(claim.id) || !isInFlight(claim)) continue;
    if (claim.nodeName && exclude.has(claim.nodeName)) continue;
    const catalog = index.view.instanceTypes.get(claim.pool) ?? [];
    out.push(claimToInFlight(claim, catalog, heldPods(index, claim)));
  }
  return out;
}

/**
 * The existing nodes of a cluster read without node claims (what `stevedore plan` reads from files or a
 * kubeconfig), by the same rules as {@link buildExistingNodes}: it is that function over a view with no claims.
 */
export function buildUnclaimedExistingNodes(nodes: Node[], pods: Pod[]): ExistingNode[] {
  const view: ClusterView = {
    now: 0,
    pools: [],
    nodeClasses: [],
    instanceTypes: new Map(),
    claims: [],
    nodes,
    pods,
    daemonSets: [],
    pdbs: [],
  };
  return buildExistingNodes(new ViewIndex(view));
}

/**
 * Keys (`namespace/name`) of pods that hold a place on a claim (in flight, or initialized within the nomination
 * window) and still fit there: the provisioner must not plan them again. A nominated pod that lost its place is
 * left out, so the next solve plans it again.
 */
export function nominatedPodKeys(index: ViewIndex): Set<string> {
  const keys = new Set<string>();
  for (const claim of index.view.claims) {
    if (!holdsNominations(claim, index.view.now)) continue;
    for (const p of heldPods(index, claim)) keys.add(objectKey(p));
  }
  return keys;
}
