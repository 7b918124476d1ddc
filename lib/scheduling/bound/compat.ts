/**
 * Minimal pod-vs-node compatibility for the cost lower bound ({@link ./lower-bound.ts}): node selectors and
 * required node affinity evaluated against a node's possible labels (tolerations, label selectors and which pods
 * are planned come from the packer's own rules). Answers are three-valued so callers can choose to over-approximate (`"maybe"` counts as a match
 * when deciding where a pod may run) or under-approximate (`"maybe"` does not count when deciding which
 * DaemonSets certainly run on a node). Pure: no I/O.
 */
import type { NodeSelectorRequirementJson, PodSpec } from "../../core/kube-objects.js";

/** Three-valued match result. */
export type Match = "yes" | "no" | "maybe";

/**
 * What a node's label `key` can be: `absent` (certainly no such label), a finite set of possible values
 * (exactly one of which the node will carry), or `unknown` (anything, including absent).
 */
export type LabelDomain = { kind: "absent" } | { kind: "values"; values: ReadonlySet<string> } | { kind: "unknown" };

/** The possible labels of a node. */
export type NodeLabelView = (key: string) => LabelDomain;

const ABSENT: LabelDomain = { kind: "absent" };
const UNKNOWN: LabelDomain = { kind: "unknown" };

/**
 * A label view over fixed labels, with extra possible values per key (e.g. a NodePool requirement `In [a, b]`
 * on a key the node does not fix) and a rule for keys in neither: `absent` when `absentUnlessKnown(key)` says so,
 * else `unknown`.
 */
export function labelView(
  fixed: Readonly<Record<string, string>>,
  possible: ReadonlyMap<string, LabelDomain> = new Map(),
  absentUnlessKnown: (key: string) => boolean = () => true,
): NodeLabelView {
  return (key) => {
    const v = fixed[key];
    if (v !== undefined) return { kind: "values", values: new Set([v]) };
    const p = possible.get(key);
    if (p) return p;
    return absentUnlessKnown(key) ? ABSENT : UNKNOWN;
  };
}

function and(a: Match, b: Match): Match {
  if (a === "no" || b === "no") return "no";
  return a === "maybe" || b === "maybe" ? "maybe" : "yes";
}

function or(a: Match, b: Match): Match {
  if (a === "yes" || b === "yes") return "yes";
  return a === "maybe" || b === "maybe" ? "maybe" : "no";
}

function countOf(values: Iterable<string>, pred: (v: string) => boolean): [number, number] {
  let hit = 0;
  let total = 0;
  for (const v of values) {
    total++;
    if (pred(v)) hit++;
  }
  return [hit, total];
}

function fromCounts(hit: number, total: number): Match {
  if (hit === 0) return "no";
  return hit === total ? "yes" : "maybe";
}

function numeric(v: string): number | undefined {
  if (!/^-?[0-9]+$/.test(v)) return undefined;
  return Number(v);
}

/** Evaluates one node selector requirement (In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte, Lte). */
export function matchRequirement(req: NodeSelectorRequirementJson, view: NodeLabelView): Match {
  const domain = view(req.key);
  if (domain.kind === "unknown") return "maybe";
  const values = req.values ?? [];
  if (domain.kind === "absent") {
    return req.operator === "NotIn" || req.operator === "DoesNotExist" ? "yes" : "no";
  }
  const possible = domain.values;
  const bound = numeric(values[0] ?? "");
  switch (req.operator) {
    case "In":
      return fromCounts(...countOf(possible, (v) => values.includes(v)));
    case "NotIn":
      return fromCounts(...countOf(possible, (v) => !values.includes(v)));
    case "Exists":
      return "yes";
    case "DoesNotExist":
      return "no";
    case "Gt":
    case "Lt":
    case "Gte":
    case "Lte": {
      if (bound === undefined) return "no";
      const cmp = (v: string) => {
        const n = numeric(v);
        if (n === undefined) return false;
        if (req.operator === "Gt") return n > bound;
        if (req.operator === "Lt") return n < bound;
        if (req.operator === "Gte") return n >= bound;
        return n <= bound;
      };
      return fromCounts(...countOf(possible, cmp));
    }
    default:
      return "maybe";
  }
}

/** AND of requirements (an empty list matches). */
export function matchRequirements(reqs: readonly NodeSelectorRequirementJson[], view: NodeLabelView): Match {
  let out: Match = "yes";
  for (const r of reqs) {
    out = and(out, matchRequirement(r, view));
    if (out === "no") return out;
  }
  return out;
}

/**
 * Whether a pod's `nodeSelector` and required node affinity (OR of terms, each an AND of match expressions) can
 * be satisfied by the node. A term with only `matchFields` counts as `maybe`.
 */
export function matchNodeSelection(spec: PodSpec, view: NodeLabelView): Match {
  const selector = Object.entries(spec.nodeSelector ?? {}).map(([key, v]) => ({ key, operator: "In", values: [v] }));
  let out = matchRequirements(selector, view);
  if (out === "no") return out;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0) {
    let any: Match = "no";
    for (const t of terms) {
      let m = matchRequirements(t.matchExpressions ?? [], view);
      if ((t.matchFields ?? []).length > 0) m = and(m, "maybe");
      any = or(any, m);
      if (any === "yes") break;
    }
    out = and(out, any);
  }
  return out;
}

/** A stable key for everything that decides where a pod may run (selector, required affinity, tolerations). */
export function placementKey(spec: PodSpec): string {
  return JSON.stringify([
    spec.nodeSelector ?? null,
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null,
    spec.tolerations ?? null,
  ]);
}

export { ABSENT, UNKNOWN };
