/**
 * An independent checker for solver results, written from the Kubernetes semantics (kube-scheduler's filters, the
 * DaemonSet controller, Karpenter's NodePool contract) and deliberately sharing no predicate code with the packer:
 * only the object shapes and quantity parsing are imported.
 *
 * It verifies, for every placement of a {@link SolveResult}:
 * - accounting: every pending pod is placed once or reported unschedulable with a reason; nothing else is placed;
 * - resources: on every instance-type option of a new node, allocatable minus the DaemonSets that would run there
 *   holds the pods; on existing nodes, free allocatable (after running pods and missing DaemonSet pods) holds them;
 * - node selection: nodeSelector and required node affinity match the node's labels (every option's labels);
 * - taints: NoSchedule/NoExecute taints of the node are tolerated;
 * - host ports: no conflicts, DaemonSet pods included;
 * - pools: every option is one of the pool's types, satisfies the pool's requirements and carries its labels; the
 *   offering is available, allowed, the cheapest among the options; pool limits hold even for the largest option;
 * - topology over the final cluster (existing + new nodes): required anti-affinity both ways; DoNotSchedule spread
 *   of every planned pod within maxSkew as if it were bound last; required pod affinity satisfiable in some
 *   binding order (kube-scheduler's self-affinity bootstrap included).
 */
import type {
  Container,
  LabelSelector,
  Node,
  Pod,
  PodAffinityTerm,
  PodSpec,
  Taint,
  Toleration,
} from "../../lib/scheduling/objects.js";
import { parseResourceList, type Resources } from "../../lib/scheduling/quantity.js";
import type { ExistingNode, InstanceType, NewNode, SolveInput, SolveResult } from "../../lib/scheduling/types.js";

/** One broken rule. */
export interface Violation {
  rule: string;
  node?: string;
  pod?: string;
  message: string;
}

const HOSTNAME = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";
const CAPACITY_TYPE = "karpenter.sh/capacity-type";
const INSTANCE_TYPE = "node.kubernetes.io/instance-type";
const ARCH = "kubernetes.io/arch";
const OS = "kubernetes.io/os";
const BETA: Record<string, string> = {
  "failure-domain.beta.kubernetes.io/zone": ZONE,
  "failure-domain.beta.kubernetes.io/region": "topology.kubernetes.io/region",
  "beta.kubernetes.io/arch": ARCH,
  "beta.kubernetes.io/os": OS,
  "beta.kubernetes.io/instance-type": INSTANCE_TYPE,
};

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes primitives, re-implemented.

function name(p: Pod): string {
  return `${p.metadata.namespace ?? "default"}/${p.metadata.name ?? ""}`;
}

function ns(p: Pod): string {
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

function exprMatches(labels: Record<string, string>, e: { key: string; operator: string; values?: string[] }): boolean {
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

function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (sel.matchExpressions ?? []).every((e) => exprMatches(labels, e));
}

function tolerated(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if ((t.operator ?? "Equal") === "Exists") return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

function hardTaintsTolerated(
  tolerations: readonly Toleration[] | undefined,
  taints: readonly Taint[],
): Taint | undefined {
  return taints.find((t) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerated(tolerations, t));
}

function hostPorts(spec: PodSpec): string[] {
  const out: string[] = [];
  const cs = [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always")];
  for (const c of cs) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push(`${p.protocol ?? "TCP"}/${p.hostPort}/${p.hostIP || "0.0.0.0"}`);
    }
  }
  return out;
}

function portsConflict(a: string, b: string): boolean {
  const [pa, na, ia] = a.split("/");
  const [pb, nb, ib] = b.split("/");
  return pa === pb && na === nb && (ia === ib || ia === "0.0.0.0" || ib === "0.0.0.0");
}

function isPending(p: Pod): boolean {
  if (p.spec.nodeName || p.status?.nominatedNodeName || p.metadata.deletionTimestamp) return false;
  if (p.status?.phase === "Succeeded" || p.status?.phase === "Failed") return false;
  return !(p.metadata.ownerReferences ?? []).some((o) => o.kind === "DaemonSet" || o.kind === "Node");
}

function isRunning(p: Pod): boolean {
  return p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";
}

// ---------------------------------------------------------------------------------------------------------------
// The final cluster.

interface FinalNode {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
  /** Pods already there. */
  running: Pod[];
  /** Pods the plan puts there. */
  planned: Pod[];
  isNew: boolean;
}

function labelsForOption(node: NewNode, option: InstanceType): Record<string, string> {
  const labels: Record<string, string> = { ...node.labels };
  for (const k of Object.keys(node.instanceType.labels)) delete labels[k];
  Object.assign(labels, option.labels);
  labels[INSTANCE_TYPE] = option.labels[INSTANCE_TYPE] ?? option.name;
  labels[ARCH] = option.labels[ARCH] ?? option.arch;
  labels[OS] = option.labels[OS] ?? option.os;
  for (const [alias, key] of Object.entries(BETA)) if (labels[key] !== undefined) labels[alias] = labels[key];
  return labels;
}

function daemonRunsOn(spec: PodSpec, labels: Record<string, string>, taints: readonly Taint[]): boolean {
  return hardTaintsTolerated(spec.tolerations, taints) === undefined && nodeSelectionMatches(spec, labels);
}

function fits(free: Resources, need: Resources): string | undefined {
  for (const [k, v] of Object.entries(need)) if (v > 0 && v > (free[k] ?? 0) + 1e-6) return k;
  return undefined;
}

/** Checks a result; returns every violation found (empty = valid). */
export function checkPlacement(input: SolveInput, result: SolveResult): Violation[] {
  const out: Violation[] = [];
  const v = (rule: string, message: string, extra: { node?: string; pod?: string } = {}) =>
    out.push({ rule, message, ...extra });
  const maxTypes = input.maxInstanceTypes ?? 60;

  // Accounting.
  const pending = input.pods.filter(isPending);
  const pendingSet = new Set(pending);
  const seen = new Map<Pod, string>();
  const note = (p: Pod, where: string) => {
    if (!pendingSet.has(p))
      v("accounting", `pod ${name(p)} is not pending but was placed on ${where}`, { pod: name(p) });
    const prev = seen.get(p);
    if (prev) v("accounting", `pod ${name(p)} appears twice (${prev}, ${where})`, { pod: name(p) });
    seen.set(p, where);
  };
  for (const n of result.newNodes) for (const p of n.pods) note(p, n.name);
  for (const [nodeName, pods] of result.existingAssignments) for (const p of pods) note(p, nodeName);
  for (const u of result.unschedulable) {
    note(u.pod, "unschedulable");
    if (!u.reason || u.reason.trim() === "") v("accounting", `pod ${name(u.pod)} is unschedulable without reason`);
  }
  for (const p of pending) if (!seen.has(p)) v("accounting", `pending pod ${name(p)} is missing from the result`);

  // Final cluster.
  const existingByName = new Map(input.existingNodes.map((n) => [n.name, n]));
  const boundBy = new Map<string, Pod[]>();
  const listedKeys = new Set<string>();
  for (const n of input.existingNodes) for (const p of n.pods) listedKeys.add(p.metadata.uid ?? name(p));
  for (const p of input.pods) {
    if (!p.spec.nodeName || !isRunning(p) || listedKeys.has(p.metadata.uid ?? name(p))) continue;
    boundBy.set(p.spec.nodeName, [...(boundBy.get(p.spec.nodeName) ?? []), p]);
  }
  const nodes: FinalNode[] = [];
  for (const n of input.existingNodes) {
    nodes.push({
      name: n.name,
      labels: n.labels,
      taints: n.taints,
      running: [...n.pods.filter(isRunning), ...(boundBy.get(n.name) ?? [])],
      planned: result.existingAssignments.get(n.name) ?? [],
      isNew: false,
    });
  }
  for (const n of (input.nodes ?? []) as Node[]) {
    const nm = n.metadata.name ?? "";
    if (existingByName.has(nm)) continue;
    nodes.push({
      name: nm,
      labels: n.metadata.labels ?? {},
      taints: n.spec?.taints ?? [],
      running: boundBy.get(nm) ?? [],
      planned: [],
      isNew: false,
    });
  }
  for (const n of result.newNodes) {
    nodes.push({ name: n.name, labels: n.labels, taints: n.taints, running: [], planned: n.pods, isNew: true });
  }
  for (const [nodeName] of result.existingAssignments) {
    if (!existingByName.has(nodeName)) v("existing", `assignment to unknown node ${nodeName}`, { node: nodeName });
  }

  checkNewNodes(input, result, maxTypes, v);
  checkExistingNodes(input, result, v);
  checkPoolLimits(input, result, v);
  namespaceLabels = input.namespaceLabels;
  checkTopology(nodes, v);
  const cost = result.newNodes.reduce((s, n) => s + n.offering.price, 0);
  if (Math.abs(cost - result.costPerHour) > 1e-6)
    v("cost", `costPerHour ${result.costPerHour} != sum of offerings ${cost}`);
  return out;
}

type Report = (rule: string, message: string, extra?: { node?: string; pod?: string }) => void;

function checkNewNodes(input: SolveInput, result: SolveResult, maxTypes: number, v: Report): void {
  const names = new Set<string>();
  for (const n of result.newNodes) {
    if (names.has(n.name)) v("names", `duplicate node name ${n.name}`, { node: n.name });
    names.add(n.name);
    const pi = input.pools.find((p) => p.pool.name === n.pool);
    if (!pi) {
      v("pool", `node ${n.name} names unknown pool ${n.pool}`, { node: n.name });
      continue;
    }
    const pool = pi.pool;
    if (n.pods.length === 0) v("empty", `node ${n.name} has no pods`, { node: n.name });
    if (n.instanceTypeOptions.length === 0 || n.instanceTypeOptions.length > maxTypes) {
      v("options", `node ${n.name} has ${n.instanceTypeOptions.length} options (max ${maxTypes})`, { node: n.name });
    }
    if (n.instanceTypeOptions[0]?.name !== n.instanceType.name) {
      v("options", `node ${n.name}: chosen type ${n.instanceType.name} is not the first option`, { node: n.name });
    }
    const poolLabelKey = pool.flavor === "v1alpha5" ? "karpenter.sh/provisioner-name" : "karpenter.sh/nodepool";
    if (n.labels[poolLabelKey] !== pool.name)
      v("labels", `node ${n.name} lacks ${poolLabelKey}=${pool.name}`, { node: n.name });
    for (const [k, val] of Object.entries(pool.labels)) {
      if (n.labels[k] !== val) v("labels", `node ${n.name} lacks pool label ${k}=${val}`, { node: n.name });
    }
    if (n.labels[ZONE] !== n.offering.zone || n.labels[CAPACITY_TYPE] !== n.offering.capacityType) {
      v("labels", `node ${n.name}: zone/capacity-type labels differ from the offering`, { node: n.name });
    }
    if (
      !n.instanceType.offerings.some(
        (o) =>
          o === n.offering ||
          (o.zone === n.offering.zone &&
            o.capacityType === n.offering.capacityType &&
            o.price === n.offering.price &&
            o.available),
      )
    ) {
      v("offering", `node ${n.name}: offering is not an available offering of ${n.instanceType.name}`, {
        node: n.name,
      });
    }
    if (!n.offering.available) v("offering", `node ${n.name}: offering not available`, { node: n.name });
    const taints = n.taints;
    for (const t of pool.taints) {
      if (!taints.some((x) => x.key === t.key && x.effect === t.effect && (x.value ?? "") === (t.value ?? ""))) {
        v("taints", `node ${n.name} lacks pool taint ${t.key}`, { node: n.name });
      }
    }
    for (const opt of n.instanceTypeOptions) {
      if (!pi.instanceTypes.some((t) => t.name === opt.name)) {
        v("pool", `node ${n.name}: option ${opt.name} is not a type of pool ${pool.name}`, { node: n.name });
        continue;
      }
      const labels = labelsForOption(n, opt);
      // Some allowed, available offering of this option in the node's zones/capacity types.
      const offers = opt.offerings.filter(
        (o) =>
          o.available &&
          n.zones.includes(o.zone) &&
          n.capacityTypes.includes(o.capacityType) &&
          pool.requirements.every((r) =>
            exprMatches({ ...labels, [ZONE]: o.zone, [CAPACITY_TYPE]: o.capacityType }, r),
          ),
      );
      if (offers.length === 0) {
        v("offering", `node ${n.name}: option ${opt.name} has no available offering in its zones/capacity types`, {
          node: n.name,
        });
      } else if (Math.min(...offers.map((o) => o.price)) < n.offering.price - 1e-9) {
        v("offering", `node ${n.name}: option ${opt.name} is cheaper than the chosen offering`, { node: n.name });
      }
      const zoneLabels = { ...labels, [ZONE]: n.offering.zone, [CAPACITY_TYPE]: n.offering.capacityType };
      if (opt === n.instanceType) {
        for (const r of pool.requirements) {
          if (!exprMatches(zoneLabels, r)) {
            v(
              "pool",
              `node ${n.name}: ${opt.name} breaks pool requirement ${r.key} ${r.operator} ${r.values?.join(",")}`,
              { node: n.name },
            );
          }
        }
      }
      // Resources on this option.
      const free: Resources = { ...opt.allocatable };
      const ports: string[] = [];
      for (const ds of input.daemonSets ?? []) {
        const spec = ds.spec.template.spec;
        if (!daemonRunsOn(spec, labels, taints)) continue;
        for (const [k, x] of Object.entries(requestsOf(spec))) free[k] = (free[k] ?? 0) - x;
        ports.push(...hostPorts(spec));
      }
      for (const p of n.pods) {
        for (const [k, x] of Object.entries(requestsOf(p.spec))) free[k] = (free[k] ?? 0) - x;
        if (!nodeSelectionMatches(p.spec, opt === n.instanceType ? n.labels : labels)) {
          v("selection", `pod ${name(p)} does not match node ${n.name} (${opt.name}) labels`, {
            node: n.name,
            pod: name(p),
          });
        }
      }
      const over = Object.entries(free).find(([k, x]) => x < -1e-6 && k !== "ephemeral-storage-unset");
      if (over) {
        v("resources", `node ${n.name} (${opt.name}) over-committed on ${over[0]} by ${-over[1]}`, { node: n.name });
      }
      if (opt === n.instanceType) checkPorts(n.name, n.pods, ports, v);
    }
    for (const p of n.pods) {
      const t = hardTaintsTolerated(p.spec.tolerations, taints);
      if (t)
        v("taints", `pod ${name(p)} does not tolerate ${t.key}:${t.effect} on ${n.name}`, {
          node: n.name,
          pod: name(p),
        });
    }
  }
}

function checkPorts(nodeName: string, pods: readonly Pod[], base: string[], v: Report): void {
  const used = [...base];
  for (const p of pods) {
    for (const port of hostPorts(p.spec)) {
      if (used.some((u) => portsConflict(u, port)))
        v("ports", `host port ${port} conflicts on ${nodeName}`, { node: nodeName, pod: name(p) });
      used.push(port);
    }
  }
}

function checkExistingNodes(input: SolveInput, result: SolveResult, v: Report): void {
  const bound = new Map<string, Pod[]>();
  const listed = new Set<string>();
  for (const n of input.existingNodes) for (const p of n.pods) listed.add(p.metadata.uid ?? name(p));
  for (const p of input.pods) {
    if (!p.spec.nodeName || !isRunning(p) || listed.has(p.metadata.uid ?? name(p))) continue;
    bound.set(p.spec.nodeName, [...(bound.get(p.spec.nodeName) ?? []), p]);
  }
  for (const n of input.existingNodes) {
    const planned = result.existingAssignments.get(n.name) ?? [];
    if (planned.length === 0) continue;
    if (n.unschedulable) v("existing", `pods planned onto unschedulable node ${n.name}`, { node: n.name });
    const running = [...n.pods.filter(isRunning), ...(bound.get(n.name) ?? [])];
    const free: Resources = { ...n.allocatable };
    const ports: string[] = [];
    for (const p of running) {
      for (const [k, x] of Object.entries(requestsOf(p.spec))) free[k] = (free[k] ?? 0) - x;
      ports.push(...hostPorts(p.spec));
    }
    for (const ds of input.daemonSets ?? []) {
      const already = running.some(
        (p) =>
          ns(p) === (ds.metadata.namespace ?? "default") &&
          (p.metadata.ownerReferences ?? []).some((o) => o.kind === "DaemonSet" && o.name === ds.metadata.name),
      );
      if (already || !daemonRunsOn(ds.spec.template.spec, n.labels, n.taints)) continue;
      for (const [k, x] of Object.entries(requestsOf(ds.spec.template.spec))) free[k] = (free[k] ?? 0) - x;
      ports.push(...hostPorts(ds.spec.template.spec));
    }
    const need: Resources = {};
    for (const p of planned) {
      for (const [k, x] of Object.entries(requestsOf(p.spec))) need[k] = (need[k] ?? 0) + x;
      if (!nodeSelectionMatches(p.spec, n.labels))
        v("selection", `pod ${name(p)} does not match node ${n.name}`, { node: n.name, pod: name(p) });
      const t = hardTaintsTolerated(p.spec.tolerations, n.taints);
      if (t) v("taints", `pod ${name(p)} does not tolerate ${t.key} on ${n.name}`, { node: n.name, pod: name(p) });
    }
    const short = fits(free, need);
    if (short) v("resources", `existing node ${n.name} over-committed on ${short}`, { node: n.name });
    checkPorts(n.name, planned, ports, v);
  }
}

function checkPoolLimits(input: SolveInput, result: SolveResult, v: Report): void {
  for (const pi of input.pools) {
    const limits = parseResourceList(
      Object.fromEntries(Object.entries(pi.pool.limits ?? {}).filter(([k]) => k !== "nodes")),
    );
    const nodeLimit = pi.pool.limits?.nodes !== undefined ? Number(pi.pool.limits.nodes) : undefined;
    const existing = input.existingNodes.filter((n: ExistingNode) => n.nodePool === pi.pool.name);
    const fresh = result.newNodes.filter((n) => n.pool === pi.pool.name);
    if (fresh.length === 0) continue; // existing usage over a limit is not the plan's doing
    if (nodeLimit !== undefined && existing.length + fresh.length > nodeLimit) {
      v("limits", `pool ${pi.pool.name}: ${existing.length + fresh.length} nodes > limit ${nodeLimit}`);
    }
    for (const [k, lim] of Object.entries(limits)) {
      let total = 0;
      for (const n of existing) total += (n.capacity ?? n.allocatable)[k] ?? 0;
      for (const n of fresh) total += Math.max(...n.instanceTypeOptions.map((t) => t.capacity[k] ?? 0));
      if (total > lim + 1e-6) v("limits", `pool ${pi.pool.name}: ${k} ${total} > limit ${lim}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Topology over the final cluster.

interface Placed {
  pod: Pod;
  node: FinalNode;
  planned: boolean;
}

function domainOf(node: FinalNode, key: string): string | undefined {
  if (key === HOSTNAME) return node.labels[HOSTNAME] ?? node.name;
  return node.labels[key];
}

/** Namespace labels of the checked input (for namespaceSelector). */
let namespaceLabels: Record<string, Record<string, string>> | undefined;

function termNamespaces(t: PodAffinityTerm, owner: Pod): (n: string) => boolean {
  const listed = t.namespaces ?? [];
  const sel = t.namespaceSelector;
  if (sel) {
    const empty = Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
    if (empty || !namespaceLabels) return () => true;
    const labels = namespaceLabels;
    return (n) => listed.includes(n) || selectorMatches(sel, labels[n] ?? {});
  }
  const list = listed.length > 0 ? listed : [ns(owner)];
  return (n) => list.includes(n);
}

function termSelects(t: PodAffinityTerm, owner: Pod, target: Pod): boolean {
  if (!termNamespaces(t, owner)(ns(target))) return false;
  const extra: Record<string, string> = {};
  for (const k of t.matchLabelKeys ?? []) {
    const val = owner.metadata.labels?.[k];
    if (val !== undefined) extra[k] = val;
  }
  const sel: LabelSelector | undefined = t.labelSelector
    ? { ...t.labelSelector, matchLabels: { ...(t.labelSelector.matchLabels ?? {}), ...extra } }
    : undefined;
  return selectorMatches(sel, target.metadata.labels ?? {});
}

function checkTopology(nodes: FinalNode[], v: Report): void {
  const placed: Placed[] = [];
  for (const n of nodes) {
    for (const p of n.running) placed.push({ pod: p, node: n, planned: false });
    for (const p of n.planned) placed.push({ pod: p, node: n, planned: true });
  }
  // Required anti-affinity, both directions (a pair is reported when at least one side is planned).
  for (const a of placed) {
    for (const t of a.pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const d = domainOf(a.node, t.topologyKey);
      if (d === undefined) continue;
      for (const b of placed) {
        if (b === a || (!a.planned && !b.planned)) continue;
        if (domainOf(b.node, t.topologyKey) !== d) continue;
        if (termSelects(t, a.pod, b.pod)) {
          v(
            "anti-affinity",
            `pod ${name(b.pod)} shares ${t.topologyKey}=${d} with ${name(a.pod)} which has anti-affinity to it`,
            {
              pod: name(a.pod),
              node: a.node.name,
            },
          );
        }
      }
    }
  }
  // Hard topology spread, each planned pod checked as if bound last.
  for (const a of placed) {
    if (!a.planned) continue;
    for (const c of a.pod.spec.topologySpreadConstraints ?? []) {
      if (c.whenUnsatisfiable === "ScheduleAnyway") continue;
      const extra: Record<string, string> = {};
      for (const k of c.matchLabelKeys ?? []) {
        const val = a.pod.metadata.labels?.[k];
        if (val !== undefined) extra[k] = val;
      }
      const sel: LabelSelector | undefined = c.labelSelector
        ? { ...c.labelSelector, matchLabels: { ...(c.labelSelector.matchLabels ?? {}), ...extra } }
        : undefined;
      const eligible = (n: FinalNode) =>
        ((c.nodeAffinityPolicy ?? "Honor") !== "Honor" || nodeSelectionMatches(a.pod.spec, n.labels)) &&
        (c.nodeTaintsPolicy !== "Honor" || hardTaintsTolerated(a.pod.spec.tolerations, n.taints) === undefined);
      const counts = new Map<string, number>();
      for (const n of nodes) {
        if (!eligible(n)) continue;
        const d = domainOf(n, c.topologyKey);
        if (d !== undefined && !counts.has(d)) counts.set(d, 0);
      }
      for (const b of placed) {
        if (b === a || ns(b.pod) !== ns(a.pod) || !eligible(b.node)) continue;
        const d = domainOf(b.node, c.topologyKey);
        if (d === undefined) continue;
        if (selectorMatches(sel, b.pod.metadata.labels ?? {})) counts.set(d, (counts.get(d) ?? 0) + 1);
      }
      const mine = domainOf(a.node, c.topologyKey);
      if (mine === undefined) {
        v("spread", `pod ${name(a.pod)} is on ${a.node.name} which has no ${c.topologyKey} label`, {
          pod: name(a.pod),
        });
        continue;
      }
      let min = Math.min(...counts.values());
      if (c.minDomains !== undefined && counts.size < c.minDomains) min = 0;
      const self = selectorMatches(sel, a.pod.metadata.labels ?? {}) ? 1 : 0;
      const skew = (counts.get(mine) ?? 0) + self - min;
      if (skew > c.maxSkew) {
        v("spread", `pod ${name(a.pod)}: ${c.topologyKey}=${mine} skew ${skew} > maxSkew ${c.maxSkew}`, {
          pod: name(a.pod),
          node: a.node.name,
        });
      }
    }
  }
  checkAffinityOrder(placed, v);
}

/** Pod affinity: is there an order in which kube-scheduler could bind every planned pod? */
function checkAffinityOrder(placed: Placed[], v: Report): void {
  const terms = (p: Pod) => p.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const todo = placed.filter((x) => x.planned && terms(x.pod).length > 0);
  if (todo.length === 0) return;
  const bound = new Set<Placed>(placed.filter((x) => !todo.includes(x)));
  const matchesAll = (owner: Pod, target: Pod) => terms(owner).every((t) => termSelects(t, owner, target));
  const satisfied = (x: Placed, boundNow: Set<Placed>): boolean => {
    for (const t of terms(x.pod)) {
      const d = domainOf(x.node, t.topologyKey);
      if (d === undefined) return false;
    }
    const ok = terms(x.pod).every((t) => {
      const d = domainOf(x.node, t.topologyKey);
      for (const b of boundNow)
        if (b !== x && domainOf(b.node, t.topologyKey) === d && matchesAll(x.pod, b.pod)) return true;
      return false;
    });
    if (ok) return true;
    for (const b of boundNow) if (b !== x && matchesAll(x.pod, b.pod)) return false;
    return matchesAll(x.pod, x.pod);
  };
  // Bind in rounds; a bootstrap (first pod of a self-affine series) only when nothing else can progress.
  const search = (boundNow: Set<Placed>, rest: Placed[], budget: { n: number }): Placed[] => {
    let remaining = rest;
    for (;;) {
      const next: Placed[] = [];
      let progress = false;
      for (const x of remaining) {
        const nonBootstrap = terms(x.pod).every((t) => {
          const d = domainOf(x.node, t.topologyKey);
          if (d === undefined) return false;
          for (const b of boundNow)
            if (b !== x && domainOf(b.node, t.topologyKey) === d && matchesAll(x.pod, b.pod)) return true;
          return false;
        });
        if (nonBootstrap) {
          boundNow.add(x);
          progress = true;
        } else next.push(x);
      }
      remaining = next;
      if (remaining.length === 0) return [];
      if (progress) continue;
      const candidates = remaining.filter((x) => satisfied(x, boundNow));
      if (candidates.length === 0) return remaining;
      let best = remaining;
      for (const c of candidates) {
        if (budget.n-- <= 0) break;
        const trial = new Set(boundNow);
        trial.add(c);
        const left = search(
          trial,
          remaining.filter((x) => x !== c),
          budget,
        );
        if (left.length === 0) {
          for (const x of trial) boundNow.add(x);
          return [];
        }
        if (left.length < best.length) best = left;
      }
      return best;
    }
  };
  const left = search(bound, todo, { n: 200 });
  for (const x of left) {
    v("affinity", `pod ${name(x.pod)} on ${x.node.name}: no binding order satisfies its required pod affinity`, {
      pod: name(x.pod),
      node: x.node.name,
    });
  }
}
