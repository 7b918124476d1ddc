/**
 * The twin's kube-scheduler filter plugins, written from the Kubernetes scheduler's semantics independently of the
 * packer (`lib/scheduling`), so the simulated scheduler can disagree with the packer and expose its bugs.
 * Covered: NodeUnschedulable, NodeResourcesFit, NodeAffinity (nodeSelector + required terms), TaintToleration,
 * NodePorts, PodTopologySpread (DoNotSchedule), InterPodAffinity (required affinity / anti-affinity, both ways).
 */
import type { LabelSelector, Node, Pod, PodAffinityTerm, Taint, Toleration } from "../core/kube-objects.js";
import { parseQuantityBase } from "../core/quantity.js";

/** Requests of a pod in base units (cpu cores ×1000 = millicores, memory bytes, counts). */
export function podRequestsOf(pod: Pod): Map<string, number> {
  const unit = (resource: string, q: string | number) => {
    const v = parseQuantityBase(q);
    return resource === "cpu" ? Math.round(v * 1000) : v;
  };
  const sum = new Map<string, number>();
  for (const c of pod.spec.containers ?? []) {
    for (const [k, q] of Object.entries(c.resources?.requests ?? {})) sum.set(k, (sum.get(k) ?? 0) + unit(k, q));
  }
  let sidecars = new Map<string, number>();
  for (const c of pod.spec.initContainers ?? []) {
    const req = new Map<string, number>();
    for (const [k, q] of Object.entries(c.resources?.requests ?? {})) req.set(k, unit(k, q));
    if (c.restartPolicy === "Always") {
      for (const [k, v] of req) {
        sum.set(k, (sum.get(k) ?? 0) + v);
        sidecars.set(k, (sidecars.get(k) ?? 0) + v);
      }
    } else {
      for (const [k, v] of req) {
        const withSidecars = v + (sidecars.get(k) ?? 0);
        if (withSidecars > (sum.get(k) ?? 0)) sum.set(k, withSidecars);
      }
    }
  }
  sidecars = new Map();
  for (const [k, q] of Object.entries(pod.spec.overhead ?? {})) sum.set(k, (sum.get(k) ?? 0) + unit(k, q));
  sum.set("pods", (sum.get("pods") ?? 0) + 1);
  return sum;
}

/** Allocatable of a node in the same units. */
export function nodeAllocatable(node: Node): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, q] of Object.entries(node.status?.allocatable ?? node.status?.capacity ?? {})) {
    const v = parseQuantityBase(q);
    out.set(k, k === "cpu" ? Math.round(v * 1000) : v);
  }
  return out;
}

/** Label selector match (matchLabels AND matchExpressions). An empty selector matches everything. */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const val = labels[e.key];
    const vals = e.values ?? [];
    if (e.operator === "In" && !(has && vals.includes(val))) return false;
    if (e.operator === "NotIn" && has && vals.includes(val)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

/** A node selector expression against labels (In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte, Lte). */
export function nodeExpressionMatches(
  e: { key: string; operator: string; values?: string[] },
  labels: Record<string, string>,
) {
  const has = Object.hasOwn(labels, e.key);
  const val = labels[e.key];
  const vals = e.values ?? [];
  switch (e.operator) {
    case "In":
      return has && vals.includes(val);
    case "NotIn":
      return !has || !vals.includes(val);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
      return has && Number.parseInt(val, 10) > Number.parseInt(vals[0], 10);
    case "Lt":
      return has && Number.parseInt(val, 10) < Number.parseInt(vals[0], 10);
    case "Gte":
      return has && Number.parseInt(val, 10) >= Number.parseInt(vals[0], 10);
    case "Lte":
      return has && Number.parseInt(val, 10) <= Number.parseInt(vals[0], 10);
    default:
      return false;
  }
}

/** NodeAffinity filter: nodeSelector AND (any required term). */
export function nodeAffinityAllows(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => (t.matchExpressions ?? []).every((e) => nodeExpressionMatches(e, labels)));
}

/** Whether one toleration tolerates one taint. */
export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.operator === "Exists") return !tol.key || tol.key === taint.key;
  return tol.key === taint.key && (tol.value ?? "") === (taint.value ?? "");
}

/** TaintToleration filter (NoSchedule and NoExecute must be tolerated), plus NodeUnschedulable. */
export function taintsAllow(pod: Pod, node: Node): boolean {
  const tols = pod.spec.tolerations ?? [];
  if (node.spec?.unschedulable) {
    const cordon = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };
    if (!tols.some((t) => tolerates(t, cordon))) return false;
  }
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === "PreferNoSchedule") continue;
    if (!tols.some((t) => tolerates(t, taint))) return false;
  }
  return true;
}

/** Host ports a pod uses, as `protocol/port` strings. */
export function hostPortsOf(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${p.protocol ?? "TCP"}/${p.hostPort}`);
  }
  return out;
}

/** The namespaces an affinity term selects pods in (undefined: any namespace). */
export function termNamespaces(owner: Pod, term: PodAffinityTerm): string[] | undefined {
  if (term.namespaceSelector) return undefined; // any namespace matching a selector: the twin has no namespace labels
  return term.namespaces && term.namespaces.length > 0 ? term.namespaces : [owner.metadata.namespace ?? "default"];
}

/** Whether `other` is selected by `owner`'s affinity term. */
export function termSelects(owner: Pod, term: PodAffinityTerm, other: Pod): boolean {
  const ns = termNamespaces(owner, term);
  if (ns && !ns.includes(other.metadata.namespace ?? "default")) return false;
  return selectorMatches(term.labelSelector, other.metadata.labels ?? {});
}

/** Required pod affinity / anti-affinity terms of a pod. */
export function requiredTerms(pod: Pod): { affinity: PodAffinityTerm[]; anti: PodAffinityTerm[] } {
  return {
    affinity: pod.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
    anti: pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
  };
}
