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
import type { Node, Pod, PodSpec, Taint } from "../../lib/core/kube-objects.js";
import { parseResourceList, type Resources } from "../../lib/core/quantity.js";
import type { ExistingNode, InstanceType, NewNode, SolveInput, SolveResult } from "../../lib/scheduling/types.js";
import {
  exprMatches,
  hardTaintsTolerated,
  hostPorts,
  isPending,
  isRunning,
  name,
  nodeSelectionMatches,
  ns,
  portsConflict,
  requestsOf,
} from "./scheduling-kube.js";
import { checkTopology, type FinalNode, type Report } from "./scheduling-topology-check.js";

/** One broken rule. */
export interface Violation {
  rule: string;
  node?: string;
  pod?: string;
  message: string;
}

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
// The final cluster.

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
  checkTopology(nodes, v, input.namespaceLabels);
  const cost = result.newNodes.reduce((s, n) => s + n.offering.price, 0);
  if (Math.abs(cost - result.costPerHour) > 1e-6)
    v("cost", `costPerHour ${result.costPerHour} != sum of offerings ${cost}`);
  return out;
}

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
