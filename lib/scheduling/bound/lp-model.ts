/**
 * Builds the relaxation behind the cost lower bound ({@link ./lower-bound.ts}) from a {@link SolveInput}:
 * pod classes, node kinds (columns) and which class may use which kind. Pure: no I/O, no solver.
 *
 * - A **class** is a set of identical pending pods: same effective requests, same placement constraints
 *   (nodeSelector, required node affinity, tolerations) and same hostname anti-affinity group.
 * - A **node kind** is either one existing node (its free capacity, price 0, at most one) or a group of new-node
 *   offerings (pool × type × available offering) with the same usable capacity and the same set of classes
 *   that may use them; the group keeps its cheapest price. Kinds dominated by a cheaper kind with at least the
 *   same capacity in every demanded dimension and a superset of classes are dropped.
 */

import type { Pod, PodAffinityTerm, PodSpec, Taint, Toleration } from "../../core/kube-objects.js";
import { isPlannable } from "../../core/pods.js";
import { isByteResource, type Resources } from "../../core/quantity.js";
import { selectorMatches } from "../primitives/label-selector.js";
import { podRequests, podSpecRequests } from "../primitives/pod-requests.js";
import { firstUntolerated } from "../primitives/taints.js";
import type { SolveInput } from "../types.js";
import {
  type LabelDomain,
  labelView,
  matchNodeSelection,
  matchRequirements,
  type NodeLabelView,
  placementKey,
} from "./compat.js";

const GIB = 2 ** 30;
const HOSTNAME = "kubernetes.io/hostname";

/** Identical pending pods. */
export interface PodClass {
  count: number;
  /** Effective requests of one pod, in LP units (see {@link toLpUnits}). */
  request: Record<string, number>;
  /** Index into {@link LpModel.antiAffinityGroups}, when the pods must be on distinct nodes. */
  antiAffinityGroup?: number;
  /** A sample pod (for messages). */
  example: Pod;
}

/** A column family: nodes of one kind. */
export interface NodeKind {
  /** Price per hour of one node (0 for existing nodes). */
  price: number;
  /** Usable capacity of one node in LP units (allocatable − DaemonSets for new nodes; free for existing). */
  capacity: Record<string, number>;
  /** Classes (indices) that may use this kind and whose single pod fits on it. */
  classes: number[];
  /** Existing nodes: exactly one, already paid for. */
  existing: boolean;
  /** A readable description (`pool/type/zone/capacity-type` or the node name). */
  description: string;
}

/** The relaxation's data. */
export interface LpModel {
  classes: PodClass[];
  kinds: NodeKind[];
  /** Resource dimensions demanded by some class. */
  dimensions: string[];
  /** Number of anti-affinity groups (pods of one group never share a node). */
  antiAffinityGroups: number;
  /** Pending pods counted in the bound. */
  pods: number;
  /** Pending pods that fit no node kind at all (left out of the bound). */
  excludedPods: number;
}

/** Converts internal units to LP units: cpu cores, byte resources in GiB, counts unchanged. */
export function toLpUnits(res: Resources): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(res)) {
    if (k === "cpu") out[k] = v / 1000;
    else if (isByteResource(k)) out[k] = v / GIB;
    else out[k] = v;
  }
  return out;
}

/**
 * Well-known label keys whose absence on an instance type is a fact of the data (Karpenter sets them only when
 * the type has the feature). Any other unset `karpenter.k8s.aws/`, `karpenter.sh/`, `topology.k8s.aws/`,
 * `node.kubernetes.io/` or `kubernetes.io/` key is treated as unknown (Karpenter may set it; we do not model it),
 * and unset custom keys as absent.
 */
const DATA_ABSENT_KEYS = new Set(
  [
    "gpu-name",
    "gpu-manufacturer",
    "gpu-count",
    "gpu-memory",
    "accelerator-name",
    "accelerator-manufacturer",
    "accelerator-count",
    "local-nvme",
  ].map((s) => `karpenter.k8s.aws/instance-${s}`),
);
const UNMODELLED_PREFIXES = ["karpenter.k8s.aws/", "karpenter.sh/", "topology.k8s.aws/", "node.kubernetes.io/"];

function absentWhenUnset(key: string): boolean {
  if (DATA_ABSENT_KEYS.has(key)) return true;
  if (key.startsWith("kubernetes.io/") || key.startsWith("topology.kubernetes.io/")) return false;
  return !UNMODELLED_PREFIXES.some((p) => key.startsWith(p));
}

/** Self-matching hostname anti-affinity term of a pod (its pods must be on distinct nodes), as a group key. */
function antiAffinityKey(pod: Pod): string | undefined {
  const terms = pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const ns = pod.metadata.namespace ?? "default";
  for (const t of terms) {
    if (t.topologyKey !== HOSTNAME || t.namespaceSelector) continue;
    if (t.namespaces && t.namespaces.length > 0 && !t.namespaces.includes(ns)) continue;
    if (!selectorMatches(t.labelSelector, pod.metadata.labels ?? {})) continue;
    return JSON.stringify([ns, t.labelSelector, t.namespaces ?? []]);
  }
  return undefined;
}

interface Placement {
  spec: PodSpec;
  tolerations: Toleration[] | undefined;
}

/** Every NoSchedule/NoExecute taint tolerated (PreferNoSchedule never keeps a pod away in the relaxation). */
function toleratesHardTaints(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[]): boolean {
  return firstUntolerated(tolerations, taints, { ignorePreferNoSchedule: true }) === undefined;
}

function fits(request: Record<string, number>, capacity: Record<string, number>): boolean {
  for (const k in request) if (request[k] > 1e-12 && request[k] > (capacity[k] ?? 0) + 1e-9) return false;
  return true;
}

/** Pod classes before pruning, with what the node kinds need to know about them. */
interface ClassSurvey {
  placements: Placement[];
  /** The defining term of each hostname anti-affinity group, with its namespace. */
  groupTerms: { ns: string; term: PodAffinityTerm }[];
  rawClasses: (PodClass & { placement: number })[];
  /** Resource names any class requests, sorted. */
  dimensions: string[];
}

/** Builds the relaxation's data from a solver input. */
export function buildLpModel(input: SolveInput): LpModel {
  const survey = surveyClasses(input);
  const kinds = existingNodeKinds(input, survey);
  kinds.push(...pruneDominated(newNodeKinds(input, survey), survey.dimensions));
  const classes = dropUnusableClasses(survey.rawClasses, kinds);
  const pods = classes.reduce((s, c) => s + c.count, 0);
  const excludedPods = survey.rawClasses.reduce((s, c) => s + c.count, 0) - pods;
  return {
    classes,
    kinds,
    dimensions: survey.dimensions,
    antiAffinityGroups: survey.groupTerms.length,
    pods,
    excludedPods,
  };
}

/** Classes of the input's pods: by (node placement, anti-affinity group, requests). */
function surveyClasses(input: SolveInput): ClassSurvey {
  const placements: Placement[] = [];
  const placementIndex = new Map<string, number>();
  const groupIndex = new Map<string, number>();
  const groupTerms: { ns: string; term: PodAffinityTerm }[] = [];
  const classIndex = new Map<string, number>();
  const rawClasses: (PodClass & { placement: number })[] = [];
  for (const pod of input.pods) {
    if (!isPlannable(pod)) continue;
    const pk = placementKey(pod.spec);
    let p = placementIndex.get(pk);
    if (p === undefined) {
      p = placements.length;
      placements.push({ spec: pod.spec, tolerations: pod.spec.tolerations });
      placementIndex.set(pk, p);
    }
    const gk = antiAffinityKey(pod);
    let g: number | undefined;
    if (gk !== undefined) {
      g = groupIndex.get(gk);
      if (g === undefined) {
        g = groupTerms.length;
        const term = (pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).find(
          (t) => t.topologyKey === HOSTNAME && selectorMatches(t.labelSelector, pod.metadata.labels ?? {}),
        ) as PodAffinityTerm;
        groupTerms.push({ ns: pod.metadata.namespace ?? "default", term });
        groupIndex.set(gk, g);
      }
    }
    const request = toLpUnits(podRequests(pod));
    const ck = JSON.stringify([p, g ?? -1, Object.entries(request).sort()]);
    const c = classIndex.get(ck);
    if (c !== undefined) rawClasses[c].count++;
    else {
      classIndex.set(ck, rawClasses.length);
      rawClasses.push({ count: 1, request, antiAffinityGroup: g, example: pod, placement: p });
    }
  }
  const dimensions = [...new Set(rawClasses.flatMap((c) => Object.keys(c.request)))].sort();
  return { placements, groupTerms, rawClasses, dimensions };
}

/** One kind per schedulable existing node: its free capacity at price 0, for the classes it can take. */
function existingNodeKinds(input: SolveInput, survey: ClassSurvey): NodeKind[] {
  const { placements, groupTerms, rawClasses } = survey;
  const kinds: NodeKind[] = [];
  for (const node of input.existingNodes) {
    if (node.unschedulable) continue;
    const used: Resources = {};
    for (const pod of node.pods) {
      const r = podRequests(pod);
      for (const [k, v] of Object.entries(r)) used[k] = (used[k] ?? 0) + v;
    }
    const free: Resources = {};
    for (const [k, v] of Object.entries(node.allocatable)) free[k] = Math.max(0, v - (used[k] ?? 0));
    const capacity = toLpUnits(free);
    const view = labelView(node.labels);
    const blockedGroups = new Set<number>();
    groupTerms.forEach(({ ns, term }, gi) => {
      if (
        node.pods.some(
          (q) =>
            (q.metadata.namespace ?? "default") === ns && selectorMatches(term.labelSelector, q.metadata.labels ?? {}),
        )
      ) {
        blockedGroups.add(gi);
      }
    });
    const ok = placements.map(
      (pl) => matchNodeSelection(pl.spec, view) !== "no" && toleratesHardTaints(pl.tolerations, node.taints),
    );
    const classes = rawClasses
      .map((c, i) => ({ c, i }))
      .filter(
        ({ c }) =>
          ok[c.placement] &&
          !(c.antiAffinityGroup !== undefined && blockedGroups.has(c.antiAffinityGroup)) &&
          fits(c.request, capacity),
      )
      .map(({ i }) => i);
    if (classes.length > 0) kinds.push({ price: 0, capacity, classes, existing: true, description: node.name });
  }
  return kinds;
}

/** New-node offerings of every pool, grouped by (capacity, classes) keeping the cheapest. */
function newNodeKinds(input: SolveInput, survey: ClassSurvey): NodeKind[] {
  const grouped = new Map<string, NodeKind>();
  for (const { pool, instanceTypes } of input.pools) {
    const poolLabelKey = pool.flavor === "v1alpha5" ? "karpenter.sh/provisioner-name" : "karpenter.sh/nodepool";
    const possible = new Map<string, LabelDomain>();
    for (const r of pool.requirements) {
      if (r.operator !== "In") continue;
      const prev = possible.get(r.key);
      const values = prev?.kind === "values" ? r.values.filter((v) => prev.values.has(v)) : r.values;
      possible.set(r.key, { kind: "values", values: new Set(values) });
    }
    const daemonSets = input.daemonSets.filter((ds) =>
      toleratesHardTaints(ds.spec.template.spec.tolerations, pool.taints),
    );
    for (const it of instanceTypes) {
      for (const o of it.offerings) {
        if (!o.available) continue;
        const fixed = {
          ...pool.labels,
          ...it.labels,
          "topology.kubernetes.io/zone": o.zone,
          "karpenter.sh/capacity-type": o.capacityType,
          [poolLabelKey]: pool.name,
        };
        if (matchRequirements(pool.requirements, labelView(fixed, new Map(), absentWhenUnset)) === "no") continue;
        const view = labelView(fixed, possible, absentWhenUnset);
        const capacity = toLpUnits(capacityAfterDaemonSets(it.allocatable, daemonSets, view));
        const ok = survey.placements.map(
          (pl) => matchNodeSelection(pl.spec, view) !== "no" && toleratesHardTaints(pl.tolerations, pool.taints),
        );
        const classes: number[] = [];
        survey.rawClasses.forEach((c, i) => {
          if (ok[c.placement] && fits(c.request, capacity)) classes.push(i);
        });
        if (classes.length === 0) continue;
        const relevantCap = survey.dimensions.map((d) => capacity[d] ?? 0);
        const key = JSON.stringify([relevantCap, classes]);
        const prev = grouped.get(key);
        if (!prev || o.price < prev.price) {
          grouped.set(key, {
            price: o.price,
            capacity: Object.fromEntries(survey.dimensions.map((d, i) => [d, relevantCap[i]])),
            classes,
            existing: false,
            description: `${pool.name}/${it.name}/${o.zone}/${o.capacityType}`,
          });
        }
      }
    }
  }
  return [...grouped.values()];
}

/** Allocatable minus the requests of the DaemonSets that surely run on a node with these labels. */
function capacityAfterDaemonSets(
  allocatable: Resources,
  daemonSets: SolveInput["daemonSets"],
  view: NodeLabelView,
): Resources {
  const cap: Resources = { ...allocatable };
  for (const ds of daemonSets) {
    if (matchNodeSelection(ds.spec.template.spec, view) !== "yes") continue;
    const r = podSpecRequests(ds.spec.template.spec);
    for (const [k, v] of Object.entries(r)) if (k !== "pods") cap[k] = (cap[k] ?? 0) - v;
  }
  return cap;
}

/** The classes some kind can hold, renumbered (kinds' class lists are rewritten in place). */
function dropUnusableClasses(rawClasses: readonly (PodClass & { placement: number })[], kinds: NodeKind[]): PodClass[] {
  const usable = new Set(kinds.flatMap((k) => k.classes));
  const renumber = new Map<number, number>();
  const classes: PodClass[] = [];
  rawClasses.forEach((c, i) => {
    if (!usable.has(i)) return;
    renumber.set(i, classes.length);
    classes.push({ count: c.count, request: c.request, antiAffinityGroup: c.antiAffinityGroup, example: c.example });
  });
  for (const k of kinds) k.classes = k.classes.map((i) => renumber.get(i) as number);
  return classes;
}

/** Drops kinds for which a no-more-expensive kind has ≥ capacity in every dimension and a superset of classes. */
function pruneDominated(kinds: NodeKind[], dimensions: string[]): NodeKind[] {
  const sorted = [...kinds].sort((a, b) => a.price - b.price);
  const kept: NodeKind[] = [];
  const keptSets: Set<number>[] = [];
  for (const k of sorted) {
    const dominated = kept.some(
      (q, qi) =>
        q.price <= k.price &&
        dimensions.every((d) => (q.capacity[d] ?? 0) >= (k.capacity[d] ?? 0)) &&
        k.classes.every((c) => keptSets[qi].has(c)),
    );
    if (!dominated) {
      kept.push(k);
      keptSets.push(new Set(k.classes));
    }
  }
  return kept;
}
