/**
 * The topology checks a placement must pass, in both directions (see topology.ts): a subject's groups are sorted
 * once into the lists one scope looks at ({@link scopedChecks}), so that the check run for every candidate bin
 * ({@link topologyFailure}) only touches groups it needs, with what it can know in advance (whether the subject
 * counts towards its own spreads) already decided.
 */

import { sharedFailure, type TopologyFailure, type TopologyLocation, type TopologySubject } from "./topology.js";
import type { TopologyGroup } from "./topology-group.js";

/** Which groups a check looks at: all, only label-value domains, or only hostname groups. */
export type TopologyScope = "all" | "domain" | "host";

/** A subject's groups in one scope, in the order the checks visit them. */
export interface ScopedChecks {
  /** Spreads enforced now, with whether the subject itself counts towards each (1 or 0). */
  readonly spreads: readonly TopologyGroup[];
  readonly spreadSelf: readonly number[];
  /** Pod affinity terms enforced now. */
  readonly affinities: readonly TopologyGroup[];
  /** Every enforced affinity term (in any scope) selects the subject: it may start its own domain. */
  readonly affinitySelfAll: boolean;
  /** Every enforced affinity term, in any scope (their totals decide whether a first pod may start a domain). */
  readonly allAffinities: readonly TopologyGroup[];
  /** Anti-affinity terms enforced now. */
  readonly antis: readonly TopologyGroup[];
  /** Groups selecting the subject whose owners it must not break (anti-affinity and spreads). */
  readonly inverse: readonly TopologyGroup[];
}

function inScope(g: TopologyGroup, scope: TopologyScope): boolean {
  return scope === "all" || (scope === "host") === g.hostname;
}

/** The subject's groups the checks of `scope` look at. */
export function scopedChecks(s: TopologySubject, scope: TopologyScope): ScopedChecks {
  const spreads = s.spreads.filter((g) => inScope(g, scope));
  return {
    spreads,
    spreadSelf: spreads.map((g) => (g.selects(s.namespace, s.labels) ? 1 : 0)),
    affinities: s.affinities.filter((g) => inScope(g, scope)),
    affinitySelfAll: s.affinities.every((a) => a.selects(s.namespace, s.labels)),
    allAffinities: s.affinities,
    antis: s.antis.filter((g) => inScope(g, scope)),
    inverse: s.matched.filter((g) => inScope(g, scope) && (g.kind === "anti" || g.kind === "spread")),
  };
}

/** Count of pods matching `g` at the location. */
function countAt(g: TopologyGroup, loc: TopologyLocation): number {
  if (g.hostname) return loc.bin === undefined ? 0 : g.hostCount(loc.bin);
  const d = loc.domain(g.key);
  return d === undefined ? 0 : g.count(d);
}

function ownersAt(g: TopologyGroup, loc: TopologyLocation): number {
  if (g.hostname) return loc.bin === undefined ? 0 : g.hostOwnersOf(loc.bin);
  const d = loc.domain(g.key);
  return d === undefined ? 0 : g.owners(d);
}

/** Whether no enforced affinity term has a matching pod anywhere yet, and all select the subject. */
function mayBootstrap(c: ScopedChecks): boolean {
  if (!c.affinitySelfAll) return false;
  for (const a of c.allAffinities) if (a.total !== 0) return false;
  return true;
}

/** The first topology rule the subject would break at the location, or undefined. */
export function topologyFailure(c: ScopedChecks, loc: TopologyLocation): TopologyFailure | undefined {
  const spreads = c.spreads;
  for (let i = 0; i < spreads.length; i++) {
    const g = spreads[i];
    let count: number;
    if (g.hostname) count = loc.bin === undefined ? 0 : g.hostCount(loc.bin);
    else {
      const d = loc.domain(g.key);
      if (d === undefined) return sharedFailure(g, "spread-missing-label");
      count = g.count(d);
    }
    if (count + c.spreadSelf[i] - g.minCount() > g.maxSkew) return sharedFailure(g, "spread-skew");
  }
  if (c.affinities.length > 0) {
    let bootstrap: boolean | undefined;
    for (const g of c.affinities) {
      if (!g.hostname && loc.domain(g.key) === undefined) return sharedFailure(g, "affinity-missing-label");
      if (countAt(g, loc) > 0) continue;
      bootstrap ??= mayBootstrap(c);
      if (!bootstrap) return sharedFailure(g, "affinity-no-match");
    }
  }
  for (const g of c.antis) if (countAt(g, loc) > 0) return sharedFailure(g, "anti-affinity");
  for (const g of c.inverse) {
    if (g.kind === "anti") {
      if (ownersAt(g, loc) > 0) return sharedFailure(g, "inverse-anti-affinity");
    } else if (ownersAt(g, loc) > 0 && loc.eligible(g) && countAt(g, loc) + 1 - g.minCount() > g.maxSkew) {
      return sharedFailure(g, "inverse-spread");
    }
  }
  return undefined;
}
