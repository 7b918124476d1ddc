/**
 * Pod classes: pending pods that are identical for placement (namespace, labels, requests, node selection,
 * tolerations, topology terms, host ports) are grouped so that their constraints are parsed, interned and checked
 * once. Also the per-relaxation-level "effective constraints" of a class ({@link Effective}).
 */

import type { LabelSelector, Pod, PodAffinityTerm, Toleration } from "../../core/kube-objects.js";
import { InvalidQuantityError, type Resources } from "../../core/quantity.js";
import { type HostPort, hostPortsOf } from "../primitives/host-ports.js";
import { allOf, compileSelector, InvalidSelectorError } from "../primitives/label-selector.js";
import { podRequests } from "../primitives/pod-requests.js";
import { type NodeAffinityModel, nodeAffinityModel, UnsupportedPodError } from "../primitives/pod-requirements.js";
import { Requirements, UnsupportedOperatorError } from "../primitives/requirements.js";
import { type TopologyRegistry, type TopologySubject, topologyKeys } from "./topology.js";
import { type ScopedChecks, scopedChecks, type TopologyScope } from "./topology-checks.js";
import type { TopologyGroup } from "./topology-group.js";

/** Identical pending pods. */
export interface PodClass {
  id: number;
  namespace: string;
  labels: Record<string, string>;
  requests: Resources;
  affinity: NodeAffinityModel;
  tolerations: Toleration[];
  hostPorts: HostPort[];
  hardSpreads: TopologyGroup[];
  softSpreads: TopologyGroup[];
  requiredAffinities: TopologyGroup[];
  preferredAffinities: TopologyGroup[];
  requiredAntis: TopologyGroup[];
  preferredAntis: TopologyGroup[];
  /** Groups selecting this class (filled after all groups exist). */
  matched: TopologyGroup[];
  pods: Pod[];
  /** Why the class cannot be planned at all. */
  unsupported?: string;
  /** Effective constraints per relaxation state key. */
  effective: Map<string, Effective>;
}

/** How far a pod's soft constraints have been relaxed (Karpenter's `preferences.go` order). */
export interface RelaxState {
  /** Index of the required node-affinity term in use. */
  term: number;
  /** Preferred pod-affinity terms dropped (heaviest first). */
  prefAffinity: number;
  /** Preferred pod-anti-affinity terms dropped. */
  prefAnti: number;
  /** Preferred node-affinity terms dropped. */
  prefNode: number;
  /** ScheduleAnyway spreads dropped. */
  soft: number;
  /** PreferNoSchedule taints tolerated. */
  tolerateSoftTaints: boolean;
}

/** The initial (strictest) state. */
export const INITIAL_RELAX: RelaxState = {
  term: 0,
  prefAffinity: 0,
  prefAnti: 0,
  prefNode: 0,
  soft: 0,
  tolerateSoftTaints: false,
};

/** Constraints of a class at one relaxation state. */
export interface Effective extends TopologySubject {
  id: number;
  cls: PodClass;
  /** Node requirements (required term ∩ current preferred node term). */
  reqs: Requirements;
  ignorePreferNoSchedule: boolean;
  /** Non-hostname label keys that must be pinned on a new node hosting the pod. */
  pinKeys: string[];
  /** Whether any hostname-keyed group is involved (forward or inverse). */
  hostnameChecks: boolean;
  /** Whether any topology check is needed at all. */
  topologyChecks: boolean;
  /** The groups each scope of topology check looks at. */
  checks: Record<TopologyScope, ScopedChecks>;
}

/** The next relaxation step, or undefined when nothing is left to relax. */
export function relax(cls: PodClass, s: RelaxState, anyPoolHasSoftTaints: boolean): RelaxState | undefined {
  if (cls.affinity.terms.length - s.term > 1) return { ...s, term: s.term + 1 };
  if (s.prefAffinity < cls.preferredAffinities.length) return { ...s, prefAffinity: s.prefAffinity + 1 };
  if (s.prefAnti < cls.preferredAntis.length) return { ...s, prefAnti: s.prefAnti + 1 };
  if (s.prefNode < cls.affinity.preferred.length) return { ...s, prefNode: s.prefNode + 1 };
  if (s.soft < cls.softSpreads.length) return { ...s, soft: s.soft + 1 };
  if (!s.tolerateSoftTaints && anyPoolHasSoftTaints) return { ...s, tolerateSoftTaints: true };
  return undefined;
}

let effectiveIds = 0;

/** The effective constraints of a class at a relaxation state (cached). */
export function effectiveOf(cls: PodClass, s: RelaxState): Effective {
  const initial =
    s.term === 0 &&
    s.prefAffinity === 0 &&
    s.prefAnti === 0 &&
    s.prefNode === 0 &&
    s.soft === 0 &&
    !s.tolerateSoftTaints;
  const key = initial
    ? INITIAL_KEY
    : `${s.term},${s.prefAffinity},${s.prefAnti},${s.prefNode},${s.soft},${s.tolerateSoftTaints ? 1 : 0}`;
  const hit = cls.effective.get(key);
  if (hit) return hit;
  const pref = cls.affinity.preferred[s.prefNode];
  const reqs = pref ? cls.affinity.terms[s.term].intersect(pref) : cls.affinity.terms[s.term];
  const spreads = concatTail(cls.hardSpreads, cls.softSpreads, s.soft);
  const affinities = concatTail(cls.requiredAffinities, cls.preferredAffinities, s.prefAffinity);
  const antis = concatTail(cls.requiredAntis, cls.preferredAntis, s.prefAnti);
  let hostnameChecks = false;
  for (const g of spreads) if (g.hostname) hostnameChecks = true;
  for (const g of affinities) if (g.hostname) hostnameChecks = true;
  for (const g of antis) if (g.hostname) hostnameChecks = true;
  for (const g of cls.matched) if (g.hostname) hostnameChecks = true;
  const e: Effective = {
    namespace: cls.namespace,
    labels: cls.labels,
    matched: cls.matched,
    spreads,
    hardSpreads: cls.hardSpreads,
    affinities,
    antis,
    requiredAntis: cls.requiredAntis,
    id: effectiveIds++,
    cls,
    reqs,
    ignorePreferNoSchedule: s.tolerateSoftTaints,
    pinKeys: [],
    hostnameChecks,
    topologyChecks: spreads.length + affinities.length + antis.length + cls.matched.length > 0,
    checks: NO_CHECKS,
  };
  e.pinKeys = e.topologyChecks ? topologyKeys(e) : [];
  if (e.topologyChecks) {
    e.checks = { all: scopedChecks(e, "all"), domain: scopedChecks(e, "domain"), host: scopedChecks(e, "host") };
  }
  cls.effective.set(key, e);
  return e;
}

const INITIAL_KEY = "0,0,0,0,0,0";

const NONE: ScopedChecks = {
  spreads: [],
  spreadSelf: [],
  affinities: [],
  affinitySelfAll: true,
  allAffinities: [],
  antis: [],
  inverse: [],
};
/** The checks of constraints without topology terms. */
const NO_CHECKS: Record<TopologyScope, ScopedChecks> = { all: NONE, domain: NONE, host: NONE };

/** `head` followed by `tail` from `from` on, without copying when nothing is appended. */
function concatTail<T>(head: T[], tail: T[], from: number): T[] {
  if (from >= tail.length) return head;
  if (head.length === 0 && from === 0) return tail;
  return head.concat(tail.slice(from));
}

/** Namespace labels for resolving `namespaceSelector`, when known. */
export type NamespaceLabels = Record<string, Record<string, string>>;

function termNamespaces(
  term: PodAffinityTerm,
  podNamespace: string,
  nsLabels: NamespaceLabels | undefined,
): ReadonlySet<string> | undefined {
  const explicit = term.namespaces ?? [];
  const sel = term.namespaceSelector;
  if (sel) {
    const empty = !sel.matchLabels && !(sel.matchExpressions && sel.matchExpressions.length > 0);
    if (empty || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) === 0) {
      return undefined;
    }
    if (!nsLabels) return undefined;
    const compiled = compileSelector(sel);
    const out = new Set(explicit);
    for (const [ns, labels] of Object.entries(nsLabels)) if (compiled.matches(labels)) out.add(ns);
    return out;
  }
  return new Set(explicit.length > 0 ? explicit : [podNamespace]);
}

function withOwnLabels(keys: readonly string[] | undefined, labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys ?? []) if (labels[k] !== undefined) out[k] = labels[k];
  return out;
}

function affinityGroup(
  reg: TopologyRegistry,
  kind: "affinity" | "anti",
  term: PodAffinityTerm,
  ns: string,
  labels: Record<string, string>,
  nsLabels: NamespaceLabels | undefined,
): TopologyGroup {
  return reg.intern({
    kind,
    key: term.topologyKey,
    namespaces: termNamespaces(term, ns, nsLabels),
    selector: compileSelector(term.labelSelector, withOwnLabels(term.matchLabelKeys, labels)),
  });
}

function classSignature(pod: Pod): string {
  const labels = pod.metadata.labels ?? {};
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  let sig = pod.metadata.namespace ?? "default";
  for (const k of keys) sig += `\u0000${k}=${labels[k]}`;
  // The whole spec: identical pods of a workload share it; anything that differs only splits a class.
  return `${sig}\u0001${JSON.stringify(pod.spec)}`;
}

/** Builds the classes of a list of pending pods, interning their topology groups into the registry. */
export function buildPodClasses(pods: readonly Pod[], reg: TopologyRegistry, nsLabels?: NamespaceLabels): PodClass[] {
  const bySig = new Map<string, PodClass>();
  const classes: PodClass[] = [];
  for (const pod of pods) {
    const sig = classSignature(pod);
    const existing = bySig.get(sig);
    if (existing) {
      existing.pods.push(pod);
      continue;
    }
    const cls = newClass(classes.length, pod, reg, nsLabels);
    bySig.set(sig, cls);
    classes.push(cls);
  }
  return classes;
}

function newClass(id: number, pod: Pod, reg: TopologyRegistry, nsLabels: NamespaceLabels | undefined): PodClass {
  const ns = pod.metadata.namespace ?? "default";
  const labels = { ...(pod.metadata.labels ?? {}) };
  const cls: PodClass = {
    id,
    namespace: ns,
    labels,
    requests: {},
    affinity: { terms: [Requirements.EMPTY], preferred: [] },
    tolerations: pod.spec.tolerations ?? [],
    hostPorts: [],
    hardSpreads: [],
    softSpreads: [],
    requiredAffinities: [],
    preferredAffinities: [],
    requiredAntis: [],
    preferredAntis: [],
    matched: [],
    pods: [pod],
    effective: new Map(),
  };
  try {
    cls.requests = podRequests(pod);
    cls.affinity = nodeAffinityModel(pod.spec);
    cls.hostPorts = hostPortsOf(pod.spec);
    for (const tsc of pod.spec.topologySpreadConstraints ?? []) {
      const honorAffinity = (tsc.nodeAffinityPolicy ?? "Honor") === "Honor";
      const hasNodeSelection =
        Object.keys(pod.spec.nodeSelector ?? {}).length > 0 ||
        (pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.length ??
          0) > 0;
      const g = reg.intern({
        kind: "spread",
        key: tsc.topologyKey,
        namespaces: new Set([ns]),
        selector: compileSelector(
          tsc.labelSelector as LabelSelector | undefined,
          withOwnLabels(tsc.matchLabelKeys, labels),
        ),
        maxSkew: tsc.maxSkew,
        minDomains: tsc.minDomains,
        nodeFilter: honorAffinity && hasNodeSelection ? cls.affinity.terms : undefined,
        taintFilter: tsc.nodeTaintsPolicy === "Honor" ? cls.tolerations : undefined,
      });
      if (tsc.whenUnsatisfiable === "ScheduleAnyway") cls.softSpreads.push(g);
      else cls.hardSpreads.push(g);
    }
    const pa = pod.spec.affinity?.podAffinity;
    const paa = pod.spec.affinity?.podAntiAffinity;
    const requiredAffinity = pa?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    if (requiredAffinity.length > 1) {
      // kube-scheduler counts, for every term, the pods that match all of the pod's required affinity terms.
      const selector = allOf(
        requiredAffinity.map((t) => compileSelector(t.labelSelector, withOwnLabels(t.matchLabelKeys, labels))),
      );
      let namespaces: Set<string> | undefined;
      for (const t of requiredAffinity) {
        const own = termNamespaces(t, ns, nsLabels);
        if (!own) continue;
        namespaces = namespaces ? new Set([...namespaces].filter((x) => own.has(x))) : new Set(own);
      }
      for (const t of requiredAffinity) {
        cls.requiredAffinities.push(reg.intern({ kind: "affinity", key: t.topologyKey, namespaces, selector }));
      }
    } else {
      for (const t of requiredAffinity)
        cls.requiredAffinities.push(affinityGroup(reg, "affinity", t, ns, labels, nsLabels));
    }
    for (const t of paa?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      cls.requiredAntis.push(affinityGroup(reg, "anti", t, ns, labels, nsLabels));
    }
    const byWeight = <T extends { weight: number }>(xs: readonly T[]) =>
      xs
        .map((x, i) => ({ x, i }))
        .sort((a, b) => b.x.weight - a.x.weight || a.i - b.i)
        .map(({ x }) => x);
    for (const w of byWeight(pa?.preferredDuringSchedulingIgnoredDuringExecution ?? [])) {
      cls.preferredAffinities.push(affinityGroup(reg, "affinity", w.podAffinityTerm, ns, labels, nsLabels));
    }
    for (const w of byWeight(paa?.preferredDuringSchedulingIgnoredDuringExecution ?? [])) {
      cls.preferredAntis.push(affinityGroup(reg, "anti", w.podAffinityTerm, ns, labels, nsLabels));
    }
  } catch (err) {
    if (
      err instanceof UnsupportedPodError ||
      err instanceof InvalidQuantityError ||
      err instanceof InvalidSelectorError ||
      err instanceof UnsupportedOperatorError
    ) {
      cls.unsupported = err.message;
    } else {
      throw err;
    }
  }
  return cls;
}
