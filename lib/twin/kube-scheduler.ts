/**
 * The twin's kube-scheduler: one scheduling pass over pending pods against the current nodes, using the twin's own
 * filter plugins (`scheduler-predicates.ts`) and the default LeastAllocated score. Pure: the twin applies the
 * returned bindings and conditions through the fake kube-apiserver. Spread and inter-pod terms are answered from
 * per-pass domain counts (`scheduler-topology.ts`), and a pod identical to one that already fit nowhere in this pass
 * is answered at once (while nothing was placed since, or for good when its filters only tighten as pods are placed).
 * Nominations are honoured as the real scheduler's nominator does (`scheduler-nominations.ts`): a pod nominated to a
 * node is tried there first, and the pods nominated to a node hold their resources against pods of no higher
 * priority. A pod bound elsewhere, or nominated to a node that is gone, has its nomination cleared.
 */
import type { Node, Pod } from "../core/kube-objects.js";
import { NominatedResources, nominatedNode } from "./scheduler-nominations.js";
import {
  hostPortsOf,
  nodeAffinityAllows,
  nodeAllocatable,
  podRequestsOf,
  requiredTerms,
  taintsAllow,
} from "./scheduler-predicates.js";
import { interPodAllows, type NodeState, spreadAllows, spreadMinimum, TopologyIndex } from "./scheduler-topology.js";

/** A pod bound to a node in this pass. */
export interface Binding {
  pod: Pod;
  nodeName: string;
  /** The pod was nominated to another node: its `status.nominatedNodeName` is cleared. */
  clearNomination?: boolean;
}

/** A pod that fits nowhere, with the scheduler's message. */
export interface Unschedulable {
  pod: Pod;
  message: string;
  /** The pod was nominated to a node that is gone: its `status.nominatedNodeName` is cleared. */
  clearNomination?: boolean;
}

/** Result of a pass: bindings, and pods that fit nowhere with the scheduler's message. */
export interface SchedulingPass {
  bindings: Binding[];
  unschedulable: Unschedulable[];
}

/** Per-object facts that never change for a stored (frozen) object: computed once per object. */
const requestsCache = new WeakMap<Pod, Map<string, number>>();
const portsCache = new WeakMap<Pod, string[]>();
const allocatableCache = new WeakMap<Node, Map<string, number>>();
const signatureCache = new WeakMap<Pod, string>();

function memo<K extends object, V>(cache: WeakMap<K, V>, key: K, compute: (key: K) => V): V {
  if (!Object.isFrozen(key)) return compute(key);
  let v = cache.get(key);
  if (v === undefined) cache.set(key, (v = compute(key)));
  return v;
}

function requests(pod: Pod): Map<string, number> {
  return memo(requestsCache, pod, podRequestsOf);
}

function ports(pod: Pod): string[] {
  return memo(portsCache, pod, hostPortsOf);
}

/** What the filters read of a pod: pods with equal signatures pass and fail the same filters. */
function signature(pod: Pod): string {
  return memo(signatureCache, pod, (p) =>
    JSON.stringify([p.metadata.namespace ?? "default", p.metadata.labels ?? {}, { ...p.spec, nodeName: undefined }]),
  );
}

/**
 * Whether a pod that fits nowhere keeps fitting nowhere as the pass places more pods: true unless a spread
 * constraint or a required affinity term could be satisfied by a later placement. Such a pod's failure still holds
 * for identical pods until the pass places one.
 */
function failureIsFinal(pod: Pod): boolean {
  if ((pod.spec.topologySpreadConstraints ?? []).some((c) => c.whenUnsatisfiable === "DoNotSchedule")) return false;
  return requiredTerms(pod).affinity.length === 0;
}

function isReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function occupies(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

/** Pending: no node yet, not finished, not being deleted. */
function awaitsScheduling(pod: Pod): boolean {
  return !pod.spec.nodeName && occupies(pod) && !pod.metadata.deletionTimestamp;
}

function buildStates(nodes: readonly Node[], pods: readonly Pod[]): Map<string, NodeState> {
  const states = new Map<string, NodeState>();
  for (const node of nodes) {
    const alloc = memo(allocatableCache, node, nodeAllocatable);
    states.set(node.metadata.name ?? "", {
      node,
      name: node.metadata.name ?? "",
      labels: node.metadata.labels ?? {},
      free: new Map(alloc),
      allocatable: alloc,
      pods: [],
      ports: new Set(),
      ready: isReady(node),
    });
  }
  for (const pod of pods) {
    if (!pod.spec.nodeName || !occupies(pod)) continue;
    const st = states.get(pod.spec.nodeName);
    if (st) place(st, pod);
  }
  return states;
}

function place(st: NodeState, pod: Pod): void {
  for (const [k, v] of requests(pod)) st.free.set(k, (st.free.get(k) ?? 0) - v);
  for (const p of ports(pod)) st.ports.add(p);
  st.pods.push(pod);
}

/** Whether `req` fits in what is free on the node, less what nominated pods hold there (`held`). */
function fitsResources(st: NodeState, req: Map<string, number>, held: Map<string, number> | undefined): boolean {
  for (const [k, v] of req) if (v > 0 && v > (st.free.get(k) ?? 0) - (held?.get(k) ?? 0)) return false;
  return true;
}

function leastAllocatedScore(st: NodeState, req: Map<string, number>): number {
  let score = 0;
  for (const r of ["cpu", "memory"]) {
    const cap = st.allocatable.get(r) ?? 0;
    if (cap <= 0) continue;
    score += ((st.free.get(r) ?? 0) - (req.get(r) ?? 0)) / cap;
  }
  return score;
}

/** What the filters ask of one pod, resolved once per pod. */
interface PodFilters {
  pod: Pod;
  req: Map<string, number>;
  ports: string[];
  spread: ReturnType<TopologyIndex["spreadOf"]>;
  minimums: number[];
  affinity: ReturnType<TopologyIndex["affinityOf"]>;
}

function podFilters(pod: Pod, index: TopologyIndex): PodFilters {
  const spread = index.spreadOf(pod);
  return {
    pod,
    req: requests(pod),
    ports: ports(pod),
    spread,
    minimums: spread.map(spreadMinimum),
    affinity: index.affinityOf(pod),
  };
}

/** Whether the node passes every filter for the pod, with what nominated pods hold there taken. */
function passes(f: PodFilters, st: NodeState, index: TopologyIndex, nominations: NominatedResources): boolean {
  if (!fitsResources(st, f.req, nominations.heldAgainst(f.pod, st.name))) return false;
  if (!taintsAllow(f.pod, st.node)) return false;
  if (!nodeAffinityAllows(f.pod, st.node)) return false;
  if (f.ports.some((p) => st.ports.has(p))) return false;
  if (!spreadAllows(f.spread, f.minimums, st)) return false;
  return interPodAllows(f.pod, f.affinity, index, st);
}

/**
 * The node for `pod`: its nominated node when that is Ready and passes every filter, else the Ready node with the
 * best LeastAllocated score that passes every filter, if any.
 */
function bestNode(
  pod: Pod,
  ready: NodeState[],
  index: TopologyIndex,
  nominations: NominatedResources,
  states: Map<string, NodeState>,
): NodeState | undefined {
  const f = podFilters(pod, index);
  const nominated = states.get(nominatedNode(pod) ?? "");
  if (nominated?.ready && passes(f, nominated, index, nominations)) return nominated;
  let best: NodeState | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const st of ready) {
    if (st === nominated || !passes(f, st, index, nominations)) continue;
    const score = leastAllocatedScore(st, f.req);
    if (score > bestScore) {
      best = st;
      bestScore = score;
    }
  }
  return best;
}

/** A pod's creation time (ms), per stored object; 0 when unknown (such pods keep their listed order). */
const createdCache = new WeakMap<Pod, number>();

function createdAt(pod: Pod): number {
  return memo(createdCache, pod, (p) => {
    const c = p.metadata.creationTimestamp;
    const ms = c === undefined ? Number.NaN : c instanceof Date ? c.getTime() : Date.parse(String(c));
    return Number.isNaN(ms) ? 0 : ms;
  });
}

/**
 * The pods awaiting scheduling, oldest first: kube-scheduler's queue is first in, first out within a priority, while
 * the store lists pods by namespace and name (a stable sort keeps the listed order among pods created together).
 */
function schedulingQueue(pods: readonly Pod[]): Pod[] {
  return pods.filter(awaitsScheduling).sort((a, b) => createdAt(a) - createdAt(b));
}

/**
 * Schedules pending pods (no nodeName, not terminal) in creation order. Only Ready nodes are considered; a pod
 * nominated to a node is tried there first, and nominated pods hold their resources on their nodes.
 */
export function schedulePass(nodes: readonly Node[], pods: readonly Pod[]): SchedulingPass {
  if (!pods.some(awaitsScheduling)) return { bindings: [], unschedulable: [] };
  const states = buildStates(nodes, pods);
  const all = [...states.values()];
  const ready = all.filter((s) => s.ready);
  const index = new TopologyIndex(all);
  const queue = schedulingQueue(pods);
  const nominations = new NominatedResources(queue, new Set(states.keys()), requests);
  const out: SchedulingPass = { bindings: [], unschedulable: [] };
  const message = `0/${nodes.length} nodes are available for this pod`;
  // Signatures of pods that fit nowhere: for good, and until the next placement. A nominated pod neither reads nor
  // feeds them: its own nomination makes it unlike its twins.
  let fitsNowhere = new Set<string>();
  let fitsNowhereUntilPlacement = new Set<string>();
  for (const pod of queue) {
    const nominated = nominatedNode(pod);
    const sig = nominated ? undefined : signature(pod);
    if (sig !== undefined && (fitsNowhere.has(sig) || fitsNowhereUntilPlacement.has(sig))) {
      out.unschedulable.push({ pod, message });
      continue;
    }
    const best = bestNode(pod, ready, index, nominations, states);
    if (best) {
      place(best, pod);
      index.placed(best, pod);
      const movedAway = nominated !== undefined && nominated !== best.name;
      out.bindings.push(movedAway ? { pod, nodeName: best.name, clearNomination: true } : { pod, nodeName: best.name });
      // A nominee bound elsewhere frees what it held on its node: even final failures may fit now.
      if (nominations.release(pod) && movedAway) fitsNowhere = new Set();
      if (fitsNowhereUntilPlacement.size > 0) fitsNowhereUntilPlacement = new Set();
    } else {
      if (sig !== undefined) (failureIsFinal(pod) ? fitsNowhere : fitsNowhereUntilPlacement).add(sig);
      const gone = nominated !== undefined && !states.has(nominated);
      out.unschedulable.push(gone ? { pod, message, clearNomination: true } : { pod, message });
    }
  }
  return out;
}
