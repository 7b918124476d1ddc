/**
 * The twin kube-scheduler's per-pass indexes: nodes with what is placed on them, and counts of matching pods per
 * topology domain for each distinct spread constraint and affinity term, kept current as the pass places pods. So
 * PodTopologySpread and InterPodAffinity cost a map lookup per candidate node instead of a scan of the cluster.
 */
import type { LabelSelector, Node, Pod, PodAffinityTerm, TopologySpreadConstraint } from "../core/kube-objects.js";
import {
  nodeAffinityAllows,
  requiredTerms,
  selectorMatches,
  taintsAllow,
  termNamespaces,
  termSelects,
} from "./scheduler-predicates.js";

/** A node during a pass: its free resources and what is placed on it. */
export interface NodeState {
  node: Node;
  name: string;
  labels: Record<string, string>;
  free: Map<string, number>;
  allocatable: Map<string, number>;
  pods: Pod[];
  ports: Set<string>;
  ready: boolean;
}

/** Matching pods per domain of one topology key, over the nodes that count. */
export interface DomainCounts {
  topologyKey: string;
  /** Whether a pod counts. */
  matches(pod: Pod): boolean;
  /** Domain → matching pods; a counted node's domain is present even with none. */
  counts: Map<string, number>;
  /** Nodes whose pods count; every node when undefined. */
  eligible?: Set<NodeState>;
  /** Matching pods on counted nodes, those without the topology label included. */
  total: number;
}

/** A placed pod's required anti-affinity term, filed under the domain it holds. */
interface AntiHolder {
  pod: Pod;
  term: PodAffinityTerm;
}

/** One DoNotSchedule spread constraint of a pod, resolved against the pass's counts. */
export interface ResolvedSpread {
  constraint: TopologySpreadConstraint;
  domains: DomainCounts;
  /** Whether the pod matches its own selector (it counts in the domain it lands in). */
  selfMatch: number;
}

/** The pod's required inter-pod terms, resolved against the pass's counts. */
export interface ResolvedAffinity {
  anti: DomainCounts[];
  affinity: { domains: DomainCounts; selectsItself: boolean }[];
}

function namespaceOf(pod: Pod): string {
  return pod.metadata.namespace ?? "default";
}

/** The pass's topology counts and anti-affinity holders. */
export class TopologyIndex {
  private readonly cache = new Map<string, DomainCounts>();
  private readonly holders = new Map<string, Map<string, AntiHolder[]>>();

  constructor(private readonly nodes: NodeState[]) {
    for (const st of nodes) for (const pod of st.pods) this.addHolders(st, pod);
  }

  /** Records a pod the pass placed on `st` in every count and holder list. */
  placed(st: NodeState, pod: Pod): void {
    for (const c of this.cache.values()) {
      if (c.eligible && !c.eligible.has(st)) continue;
      if (!c.matches(pod)) continue;
      c.total++;
      const domain = st.labels[c.topologyKey];
      if (domain !== undefined) c.counts.set(domain, (c.counts.get(domain) ?? 0) + 1);
    }
    this.addHolders(st, pod);
  }

  private addHolders(st: NodeState, pod: Pod): void {
    for (const term of requiredTerms(pod).anti) {
      const domain = st.labels[term.topologyKey];
      if (domain === undefined) continue;
      let byDomain = this.holders.get(term.topologyKey);
      if (!byDomain) this.holders.set(term.topologyKey, (byDomain = new Map()));
      const list = byDomain.get(domain);
      if (list) list.push({ pod, term });
      else byDomain.set(domain, [{ pod, term }]);
    }
  }

  /** Counts under `key`, built on first use over the nodes `eligible` accepts (all when undefined). */
  private counts(
    key: string,
    topologyKey: string,
    matches: (pod: Pod) => boolean,
    eligible?: (st: NodeState) => boolean,
  ): DomainCounts {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const c: DomainCounts = { topologyKey, matches, counts: new Map(), total: 0 };
    if (eligible) c.eligible = new Set();
    for (const st of this.nodes) {
      if (eligible && !eligible(st)) continue;
      c.eligible?.add(st);
      const domain = st.labels[topologyKey];
      let n = 0;
      for (const p of st.pods) if (matches(p)) n++;
      c.total += n;
      if (domain !== undefined) c.counts.set(domain, (c.counts.get(domain) ?? 0) + n);
    }
    this.cache.set(key, c);
    return c;
  }

  /** The pod's DoNotSchedule spread constraints with their domain counts. */
  spreadOf(pod: Pod): ResolvedSpread[] {
    const out: ResolvedSpread[] = [];
    for (const c of pod.spec.topologySpreadConstraints ?? []) {
      if (c.whenUnsatisfiable !== "DoNotSchedule") continue;
      const ns = namespaceOf(pod);
      const honorAffinity = c.nodeAffinityPolicy !== "Ignore";
      const honorTaints = c.nodeTaintsPolicy === "Honor";
      const key = JSON.stringify([
        "spread",
        ns,
        c.labelSelector ?? null,
        c.topologyKey,
        honorAffinity ? [pod.spec.nodeSelector ?? null, pod.spec.affinity?.nodeAffinity ?? null] : null,
        honorTaints ? (pod.spec.tolerations ?? null) : null,
      ]);
      const selector: LabelSelector | undefined = c.labelSelector;
      const domains = this.counts(
        key,
        c.topologyKey,
        (p) => namespaceOf(p) === ns && selectorMatches(selector, p.metadata.labels ?? {}),
        (st) => (!honorAffinity || nodeAffinityAllows(pod, st.node)) && (!honorTaints || taintsAllow(pod, st.node)),
      );
      const selfMatch = selectorMatches(c.labelSelector, pod.metadata.labels ?? {}) ? 1 : 0;
      out.push({ constraint: c, domains, selfMatch });
    }
    return out;
  }

  /** The pod's required affinity and anti-affinity terms with their domain counts. */
  affinityOf(pod: Pod): ResolvedAffinity {
    const { affinity, anti } = requiredTerms(pod);
    const resolve = (term: PodAffinityTerm) => {
      const ns = termNamespaces(pod, term);
      const key = JSON.stringify(["term", ns ?? null, term.labelSelector ?? null, term.topologyKey]);
      return this.counts(
        key,
        term.topologyKey,
        (p) => (!ns || ns.includes(namespaceOf(p))) && selectorMatches(term.labelSelector, p.metadata.labels ?? {}),
      );
    };
    return {
      anti: anti.map(resolve),
      affinity: affinity.map((term) => ({ domains: resolve(term), selectsItself: termSelects(pod, term, pod) })),
    };
  }

  /** Whether a placed pod's required anti-affinity rejects `pod` in `st`'s domains. */
  heldOff(pod: Pod, st: NodeState): boolean {
    for (const [topologyKey, byDomain] of this.holders) {
      const domain = st.labels[topologyKey];
      if (domain === undefined) continue;
      for (const h of byDomain.get(domain) ?? []) if (termSelects(h.pod, h.term, pod)) return true;
    }
    return false;
  }
}

/** PodTopologySpread (DoNotSchedule) for one candidate node; `minimums` are the constraints' current minimums. */
export function spreadAllows(spread: ResolvedSpread[], minimums: number[], st: NodeState): boolean {
  for (let i = 0; i < spread.length; i++) {
    const { constraint, domains, selfMatch } = spread[i];
    if (!(constraint.topologyKey in st.labels)) return false;
    const domain = st.labels[constraint.topologyKey];
    if ((domains.counts.get(domain) ?? 0) + selfMatch - minimums[i] > constraint.maxSkew) return false;
  }
  return true;
}

/** The smallest count over a constraint's domains (0 when fewer than `minDomains` exist). */
export function spreadMinimum(s: ResolvedSpread): number {
  let min = Number.POSITIVE_INFINITY;
  for (const v of s.domains.counts.values()) min = Math.min(min, v);
  if (s.constraint.minDomains && s.domains.counts.size < s.constraint.minDomains) min = 0;
  return Number.isFinite(min) ? min : 0;
}

/** InterPodAffinity for one candidate node: the pod's own terms, then placed pods' anti-affinity against it. */
export function interPodAllows(pod: Pod, resolved: ResolvedAffinity, index: TopologyIndex, st: NodeState): boolean {
  for (const domains of resolved.anti) {
    const domain = st.labels[domains.topologyKey];
    if (domain !== undefined && (domains.counts.get(domain) ?? 0) > 0) return false;
  }
  for (const { domains, selectsItself } of resolved.affinity) {
    const domain = st.labels[domains.topologyKey];
    const matchInDomain = domain !== undefined && (domains.counts.get(domain) ?? 0) > 0;
    // A pod whose affinity selects itself may start a group when no matching pod exists anywhere.
    if (!matchInDomain && !(domains.total === 0 && selectsItself)) return false;
  }
  return !index.heldOff(pod, st);
}
