/**
 * One topology group: the pods a topology spread constraint, pod affinity term or pod anti-affinity term counts
 * (namespaces × label selector), with per-domain counts. Groups are de-duplicated, so every pod with the same term
 * shares one set of counts (Karpenter's `TopologyGroup`).
 *
 * Domains: for `kubernetes.io/hostname` a domain is one node (a bin id); for any other key it is a label value.
 * `owners` counts the pods placed in each domain that own a hard version of the group (DoNotSchedule spread,
 * required anti-affinity): a later pod matching the selector must not break their constraint ("inverse" checks).
 */

import type { Toleration } from "../../core/kube-objects.js";
import { LABEL_HOSTNAME } from "../../core/well-known.js";
import type { CompiledSelector } from "../primitives/label-selector.js";
import type { Requirements } from "../primitives/requirements.js";

/** What the group constrains. */
export type TopologyKind = "spread" | "affinity" | "anti";

/** Constructor data of a {@link TopologyGroup}. */
export interface TopologyGroupSpec {
  kind: TopologyKind;
  key: string;
  /** Namespaces whose pods count; undefined = every namespace. */
  namespaces: ReadonlySet<string> | undefined;
  selector: CompiledSelector;
  /** Spread only. @default 1 */
  maxSkew?: number;
  /** Spread only. @default unset */
  minDomains?: number;
  /** Spread with nodeAffinityPolicy Honor: alternatives (OR) a node must match to count as a domain. */
  nodeFilter?: Requirements[];
  /** Spread with nodeTaintsPolicy Honor: the owner's tolerations (nodes with untolerated taints do not count). */
  taintFilter?: readonly Toleration[];
}

/** Counts for one group. */
export class TopologyGroup {
  readonly id: number;
  readonly kind: TopologyKind;
  readonly key: string;
  readonly hostname: boolean;
  readonly namespaces: ReadonlySet<string> | undefined;
  readonly selector: CompiledSelector;
  readonly maxSkew: number;
  readonly minDomains: number | undefined;
  readonly nodeFilter: Requirements[] | undefined;
  readonly taintFilter: readonly Toleration[] | undefined;
  /** Domains a spread's minimum is taken over (non-hostname keys); filled by the registry. */
  universe: string[] = [];
  /** Matching pods per label-value domain. */
  private readonly domainCounts = new Map<string, number>();
  /** Matching pods per bin (hostname key). */
  private hostCounts: Int32Array = new Int32Array(64);
  /** Owners (hard constraint holders placed by this plan or, for anti-affinity, already running) per domain. */
  private readonly domainOwners = new Map<string, number>();
  private hostOwners: Int32Array = new Int32Array(64);
  /** Matching pods anywhere (including nodes Stevedore cannot place onto). */
  total = 0;
  /** Bins with a positive count (hostname groups). */
  occupied = 0;
  /** Hostname anti-affinity groups: ids of bins that may still have a zero count (pruned lazily by the packer). */
  freeBins: number[] = [];

  constructor(id: number, spec: TopologyGroupSpec) {
    this.id = id;
    this.kind = spec.kind;
    this.key = spec.key;
    this.hostname = spec.key === LABEL_HOSTNAME;
    this.namespaces = spec.namespaces;
    this.selector = spec.selector;
    this.maxSkew = spec.maxSkew ?? 1;
    this.minDomains = spec.minDomains;
    this.nodeFilter = spec.nodeFilter;
    this.taintFilter = spec.taintFilter;
  }

  /** Whether a pod with this namespace and labels is counted by the group. */
  selects(namespace: string, labels: Record<string, string> | undefined): boolean {
    if (this.namespaces && !this.namespaces.has(namespace)) return false;
    return this.selector.matches(labels);
  }

  /** Matching pods in a label-value domain. */
  count(domain: string): number {
    return this.domainCounts.get(domain) ?? 0;
  }

  /** Matching pods on a bin. */
  hostCount(bin: number): number {
    return bin < this.hostCounts.length ? this.hostCounts[bin] : 0;
  }

  /** Owners in a label-value domain. */
  owners(domain: string): number {
    return this.domainOwners.get(domain) ?? 0;
  }

  /** Owners on a bin. */
  hostOwnersOf(bin: number): number {
    return bin < this.hostOwners.length ? this.hostOwners[bin] : 0;
  }

  /** Records a matching pod in a domain (`bin` for hostname groups; `domain` otherwise; neither = elsewhere). */
  addCount(domain: string | undefined, bin: number | undefined, delta = 1): void {
    this.total += delta;
    if (this.hostname) {
      if (bin === undefined) return;
      this.hostCounts = ensure(this.hostCounts, bin);
      const before = this.hostCounts[bin];
      this.hostCounts[bin] += delta;
      if (before === 0 && this.hostCounts[bin] > 0) this.occupied++;
      else if (before > 0 && this.hostCounts[bin] === 0) {
        this.occupied--;
        if (this.kind === "anti") this.freeBins.push(bin);
      }
    } else if (domain !== undefined) {
      this.domainCounts.set(domain, (this.domainCounts.get(domain) ?? 0) + delta);
    }
  }

  /** Records an owner in a domain. */
  addOwner(domain: string | undefined, bin: number | undefined, delta = 1): void {
    if (this.hostname) {
      if (bin === undefined) return;
      this.hostOwners = ensure(this.hostOwners, bin);
      this.hostOwners[bin] += delta;
    } else if (domain !== undefined) {
      this.domainOwners.set(domain, (this.domainOwners.get(domain) ?? 0) + delta);
    }
  }

  /**
   * The global minimum a spread is measured against: 0 for hostname (a new node can always be opened), 0 when fewer
   * than `minDomains` domains are eligible, else the smallest count over the eligible domains.
   */
  minCount(): number {
    if (this.hostname) return 0;
    if (this.minDomains !== undefined && this.universe.length < this.minDomains) return 0;
    let min = Number.POSITIVE_INFINITY;
    for (const d of this.universe) {
      const c = this.domainCounts.get(d) ?? 0;
      if (c < min) min = c;
      if (min === 0) return 0;
    }
    return min === Number.POSITIVE_INFINITY ? 0 : min;
  }

  /** Short description for messages, e.g. `zone, maxSkew 1`. */
  describe(): string {
    const short = this.key.slice(this.key.lastIndexOf("/") + 1);
    if (this.kind === "spread") return `${short}, maxSkew ${this.maxSkew}`;
    return `${short}, selector ${this.selector.key}`;
  }
}

function ensure(arr: Int32Array, index: number): Int32Array {
  if (index < arr.length) return arr;
  let n = arr.length;
  while (n <= index) n *= 2;
  const next = new Int32Array(n);
  next.set(arr);
  return next;
}
