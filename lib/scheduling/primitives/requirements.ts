/**
 * Karpenter's requirements algebra (`pkg/scheduling/requirement.go`, `requirements.go`): a requirement is a set of
 * label values with a complement flag plus optional integer bounds; requirements are a map key → requirement where
 * adding intersects. Pure and immutable: every operation returns new objects.
 */
import { normalizeLabelKey } from "../../api/labels.js";
import type { NodeSelectorRequirementJson } from "../../core/kube-objects.js";
import { WELL_KNOWN_LABELS } from "../../core/well-known.js";

/** Node selector operators as Kubernetes and Karpenter spell them. */
export type RequirementOperator = "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";

const EMPTY: ReadonlySet<string> = new Set();

/** One key's allowed values: `complement` = "every value except `values`", bounded by `gt < v < lt` if set. */
export class Requirement {
  readonly key: string;
  readonly complement: boolean;
  readonly values: ReadonlySet<string>;
  /** Exclusive lower bound (`Gt n`; `Gte n` is stored as `Gt n-1`). */
  readonly gt: number | undefined;
  /** Exclusive upper bound (`Lt n`; `Lte n` is stored as `Lt n+1`). */
  readonly lt: number | undefined;
  /** Cached canonical text. */
  private sig: string | undefined;

  constructor(key: string, complement: boolean, values: ReadonlySet<string>, gt?: number, lt?: number) {
    this.key = key;
    this.complement = complement;
    this.gt = gt;
    this.lt = lt;
    if (!complement && (gt !== undefined || lt !== undefined) && values.size > 0) {
      const kept = new Set<string>();
      for (const v of values) if (withinBounds(v, gt, lt)) kept.add(v);
      this.values = kept;
    } else {
      this.values = values;
    }
  }

  /** Builds a requirement from operator form (key aliases normalised). */
  static of(key: string, operator: string, values: readonly string[] = []): Requirement {
    const k = normalizeLabelKey(key);
    switch (operator) {
      case "In":
        return new Requirement(k, false, new Set(values));
      case "NotIn":
        return new Requirement(k, true, new Set(values));
      case "Exists":
        return new Requirement(k, true, EMPTY);
      case "DoesNotExist":
        return new Requirement(k, false, EMPTY);
      case "Gt":
        return new Requirement(k, true, EMPTY, parseBound(key, values));
      case "Gte":
        return new Requirement(k, true, EMPTY, parseBound(key, values) - 1);
      case "Lt":
        return new Requirement(k, true, EMPTY, undefined, parseBound(key, values));
      case "Lte":
        return new Requirement(k, true, EMPTY, undefined, parseBound(key, values) + 1);
      default:
        throw new UnsupportedOperatorError(key, operator);
    }
  }

  /** Whether `value` is allowed. */
  has(value: string): boolean {
    if (!withinBounds(value, this.gt, this.lt)) return false;
    return this.complement ? !this.values.has(value) : this.values.has(value);
  }

  /** Whether a node without this label satisfies the requirement (kube semantics: only NotIn and DoesNotExist). */
  allowsMissing(): boolean {
    const op = this.operator();
    return op === "NotIn" || op === "DoesNotExist";
  }

  /** Number of allowed values (`Infinity` for complements). */
  size(): number {
    if (this.complement) return Number.POSITIVE_INFINITY;
    return this.values.size;
  }

  /** The operator this requirement reads as. */
  operator(): RequirementOperator {
    if (this.complement) {
      if (this.values.size > 0) return "NotIn";
      if (this.gt !== undefined) return "Gt";
      if (this.lt !== undefined) return "Lt";
      return "Exists";
    }
    return this.values.size > 0 ? "In" : "DoesNotExist";
  }

  /** The intersection (both must hold). */
  intersect(other: Requirement): Requirement {
    const gt = maxDefined(this.gt, other.gt);
    const lt = minDefined(this.lt, other.lt);
    if (gt !== undefined && lt !== undefined && gt >= lt - 1) return new Requirement(this.key, false, EMPTY);
    let complement: boolean;
    let values: Set<string>;
    if (this.complement && other.complement) {
      complement = true;
      values = new Set(this.values);
      for (const v of other.values) values.add(v);
    } else if (this.complement) {
      complement = false;
      values = new Set();
      for (const v of other.values) if (!this.values.has(v)) values.add(v);
    } else if (other.complement) {
      complement = false;
      values = new Set();
      for (const v of this.values) if (!other.values.has(v)) values.add(v);
    } else {
      complement = false;
      values = new Set();
      for (const v of this.values) if (other.values.has(v)) values.add(v);
    }
    return new Requirement(this.key, complement, values, gt, lt);
  }

  /** Karpenter's `Intersects` rule for one key: some value in common, or both sides forbid the label. */
  intersects(other: Requirement): boolean {
    if (this.intersect(other).size() > 0) return true;
    return this.allowsMissing() && other.allowsMissing();
  }

  /** Sorted allowed values (for `In`), empty for complements. */
  sortedValues(): string[] {
    return [...this.values].sort();
  }

  /** A value the requirement allows, deterministic (`In`: the smallest; bounds: the smallest integer above). */
  anyValue(): string | undefined {
    if (!this.complement) return this.values.size > 0 ? this.sortedValues()[0] : undefined;
    if (this.gt !== undefined) {
      const v = String(this.gt + 1);
      return this.has(v) ? v : undefined;
    }
    if (this.lt !== undefined) {
      const v = String(Math.min(this.lt - 1, 0));
      return this.has(v) ? v : undefined;
    }
    return undefined;
  }

  /** Canonical text (used as a cache key). */
  signature(): string {
    if (this.sig === undefined) {
      this.sig = `${this.key}${this.complement ? "!" : "="}${this.sortedValues().join(",")}${
        this.gt !== undefined ? `>${this.gt}` : ""
      }${this.lt !== undefined ? `<${this.lt}` : ""}`;
    }
    return this.sig;
  }

  /** Human-readable form, e.g. `karpenter.sh/capacity-type In [on-demand]`. */
  describe(): string {
    const op = this.operator();
    switch (op) {
      case "In":
      case "NotIn":
        return `${this.key} ${op} [${this.sortedValues().join(", ")}]`;
      case "Gt":
        return `${this.key} Gt ${this.gt}${this.lt !== undefined ? ` and Lt ${this.lt}` : ""}`;
      case "Lt":
        return `${this.key} Lt ${this.lt}`;
      default:
        return `${this.key} ${op}`;
    }
  }

  /** The allowed values as a reader sees them (`[a, b]`, `any`, `any except [a]`, `none`). */
  describeValues(): string {
    const op = this.operator();
    if (op === "In") return `[${this.sortedValues().join(", ")}]`;
    if (op === "NotIn") return `any except [${this.sortedValues().join(", ")}]`;
    if (op === "DoesNotExist") return "none (label must be absent)";
    if (op === "Gt" || op === "Lt") return this.describe().slice(this.key.length + 1);
    return "any";
  }
}

/** A requirement operator Stevedore cannot evaluate. */
export class UnsupportedOperatorError extends Error {
  constructor(
    readonly key: string,
    readonly operator: string,
  ) {
    super(
      `requirement on ${JSON.stringify(key)}: operator ${JSON.stringify(operator)} is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt`,
    );
    this.name = "UnsupportedOperatorError";
  }
}

function parseBound(key: string, values: readonly string[]): number {
  const n = values.length === 1 ? Number(values[0]) : Number.NaN;
  if (!Number.isInteger(n)) {
    throw new UnsupportedOperatorError(key, `Gt/Lt with values ${JSON.stringify(values)} (needs one integer)`);
  }
  return n;
}

function withinBounds(value: string, gt: number | undefined, lt: number | undefined): boolean {
  if (gt === undefined && lt === undefined) return true;
  const n = Number(value);
  if (!Number.isInteger(n) || value.trim() === "") return false;
  if (gt !== undefined && n <= gt) return false;
  if (lt !== undefined && n >= lt) return false;
  return true;
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Why two sets of requirements cannot hold together, for messages. */
export interface Incompatibility {
  key: string;
  /** The incoming side (usually the pod's requirement). */
  incoming: Requirement;
  /** The existing side (pool/node), absent when the key is undefined there. */
  existing?: Requirement;
}

/** A map key → requirement; `with` intersects. Immutable. */
export class Requirements {
  private readonly map: ReadonlyMap<string, Requirement>;
  private sig: string | undefined;

  constructor(map: ReadonlyMap<string, Requirement> = new Map()) {
    this.map = map;
  }

  static readonly EMPTY = new Requirements();

  /** Requirements from node selector requirements (Karpenter's `NewNodeSelectorRequirements`). */
  static fromSelectorRequirements(reqs: readonly NodeSelectorRequirementJson[]): Requirements {
    return Requirements.EMPTY.withAll(reqs.map((r) => Requirement.of(r.key, r.operator, r.values ?? [])));
  }

  /** Requirements pinning each label to its value (`In [value]`). */
  static fromLabels(labels: Record<string, string>): Requirements {
    return Requirements.EMPTY.withAll(Object.entries(labels).map(([k, v]) => Requirement.of(k, "In", [v])));
  }

  get(key: string): Requirement | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<Requirement> {
    return this.map.values();
  }

  get size(): number {
    return this.map.size;
  }

  /** Adds one requirement, intersecting with an existing one on the same key. */
  with(req: Requirement): Requirements {
    const prev = this.map.get(req.key);
    const next = new Map(this.map);
    next.set(req.key, prev ? prev.intersect(req) : req);
    return new Requirements(next);
  }

  /** Adds many requirements (intersecting). */
  withAll(reqs: Iterable<Requirement>): Requirements {
    const next = new Map(this.map);
    for (const req of reqs) {
      const prev = next.get(req.key);
      next.set(req.key, prev ? prev.intersect(req) : req);
    }
    return new Requirements(next);
  }

  /** The intersection of both maps. */
  intersect(other: Requirements): Requirements {
    if (other.size === 0) return this;
    if (this.size === 0) return other;
    return this.withAll(other.values());
  }

  /**
   * Karpenter's `Intersects`: every key defined on both sides must share a value, unless both sides forbid the
   * label (NotIn/DoesNotExist). Returns the first conflict, or undefined.
   */
  intersectsError(incoming: Requirements): Incompatibility | undefined {
    const [small, large] = this.size <= incoming.size ? [this, incoming] : [incoming, this];
    for (const key of small.keys()) {
      const a = large.get(key);
      if (!a) continue;
      const existing = this.get(key) as Requirement;
      const inc = incoming.get(key) as Requirement;
      if (!existing.intersects(inc)) return { key, incoming: inc, existing };
    }
    return undefined;
  }

  /**
   * Karpenter's `Compatible` (this = pool/node side, `incoming` = pod side): keys the incoming side requires but this
   * side does not define are allowed only for well-known labels or NotIn/DoesNotExist; shared keys must intersect.
   */
  compatibleError(incoming: Requirements): Incompatibility | undefined {
    for (const req of incoming.values()) {
      if (this.map.has(req.key)) continue;
      if (WELL_KNOWN_LABELS.has(req.key) || req.allowsMissing()) continue;
      return { key: req.key, incoming: req };
    }
    return this.intersectsError(incoming);
  }

  /** Whether every requirement holds for a node with exactly these labels (kube semantics). */
  matchesLabels(labels: Record<string, string>): boolean {
    for (const req of this.map.values()) {
      const v = labels[req.key];
      if (v === undefined ? !req.allowsMissing() : !req.has(v)) return false;
    }
    return true;
  }

  /** The first requirement a node with these labels violates. */
  labelMismatch(labels: Record<string, string>): Requirement | undefined {
    for (const req of this.map.values()) {
      const v = labels[req.key];
      if (v === undefined ? !req.allowsMissing() : !req.has(v)) return req;
    }
    return undefined;
  }

  /** Whether some key has no allowed value while being required to exist. */
  hasEmptyKey(): boolean {
    for (const r of this.map.values()) if (r.size() === 0 && !r.allowsMissing()) return true;
    return false;
  }

  /** Canonical text (cache key). */
  signature(): string {
    if (this.sig === undefined) {
      const parts: string[] = [];
      for (const r of this.map.values()) parts.push(r.signature());
      parts.sort();
      this.sig = parts.join("|");
    }
    return this.sig;
  }

  /** Human-readable list. */
  describe(): string {
    return [...this.map.values()].map((r) => r.describe()).join(", ");
  }
}

/** Formats an incompatibility as `requires K Op [v], pool allows [..]` (`side` names the existing side). */
export function describeIncompatibility(inc: Incompatibility, side = "pool"): string {
  if (!inc.existing) return `requires ${inc.incoming.describe()}, ${side} does not set label ${inc.key}`;
  return `requires ${inc.incoming.describe()}, ${side} allows ${inc.existing.describeValues()}`;
}
