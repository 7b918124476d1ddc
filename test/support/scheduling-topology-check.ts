/**
 * Topology checks of the independent placement checker over the final cluster (existing + new nodes): required
 * anti-affinity both ways, DoNotSchedule spreads as if each planned pod were bound last, and required pod affinity
 * satisfiable in some binding order (kube-scheduler's self-affinity bootstrap included).
 */
import type { LabelSelector, Pod, PodAffinityTerm, Taint } from "../../lib/core/kube-objects.js";
import { hardTaintsTolerated, name, nodeSelectionMatches, ns, selectorMatches } from "./scheduling-kube.js";

const HOSTNAME = "kubernetes.io/hostname";

/** A node of the final cluster. */
export interface FinalNode {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
  /** Pods already there. */
  running: Pod[];
  /** Pods the plan puts there. */
  planned: Pod[];
  isNew: boolean;
}

/** Reports one violation. */
export type Report = (rule: string, message: string, extra?: { node?: string; pod?: string }) => void;

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

/** Checks topology over the final cluster; `nsLabels` resolves namespaceSelector when given. */
export function checkTopology(
  nodes: FinalNode[],
  v: Report,
  nsLabels: Record<string, Record<string, string>> | undefined,
): void {
  namespaceLabels = nsLabels;
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
