/**
 * Turns Nodes and in-flight node claims into the packer's `ExistingNode`s, so provisioning and disruption simulate
 * against the same picture: registered nodes with their bound pods (plus pods nominated to them), in-flight claims
 * with the capacity of the instance type they launched (or the smallest of their options) and their nominated pods.
 * Pure.
 */
import type { Node, Pod, Taint } from "../core/kube-objects.js";
import { objectKey } from "../core/kube-objects.js";
import { parseResourceList, type Resources } from "../core/quantity.js";
import { TAINT_UNREGISTERED } from "../core/well-known.js";
import type { ExistingNode, InstanceType } from "../scheduling/types.js";
import type { NodeClaim } from "../state/types.js";
import { isDisrupting, isInFlight, isNodeUnschedulable, type ViewIndex } from "./cluster-view.js";

const LABEL_HOSTNAME = "kubernetes.io/hostname";
const LABEL_ZONE = "topology.kubernetes.io/zone";
const LABEL_CAPACITY_TYPE = "karpenter.sh/capacity-type";
const LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type";

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

function claimLabels(claim: NodeClaim, types: InstanceType[]): Record<string, string> {
  const labels: Record<string, string> = { ...claim.labels };
  if (claim.instanceType && types.length === 1) {
    Object.assign(labels, types[0].labels, { [LABEL_INSTANCE_TYPE]: claim.instanceType });
    if (claim.zone) labels[LABEL_ZONE] = claim.zone;
    if (claim.capacityType) labels[LABEL_CAPACITY_TYPE] = claim.capacityType;
  }
  return labels;
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

/** A registered Node as an `ExistingNode`. */
export function nodeToExisting(
  node: Node,
  bound: Pod[],
  claim: NodeClaim | undefined,
  nominated: Pod[],
  catalog: InstanceType[],
): ExistingNode {
  const name = node.metadata.name ?? "";
  let allocatable = parseResourceList(node.status?.allocatable);
  let capacity = parseResourceList(node.status?.capacity);
  if (Object.keys(allocatable).length === 0 && claim) allocatable = minAllocatable(claimInstanceTypes(claim, catalog));
  if (Object.keys(capacity).length === 0)
    capacity = claim ? maxCapacity(claimInstanceTypes(claim, catalog)) : allocatable;
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
    pods: dedupe([...bound, ...nominated]),
    unschedulable: isNodeUnschedulable(node) || (claim !== undefined && isDisrupting(claim)),
    nodePool: claim?.pool,
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
 * pending or sit on a node being disrupted) are placed on that claim's node so they are not planned twice.
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
    const nominated = claim && isInFlight(claim) ? index.nominatedPods(claim) : [];
    out.push(nodeToExisting(node, index.podsOn(name), claim, nominated, catalog));
  }
  if (opts.initializedOnly) return out;
  for (const claim of index.view.claims) {
    if (seenClaims.has(claim.id) || exclude.has(claim.id) || !isInFlight(claim)) continue;
    if (claim.nodeName && exclude.has(claim.nodeName)) continue;
    const catalog = index.view.instanceTypes.get(claim.pool) ?? [];
    out.push(claimToInFlight(claim, catalog, index.nominatedPods(claim)));
  }
  return out;
}

/** Keys (`namespace/name`) of pods nominated to in-flight claims: the provisioner must not plan them again. */
export function nominatedPodKeys(index: ViewIndex): Set<string> {
  const keys = new Set<string>();
  for (const claim of index.view.claims) {
    if (!isInFlight(claim)) continue;
    for (const p of index.nominatedPods(claim)) keys.add(objectKey(p));
  }
  return keys;
}
