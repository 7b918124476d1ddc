/**
 * Kubernetes semantics re-implemented for the independent placement checker (placement-checker.ts): pod requests,
 * node selection, label selectors, tolerations, host ports, which pods are pending. Written from the Kubernetes
 * documentation and source behaviour, deliberately sharing no code with the packer.
 */
import type { Container, LabelSelector, Pod, PodSpec, Taint, Toleration } from "../../lib/core/kube-objects.js";
import { parseResourceList, type Resources } from "../../lib/core/quantity.js";

export function name(p: Pod): string {
  return `${p.metadata.namespace ?? "default"}/${p.metadata.name ?? ""}`;
}

export function ns(p: Pod): string {
  return p.metadata.namespace ?? "default";
}

function containerReq(c: Container): Resources {
  const r = parseResourceList(c.resources?.requests);
  const l = parseResourceList(c.resources?.limits);
  for (const k of Object.keys(l)) if (!(k in r)) r[k] = l[k];
  return r;
}

/** kube's PodRequests (max of init containers vs containers + sidecars, + overhead), plus one pod slot. */
export function requestsOf(spec: PodSpec): Resources {
  const sum: Resources = {};
  const add = (into: Resources, r: Resources) => {
    for (const [k, v] of Object.entries(r)) into[k] = (into[k] ?? 0) + v;
  };
  for (const c of spec.containers ?? []) add(sum, containerReq(c));
  const sidecars: Resources = {};
  let initPeak: Resources = {};
  for (const c of spec.initContainers ?? []) {
    const r = containerReq(c);
    let candidate: Resources;
    if (c.restartPolicy === "Always") {
      add(sum, r);
      add(sidecars, r);
      candidate = { ...sidecars };
    } else {
      candidate = { ...r };
      add(candidate, sidecars);
    }
    const peak: Resources = { ...initPeak };
    for (const [k, v] of Object.entries(candidate)) peak[k] = Math.max(peak[k] ?? 0, v);
    initPeak = peak;
  }
  for (const [k, v] of Object.entries(initPeak)) sum[k] = Math.max(sum[k] ?? 0, v);
  add(sum, parseResourceList(spec.overhead));
  sum.pods = 1;
  return sum;
}

export function exprMatches(
  labels: Record<string, string>,
  e: { key: string; operator: string; values?: string[] },
): boolean {
  const v = labels[e.key];
  const vals = e.values ?? [];
  switch (e.operator) {
    case "In":
      return v !== undefined && vals.includes(v);
    case "NotIn":
      return v === undefined || !vals.includes(v);
    case "Exists":
      return v !== undefined;
    case "DoesNotExist":
      return v === undefined;
    case "Gt":
    case "Lt":
    case "Gte":
    case "Lte": {
      if (v === undefined || !/^-?\d+$/.test(v)) return false;
      const n = Number(v);
      const bound = Number(vals[0]);
      if (e.operator === "Gt") return n > bound;
      if (e.operator === "Lt") return n < bound;
      if (e.operator === "Gte") return n >= bound;
      return n <= bound;
    }
    default:
      return false;
  }
}

/** nodeSelector AND (any required node-affinity term). */
export function nodeSelectionMatches(spec: PodSpec, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => (t.matchExpressions ?? []).every((e) => exprMatches(labels, e)));
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (sel.matchExpressions ?? []).every((e) => exprMatches(labels, e));
}

export function tolerated(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if ((t.operator ?? "Equal") === "Exists") return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

export function hardTaintsTolerated(
  tolerations: readonly Toleration[] | undefined,
  taints: readonly Taint[],
): Taint | undefined {
  return taints.find((t) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerated(tolerations, t));
}

export function hostPorts(spec: PodSpec): string[] {
  const out: string[] = [];
  const cs = [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always")];
  for (const c of cs) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push(`${p.protocol ?? "TCP"}/${p.hostPort}/${p.hostIP || "0.0.0.0"}`);
    }
  }
  return out;
}

export function portsConflict(a: string, b: string): boolean {
  const [pa, na, ia] = a.split("/");
  const [pb, nb, ib] = b.split("/");
  return pa === pb && na === nb && (ia === ib || ia === "0.0.0.0" || ib === "0.0.0.0");
}

export function isPending(p: Pod): boolean {
  if (p.spec.nodeName || p.status?.nominatedNodeName || p.metadata.deletionTimestamp) return false;
  if (p.status?.phase === "Succeeded" || p.status?.phase === "Failed") return false;
  return !(p.metadata.ownerReferences ?? []).some((o) => o.kind === "DaemonSet" || o.kind === "Node");
}

export function isRunning(p: Pod): boolean {
  return p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";
}
