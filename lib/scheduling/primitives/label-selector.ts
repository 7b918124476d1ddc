/**
 * Kubernetes label selectors (`matchLabels` AND `matchExpressions`), compiled once for repeated matching.
 * A missing selector matches nothing (as in pod affinity terms); an empty selector `{}` matches everything.
 */
import type { LabelSelector } from "../../core/kube-objects.js";

/** A compiled label selector. */
export interface CompiledSelector {
  /** Canonical text (for de-duplicating topology groups). */
  readonly key: string;
  matches(labels: Record<string, string> | undefined): boolean;
}

/** A selector term Stevedore cannot evaluate. */
export class InvalidSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidSelectorError";
  }
}

type Test = (labels: Record<string, string>) => boolean;

const NOTHING: CompiledSelector = { key: "<none>", matches: () => false };

/**
 * Compiles a selector. `extraLabels` are ANDed as `matchLabels` (how `matchLabelKeys` of topology spread and pod
 * affinity add the owner pod's own label values).
 */
export function compileSelector(
  selector: LabelSelector | undefined | null,
  extraLabels: Record<string, string> = {},
): CompiledSelector {
  if (!selector) return NOTHING;
  const tests: Test[] = [];
  const parts: string[] = [];
  const matchLabels: Record<string, string> = { ...(selector.matchLabels ?? {}), ...extraLabels };
  for (const k of Object.keys(matchLabels).sort()) {
    const v = matchLabels[k];
    tests.push((l) => l[k] === v);
    parts.push(`${k}=${v}`);
  }
  const exprs = [...(selector.matchExpressions ?? [])];
  for (const e of exprs) {
    const values = [...(e.values ?? [])].sort();
    const set = new Set(values);
    const k = e.key;
    switch (e.operator) {
      case "In":
        tests.push((l) => l[k] !== undefined && set.has(l[k]));
        break;
      case "NotIn":
        tests.push((l) => l[k] === undefined || !set.has(l[k]));
        break;
      case "Exists":
        tests.push((l) => l[k] !== undefined);
        break;
      case "DoesNotExist":
        tests.push((l) => l[k] === undefined);
        break;
      default:
        throw new InvalidSelectorError(
          `label selector expression on ${JSON.stringify(k)}: operator ${JSON.stringify(e.operator)} is not one of In, NotIn, Exists, DoesNotExist`,
        );
    }
    parts.push(`${k} ${e.operator} ${values.join(",")}`);
  }
  parts.sort();
  const key = `{${parts.join(";")}}`;
  if (tests.length === 0) return { key, matches: () => true };
  if (tests.length === 1) {
    const t = tests[0];
    return { key, matches: (l) => t(l ?? {}) };
  }
  return {
    key,
    matches: (l) => {
      const labels = l ?? {};
      for (const t of tests) if (!t(labels)) return false;
      return true;
    },
  };
}

/** A selector matching what every one of `selectors` matches. */
export function allOf(selectors: readonly CompiledSelector[]): CompiledSelector {
  if (selectors.length === 1) return selectors[0];
  return {
    key: `all(${selectors.map((x) => x.key).join("&")})`,
    matches: (labels) => selectors.every((x) => x.matches(labels)),
  };
}

const compiledSelectors = new WeakMap<LabelSelector, CompiledSelector>();

/**
 * Whether `labels` satisfy `selector`, compiling each selector object once. A missing selector, and one Stevedore
 * cannot evaluate (an unknown operator), match nothing.
 */
export function selectorMatches(
  selector: LabelSelector | undefined | null,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  let compiled = compiledSelectors.get(selector);
  if (!compiled) {
    try {
      compiled = compileSelector(selector);
    } catch (err) {
      if (!(err instanceof InvalidSelectorError)) throw err;
      compiled = NOTHING;
    }
    compiledSelectors.set(selector, compiled);
  }
  return compiled.matches(labels);
}
