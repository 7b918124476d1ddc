/**
 * Topology: the registry of {@link TopologyGroup}s, and the checks a placement must pass — topology spread,
 * pod affinity, pod anti-affinity — in both directions:
 *
 * - forward: the pod's own constraints at the candidate location (kube-scheduler's filters);
 * - inverse: constraints of pods already placed there that the newcomer would break (required anti-affinity of
 *   running or planned pods; DoNotSchedule spreads of planned pods, so that every planned pod still satisfies its
 *   spread as if it were bound last).
 *
 * Spreads are measured against the minimum over every domain a pool or existing node could provide (stricter than
 * kube-scheduler, which only sees domains with nodes), and hostname spreads against 0.
 */
import type { Requirements } from "../primitives/requirements.js";
import { firstUntolerated } from "../primitives/taints.js";
import { TopologyGroup, type TopologyGroupSpec } from "./topology-group.js";

/** Where a pod would go, as topology sees it. */
export interface TopologyLocation {
  /** The bin id (hostname domain); undefined for a node not opened yet. */
  readonly bin: number | undefined;
  /** The node's value for a label key, or undefined when the node will not carry the label. */
  domain(key: string): string | undefined;
  /** Whether the node counts as a domain of a spread with node filters. */
  eligible(group: TopologyGroup): boolean;
}

/** The topology view of a pod: who it is and which groups it owns at its current relaxation level. */
export interface TopologySubject {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Groups whose selector selects this pod. */
  readonly matched: readonly TopologyGroup[];
  /** Spreads enforced now (DoNotSchedule, plus ScheduleAnyway not yet relaxed). */
  readonly spreads: readonly TopologyGroup[];
  /** DoNotSchedule spreads (never relaxed): the pod is their owner once placed. */
  readonly hardSpreads: readonly TopologyGroup[];
  /** Pod affinity terms enforced now (required, plus preferred not yet relaxed). */
  readonly affinities: readonly TopologyGroup[];
  /** Anti-affinity terms enforced now. */
  readonly antis: readonly TopologyGroup[];
  /** Required anti-affinity terms (never relaxed): owner once placed. */
  readonly requiredAntis: readonly TopologyGroup[];
}

/** Which rule a location fails. */
export type TopologyRule =
  | "spread-missing-label"
  | "spread-skew"
  | "affinity-missing-label"
  | "affinity-no-match"
  | "anti-affinity"
  | "inverse-anti-affinity"
  | "inverse-spread";

/** Why a location fails topology. */
export interface TopologyFailure {
  group: TopologyGroup;
  rule: TopologyRule;
}

const failures = new WeakMap<TopologyGroup, Map<TopologyRule, TopologyFailure>>();

/** A shared failure object per group and rule (failures are frequent; they are only read). */
export function sharedFailure(group: TopologyGroup, rule: TopologyRule): TopologyFailure {
  let m = failures.get(group);
  if (!m) {
    m = new Map();
    failures.set(group, m);
  }
  let f = m.get(rule);
  if (!f) {
    f = { group, rule };
    m.set(rule, f);
  }
  return f;
}

/** The failure in words, e.g. `topology spread (zone, maxSkew 1) cannot be satisfied`. */
export function describeTopologyFailure(f: TopologyFailure): string {
  const g = f.group;
  switch (f.rule) {
    case "spread-missing-label":
      return `topology spread (${g.describe()}): no node can carry the ${g.key} label`;
    case "spread-skew":
      return `topology spread (${g.describe()}) cannot be satisfied`;
    case "affinity-missing-label":
      return `pod affinity (${g.describe()}): no node can carry the ${g.key} label`;
    case "affinity-no-match":
      return `pod affinity (${g.describe()}) cannot be satisfied: no matching pod in a reachable domain`;
    case "anti-affinity":
      return `pod anti-affinity (${g.describe()}) cannot be satisfied`;
    case "inverse-anti-affinity":
      return `anti-affinity of other pods (${g.describe()}) excludes this pod`;
    case "inverse-spread":
      return `topology spread of other pods (${g.describe()}) would be broken`;
  }
}

/** Registry of de-duplicated topology groups. */
export class TopologyRegistry {
  readonly groups: TopologyGroup[] = [];
  private readonly bySignature = new Map<string, TopologyGroup>();

  /** Returns the existing group with the same definition, or a new one. */
  intern(spec: TopologyGroupSpec): TopologyGroup {
    const sig = [
      spec.kind,
      spec.key,
      spec.namespaces ? [...spec.namespaces].sort().join(",") : "*",
      spec.selector.key,
      spec.maxSkew ?? 1,
      spec.minDomains ?? "",
      spec.nodeFilter ? spec.nodeFilter.map((r) => r.signature()).join("||") : "",
      spec.taintFilter ? JSON.stringify(spec.taintFilter) : "",
    ].join("\u0000");
    let g = this.bySignature.get(sig);
    if (!g) {
      g = new TopologyGroup(this.groups.length, spec);
      this.groups.push(g);
      this.bySignature.set(sig, g);
    }
    return g;
  }

  /** Groups whose selector selects a pod. */
  matching(namespace: string, labels: Record<string, string>): TopologyGroup[] {
    return this.groups.filter((g) => g.selects(namespace, labels));
  }
}

/** A label's value on a planned node, when already decided. */
export type PinnedLookup = (key: string) => { known: true; value: string | undefined } | { known: false };

/** Whether a node (known labels, or planned requirements) is a domain of a filtered spread. */
export function eligibleByFilter(
  group: TopologyGroup,
  node: { labels?: Record<string, string>; reqs?: Requirements; pinned?: PinnedLookup },
  taints: readonly { key: string; value?: string; effect: string }[],
): boolean {
  if (group.taintFilter && firstUntolerated(group.taintFilter, taints, { ignorePreferNoSchedule: true })) return false;
  if (!group.nodeFilter) return true;
  const { labels, reqs, pinned } = node;
  if (labels) return group.nodeFilter.some((alt) => alt.matchesLabels(labels));
  if (!reqs) return false;
  return group.nodeFilter.some((alt) => entails(reqs, alt, pinned));
}

/**
 * Whether every node satisfying `reqs` also satisfies `alt`. Values already decided for the node (`pinned`) are
 * used first; otherwise the requirement sets are compared.
 */
export function entails(reqs: Requirements, alt: Requirements, pinned?: PinnedLookup): boolean {
  for (const r of alt.values()) {
    const pv = pinned?.(r.key);
    if (pv?.known) {
      if (pv.value === undefined ? !r.allowsMissing() : !r.has(pv.value)) return false;
      continue;
    }
    const b = reqs.get(r.key);
    if (!b) {
      if (!r.allowsMissing()) return false;
      continue;
    }
    if (b.complement) {
      // b allows every value except b.values (within bounds); r must allow all of those.
      if (!r.complement) return false;
      if (b.allowsMissing() && !r.allowsMissing()) return false;
      for (const v of r.values) if (!b.values.has(v)) return false;
      if (r.gt !== undefined && (b.gt === undefined || b.gt < r.gt)) return false;
      if (r.lt !== undefined && (b.lt === undefined || b.lt > r.lt)) return false;
      continue;
    }
    if (b.values.size === 0) {
      if (!r.allowsMissing()) return false;
      continue;
    }
    for (const v of b.values) if (!r.has(v)) return false;
  }
  return true;
}

function domainOf(g: TopologyGroup, loc: TopologyLocation): string | undefined {
  return g.hostname ? undefined : loc.domain(g.key);
}

/** Records a placed pod in every group that counts it, and as owner of its hard constraints. */
export function recordPlacement(s: TopologySubject, loc: TopologyLocation): void {
  for (const g of s.matched) {
    if (g.kind === "spread" && !loc.eligible(g)) continue;
    g.addCount(domainOf(g, loc), loc.bin);
  }
  for (const g of s.hardSpreads) g.addOwner(domainOf(g, loc), loc.bin);
  for (const g of s.requiredAntis) g.addOwner(domainOf(g, loc), loc.bin);
}

/** Removes a placed pod from the counts (used when re-packing). */
export function unrecordPlacement(s: TopologySubject, loc: TopologyLocation): void {
  for (const g of s.matched) {
    if (g.kind === "spread" && !loc.eligible(g)) continue;
    g.addCount(domainOf(g, loc), loc.bin, -1);
  }
  for (const g of s.hardSpreads) g.addOwner(domainOf(g, loc), loc.bin, -1);
  for (const g of s.requiredAntis) g.addOwner(domainOf(g, loc), loc.bin, -1);
}

/**
 * The non-hostname label keys whose value must be known (pinned) for a node hosting this pod: keys of the pod's
 * own constraints, of groups counting it, and of node filters of spreads counting it.
 */
export function topologyKeys(s: TopologySubject): string[] {
  const keys = new Set<string>();
  for (const list of [s.spreads, s.affinities, s.antis, s.matched]) {
    for (const g of list) if (!g.hostname) keys.add(g.key);
  }
  for (const g of s.matched) {
    if (g.kind === "spread" && g.nodeFilter) for (const alt of g.nodeFilter) for (const k of alt.keys()) keys.add(k);
  }
  return keys.size === 0 ? [] : [...keys].sort();
}
