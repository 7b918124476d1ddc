/**
 * The twin kube-scheduler as it was before its indexes, kept as the naive reference that the indexed one must agree
 * with: one scheduling pass over pending pods against the current nodes, using the twin's own
 * filter plugins (`scheduler-predicates.ts`) and the default LeastAllocated score. Pure: the twin applies the
 * returned bindings and conditions through the fake kube-apiserver.
 */
import type { Node, Pod } from "../../lib/core/kube-objects.js";
import {
  hostPortsOf,
  nodeAffinityAllows,
  nodeAllocatable,
  podRequestsOf,
  requiredTerms,
  selectorMatches,
  taintsAllow,
  termSelects,
} from "../../lib/twin/scheduler-predicates.js";

/** A pod bound to a node in this pass. */
interface Binding {
  pod: Pod;
  nodeName: string;
}

/** Result of a pass: bindings, and pods that fit nowhere with the scheduler's message. */
interface SchedulingPass {
  bindings: Binding[];
  unschedulable: { pod: Pod; message: string }[];
}

interface NodeState {
  node: Node;
  name: string;
  labels: Record<string, string>;
  free: Map<string, number>;
  allocatable: Map<string, number>;
  pods: Pod[];
  ports: Set<string>;
  ready: boolean;
}

function isReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function occupies(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

function buildStates(nodes: Node[], pods: Pod[]): Map<string, NodeState> {
  const states = new Map<string, NodeState>();
  for (const node of nodes) {
    const alloc = nodeAllocatable(node);
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
  for (const [k, v] of podRequestsOf(pod)) st.free.set(k, (st.free.get(k) ?? 0) - v);
  for (const p of hostPortsOf(pod)) st.ports.add(p);
  st.pods.push(pod);
}

function fitsResources(st: NodeState, req: Map<string, number>): boolean {
  for (const [k, v] of req) if (v > 0 && v > (st.free.get(k) ?? 0)) return false;
  return true;
}

function spreadAllows(pod: Pod, st: NodeState, all: NodeState[]): boolean {
  for (const c of pod.spec.topologySpreadConstraints ?? []) {
    if (c.whenUnsatisfiable !== "DoNotSchedule") continue;
    const key = c.topologyKey;
    if (!(key in st.labels)) return false;
    const counts = new Map<string, number>();
    for (const other of all) {
      // nodeAffinityPolicy Honor (default): only nodes the pod could land on define domains.
      if (c.nodeAffinityPolicy !== "Ignore" && !nodeAffinityAllows(pod, other.node)) continue;
      if (c.nodeTaintsPolicy === "Honor" && !taintsAllow(pod, other.node)) continue;
      const domain = other.labels[key];
      if (domain === undefined) continue;
      let n = counts.get(domain) ?? 0;
      for (const p of other.pods) {
        if ((p.metadata.namespace ?? "default") !== (pod.metadata.namespace ?? "default")) continue;
        if (selectorMatches(c.labelSelector, p.metadata.labels ?? {})) n++;
      }
      counts.set(domain, n);
    }
    const domain = st.labels[key];
    let min = Number.POSITIVE_INFINITY;
    for (const v of counts.values()) min = Math.min(min, v);
    if (c.minDomains && counts.size < c.minDomains) min = 0;
    if (!Number.isFinite(min)) min = 0;
    const selfMatch = selectorMatches(c.labelSelector, pod.metadata.labels ?? {}) ? 1 : 0;
    if ((counts.get(domain) ?? 0) + selfMatch - min > c.maxSkew) return false;
  }
  return true;
}

function interPodAllows(pod: Pod, st: NodeState, all: NodeState[]): boolean {
  const { affinity, anti } = requiredTerms(pod);
  const inDomain = (key: string, other: NodeState) =>
    st.labels[key] !== undefined && other.labels[key] === st.labels[key];
  for (const term of anti) {
    for (const other of all) {
      if (!inDomain(term.topologyKey, other)) continue;
      if (other.pods.some((p) => termSelects(pod, term, p))) return false;
    }
  }
  for (const term of affinity) {
    let anyMatchAnywhere = false;
    let matchInDomain = false;
    for (const other of all) {
      for (const p of other.pods) {
        if (!termSelects(pod, term, p)) continue;
        anyMatchAnywhere = true;
        if (inDomain(term.topologyKey, other)) matchInDomain = true;
      }
    }
    // A pod whose affinity selects itself may start a group when no matching pod exists anywhere.
    if (!matchInDomain && !(anyMatchAnywhere === false && termSelects(pod, term, pod))) return false;
  }
  // Existing pods' required anti-affinity against the incoming pod.
  for (const other of all) {
    for (const p of other.pods) {
      for (const term of requiredTerms(p).anti) {
        const d = other.labels[term.topologyKey];
        if (d !== undefined && st.labels[term.topologyKey] === d && termSelects(p, term, pod)) return false;
      }
    }
  }
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

/**
 * Schedules pending pods (no nodeName, not terminal) in creation order. Only Ready nodes are considered.
 */
export function referenceSchedulePass(nodes: Node[], pods: Pod[]): SchedulingPass {
  const states = buildStates(nodes, pods);
  const all = [...states.values()];
  const ready = all.filter((s) => s.ready);
  const pending = pods.filter((p) => !p.spec.nodeName && occupies(p) && !p.metadata.deletionTimestamp);
  const out: SchedulingPass = { bindings: [], unschedulable: [] };
  for (const pod of pending) {
    const req = podRequestsOf(pod);
    const ports = hostPortsOf(pod);
    let best: NodeState | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const st of ready) {
      if (!taintsAllow(pod, st.node)) continue;
      if (!nodeAffinityAllows(pod, st.node)) continue;
      if (!fitsResources(st, req)) continue;
      if (ports.some((p) => st.ports.has(p))) continue;
      if (!spreadAllows(pod, st, all)) continue;
      if (!interPodAllows(pod, st, all)) continue;
      const score = leastAllocatedScore(st, req);
      if (score > bestScore) {
        best = st;
        bestScore = score;
      }
    }
    if (best) {
      place(best, pod);
      out.bindings.push({ pod, nodeName: best.name });
    } else {
      out.unschedulable.push({ pod, message: `0/${nodes.length} nodes are available for this pod` });
    }
  }
  return out;
}
