/**
 * Placing one pod: first-fit into free capacity of existing nodes and of bins already opened (up to their target
 * type), else a new bin in the heaviest pool that can take it, targeting the most cost-efficient type (targets.ts).
 * Every candidate passes requirements, taints, host ports, topology (forward and inverse) and pool limits.
 */

import { chooseTarget, computeEfficiency } from "../cost/targets.js";
import type { HostPort } from "../primitives/host-ports.js";
import { firstUntolerated } from "../primitives/taints.js";
import { Bin, pendingLocation } from "./bin.js";
import { type BinGroup, groupsVersion, type TypeEntry } from "./bin-group.js";
import { FitCursors, resumable } from "./fit-cursors.js";
import { LimitReclaimer } from "./limit-reclaim.js";
import { balanceScore, type Pair, pairBefore } from "./pair-order.js";
import { type Effective, effectiveOf, INITIAL_RELAX, type RelaxState } from "./pod-class.js";
import type { PoolState } from "./pool-state.js";
import { fitsIn } from "./resource-dims.js";
import type { PodState, SolveContext } from "./solve-context.js";
import { recordPlacement, type TopologyFailure, type TopologyLocation } from "./topology.js";
import { topologyFailure } from "./topology-checks.js";
import type { TopologyGroup } from "./topology-group.js";

const MAX_PIN_CANDIDATES = 32;
/** Bins per group examined for growth (the last resort of placement). */
const GROW_CANDIDATES = 64;

const DEMAND_RELAX: RelaxState = { ...INITIAL_RELAX, tolerateSoftTaints: true };

/** Per-solve placement state and caches. */
export class Placer {
  private readonly ctx: SolveContext;
  private readonly compatCache = new WeakMap<Effective, Map<number, BinGroup | null>>();
  private readonly groupDemand = new Map<number, Float64Array>();
  private readonly pinCache = new WeakMap<Effective, Map<number, BinGroup[]>>();
  private readonly pairCache = new WeakMap<Effective, { version: number; pairs: Pair[] }>();
  private readonly scratchPairs: Pair[] = [];
  /** Where first-fit resumes per constraints and pair (rejections during placement are permanent). */
  private readonly cursors = new FitCursors();
  /** The last topology failure `accepts` met (recorded in the cursor of the search in progress). */
  private lastHostFailure: TopologyFailure | undefined;
  /** The search in progress (so the slot filter below is allocated once, not per pod). */
  private current: { ps: PodState; e: Effective; g: BinGroup; p: BinGroup } | undefined;
  private readonly acceptSlot = (slot: number): boolean => {
    const c = this.current as { ps: PodState; e: Effective; g: BinGroup; p: BinGroup };
    return this.accepts(c.ps, c.e, c.g.slots[slot] as Bin, c.p);
  };
  /** Early right-sizing of open bins when a pool's limits are full. */
  private readonly reclaimer: LimitReclaimer;
  /** Per class: its requirements with every soft constraint kept (for demand estimates). */
  private classReqs: Effective[] | undefined;

  constructor(ctx: SolveContext) {
    this.ctx = ctx;
    this.reclaimer = new LimitReclaimer(ctx.pools.length);
  }

  /** Tries to place the pod at its current relaxation level. */
  place(ps: PodState, e: Effective): boolean {
    return this.placeInOpenBins(ps, e) || this.openBin(ps, e) || this.growBin(ps, e);
  }

  /** The group a bin of `group` moves to when it takes a pod with these constraints, or null if it cannot. */
  compat(e: Effective, group: BinGroup): BinGroup | null {
    let m = this.compatCache.get(e);
    if (!m) {
      m = new Map();
      this.compatCache.set(e, m);
    }
    const hit = m.get(group.id);
    if (hit !== undefined) return hit;
    let out: BinGroup | null = null;
    const cls = e.cls;
    if (!firstUntolerated(cls.tolerations, group.taints, { ignorePreferNoSchedule: e.ignorePreferNoSchedule })) {
      if (group.existing) {
        if (e.reqs.matchesLabels(group.labels ?? {})) out = group;
      } else if (e.reqs.size === 0) {
        out = group.entries.length > 0 ? group : null;
      } else if (group.pool && group.reqs.compatibleError(e.reqs) === undefined) {
        const next = this.ctx.groups.forPool(group.pool, group.reqs.intersect(e.reqs), group);
        out = next.entries.length > 0 ? next : null;
      }
    }
    m.set(group.id, out);
    return out;
  }

  /** Groups with every topology key of the pod pinned (cached per constraints and group). */
  pinCandidates(e: Effective, group: BinGroup): BinGroup[] {
    if (group.existing || e.pinKeys.length === 0) return [group];
    let m = this.pinCache.get(e);
    if (!m) {
      m = new Map();
      this.pinCache.set(e, m);
    }
    const hit = m.get(group.id);
    if (hit) return hit;
    let cands: BinGroup[] = [group];
    for (const key of e.pinKeys) {
      const next: BinGroup[] = [];
      for (const g of cands) {
        if (g.pinnedValue(key).known) {
          next.push(g);
          continue;
        }
        const { values, missing } = g.possibleValues(key);
        for (const v of values) {
          const p = this.ctx.groups.pin(g, key, v);
          if (p) next.push(p);
        }
        if (missing) {
          const p = this.ctx.groups.pin(g, key, undefined);
          if (p) next.push(p);
        }
      }
      cands = next.slice(0, MAX_PIN_CANDIDATES);
    }
    m.set(group.id, cands);
    return cands;
  }

  private placeInOpenBins(ps: PodState, e: Effective): boolean {
    const pairs = this.candidatePairs(ps, e);
    if (pairs.length === 0) return false;
    const blocker = this.crowdedAnti(e);
    if (blocker) return this.placeViaFreeList(ps, e, blocker, pairs);
    const resume = resumable(e);
    for (const { g, p } of pairs) {
      this.current = { ps, e, g, p };
      if (!resume) {
        const slot = g.index.findFirst(ps.vec, 0, this.acceptSlot);
        if (slot < 0) continue;
        this.commit(ps, e, g.slots[slot] as Bin, p);
        return true;
      }
      const cursor = this.cursors.get(e, g.id, p.id);
      if (cursor.failure) ps.topologyFailure = cursor.failure;
      this.lastHostFailure = cursor.failure;
      const slot = g.index.findFirst(ps.vec, cursor.from, this.acceptSlot);
      cursor.failure = this.lastHostFailure;
      if (slot < 0) {
        cursor.from = g.index.count;
        continue;
      }
      cursor.from = slot;
      this.commit(ps, e, g.slots[slot] as Bin, p);
      return true;
    }
    return false;
  }

  /**
   * Last resort (pods bound to a node by hostname affinity, or pools out of room for new nodes): let an open bin
   * grow past its target to the cheapest larger type that holds the pod too.
   */
  private growBin(ps: PodState, e: Effective): boolean {
    const need = ps.vec;
    const used = new Float64Array(need.length);
    for (const { g, p } of this.candidatePairs(ps, e, true)) {
      if (g.existing || !g.pool) continue;
      const pool = g.pool;
      // Most recent bins first, and only a few: this runs for pods nothing else could place.
      let examined = 0;
      for (let slot = g.slots.length - 1; slot >= 0 && examined < GROW_CANDIDATES; slot--) {
        const bin = g.slots[slot];
        if (!bin?.target) continue;
        examined++;
        if (!this.accepts(ps, e, bin, p)) continue;
        for (let k = 0; k < need.length; k++) used[k] = bin.used[k] + need[k];
        const old = bin.target;
        pool.useType(old.i, -1);
        const grown = p.entries.find((t) => fitsIn(used, t.cap) && pool.limitExceededBy(t.i) === undefined);
        if (!grown) {
          pool.useType(old.i, 1);
          continue;
        }
        pool.useType(grown.i, 1);
        const inOld = g.entryOf(grown.i);
        bin.target = inOld ?? grown;
        bin.cap = grown.cap;
        bin.refresh();
        this.cursors.invalidate();
        this.commit(ps, e, bin, p);
        bin.target = grown;
        return true;
      }
    }
    return false;
  }

  /** (current group, group after narrowing and pinning) pairs a pod may use, best first. */
  private candidatePairs(ps: PodState, e: Effective, includeFull = false): Pair[] {
    const version = groupsVersion();
    let cached = this.pairCache.get(e);
    if (!cached || cached.version !== version) {
      const structure: Pair[] = [];
      for (const g of this.ctx.groups.groups) {
        if (g.live === 0) continue;
        const g1 = this.compat(e, g);
        if (!g1) continue;
        for (const p of this.pinCandidates(e, g1)) {
          structure.push({ g, p, score: (g.existing ? 0 : 1e15) + (p !== g ? 1 : 0) });
        }
      }
      structure.sort((a, b) => a.score - b.score || a.g.id - b.g.id || a.p.id - b.p.id);
      cached = { version, pairs: structure };
      this.pairCache.set(e, cached);
    }
    const need = ps.vec;
    if (!e.topologyChecks) {
      if (includeFull || cached.pairs.every((x) => x.g.existing || fitsIn(need, x.g.maxCap))) return cached.pairs;
      return cached.pairs.filter((x) => x.g.existing || fitsIn(need, x.g.maxCap));
    }
    // Reused pair objects: this runs for every pod with topology terms.
    const scratch = this.scratchPairs;
    let n = 0;
    for (const x of cached.pairs) {
      if (!includeFull && !x.g.existing && !fitsIn(need, x.g.maxCap)) continue;
      const f = topologyFailure(e.checks.domain, pendingLocation(x.p));
      if (f) {
        ps.topologyFailure = f;
        continue;
      }
      const slot = scratch[n] ?? (scratch[n] = { g: x.g, p: x.p, score: 0 });
      slot.g = x.g;
      slot.p = x.p;
      slot.score = x.score + balanceScore(e, x.p) * 2;
      // insertion sort by (score, g.id, p.id)
      let i = n++;
      while (i > 0 && pairBefore(slot, scratch[i - 1])) {
        scratch[i] = scratch[i - 1];
        i--;
      }
      scratch[i] = slot;
    }
    return scratch.slice(0, n);
  }

  /** A hostname anti-affinity group of the pod that already occupies most bins (then scan its free bins). */
  private crowdedAnti(e: Effective): TopologyGroup | undefined {
    let best: TopologyGroup | undefined;
    for (const g of e.antis) {
      if (!g.hostname) continue;
      if (g.occupied * 2 > this.ctx.bins.length && (!best || g.occupied > best.occupied)) best = g;
    }
    return best;
  }

  /** First-fit over the bins the anti-affinity group does not occupy (compacting its free list on the way). */
  private placeViaFreeList(ps: PodState, e: Effective, blocker: TopologyGroup, pairs: Pair[]): boolean {
    const list = blocker.freeBins;
    const need = ps.vec;
    let w = 0;
    for (let r = 0; r < list.length; r++) {
      const id = list[r];
      if (blocker.hostCount(id) > 0) continue;
      if (w > 0 && list[w - 1] === id) continue;
      list[w++] = id;
      const bin = this.ctx.bins[id];
      if (bin.slot < 0 || bin.group.slots[bin.slot] !== bin) continue;
      let fits = true;
      for (let k = 0; k < need.length; k++) {
        if (bin.used[k] + need[k] > bin.cap[k]) {
          fits = false;
          break;
        }
      }
      if (!fits) continue;
      for (const { g, p } of pairs) {
        if (g !== bin.group || !this.accepts(ps, e, bin, p)) continue;
        this.commit(ps, e, bin, p);
        // keep the unscanned tail
        const tail = list.length - (r + 1);
        list.copyWithin(w, r + 1);
        list.length = w + tail;
        return true;
      }
    }
    list.length = w;
    return false;
  }

  private accepts(ps: PodState, e: Effective, bin: Bin, p: BinGroup): boolean {
    if (bin.isNew && p !== bin.group) {
      if (!bin.target || !p.entryOf(bin.target.i)) return false;
    }
    const ports = e.cls.hostPorts;
    if (ports.length > 0 && bin.ports.conflicts(ports)) return false;
    if (e.hostnameChecks) {
      const loc = locationOf(bin, p);
      const f = topologyFailure(e.checks.host, loc);
      if (f) {
        ps.topologyFailure = f;
        this.lastHostFailure = f;
        return false;
      }
    }
    return true;
  }

  /** Puts the pod into the bin (moving the bin to group `p` when its requirements narrow). */
  commit(ps: PodState, e: Effective, bin: Bin, p: BinGroup): void {
    if (p !== bin.group) {
      if (bin.target) bin.target = p.entryOf(bin.target.i) ?? bin.target;
      bin.moveTo(p);
    }
    const need = ps.vec;
    for (let k = 0; k < need.length; k++) bin.used[k] += need[k];
    bin.refresh();
    bin.pods.push({ pod: ps.pod, eff: e, vec: need, order: ps.order });
    if (e.cls.hostPorts.length > 0) bin.ports.add(e.cls.hostPorts);
    if (e.topologyChecks) recordPlacement(e, bin);
    ps.placed = true;
  }

  private openBin(ps: PodState, e: Effective): boolean {
    const cls = e.cls;
    const need = ps.vec;
    for (const pool of this.ctx.pools) {
      const base = this.ctx.poolBase[pool.order];
      if (base.entries.length === 0) continue;
      const g1 = this.compat(e, base);
      if (!g1 || !fitsIn(need, g1.maxCap)) continue;
      if (cls.hostPorts.length > 0 && conflictsWithDaemons(pool, cls.hostPorts)) continue;
      let cands = this.pinCandidates(e, g1);
      if (cands.length > 1 && e.topologyChecks) {
        cands = cands
          .map((p) => ({ p, score: balanceScore(e, p) }))
          .sort((a, b) => a.score - b.score || a.p.id - b.p.id)
          .map((x) => x.p);
      }
      for (const p of cands) {
        if (e.topologyChecks) {
          const f = topologyFailure(e.checks.all, pendingLocation(p));
          if (f) {
            ps.topologyFailure = f;
            continue;
          }
        }
        if (!p.efficiency) p.efficiency = computeEfficiency(p, this.demandFor(p));
        const target = this.targetWithinLimits(pool, p, need);
        if (!target) continue;
        const bin = new Bin(this.ctx.bins.length, p, this.ctx.dims.size, target);
        bin.ports.add(pool.daemonPorts);
        bin.slot = p.attach(bin, bin.slack());
        this.ctx.addBin(bin);
        pool.useType(target.i, 1);
        this.commit(ps, e, bin, p);
        return true;
      }
    }
    return false;
  }

  /** The target type of a new bin of group `p`, right-sizing the pool's open bins early if its limits are full. */
  private targetWithinLimits(pool: PoolState, p: BinGroup, need: Float64Array): TypeEntry | undefined {
    const allowed = (t: TypeEntry) => pool.limitExceededBy(t.i) === undefined;
    const target = chooseTarget(p, need, allowed);
    if (target || !pool.hasLimits || !p.entries.some((t) => fitsIn(need, t.cap))) return target;
    if (!this.reclaimer.reclaim(pool, this.ctx.bins)) return undefined;
    this.cursors.invalidate();
    return chooseTarget(p, need, allowed);
  }

  /** Requests of all pending pods whose (initial) constraints allow a bin of this group. */
  demandFor(group: BinGroup): Float64Array {
    let d = this.groupDemand.get(group.id);
    if (d) return d;
    d = new Float64Array(this.ctx.dims.size);
    if (!this.classReqs) this.classReqs = this.ctx.classes.map((cls) => effectiveOf(cls, DEMAND_RELAX));
    const effs = this.classReqs;
    this.ctx.classes.forEach((cls, ci) => {
      if (cls.unsupported) return;
      const e = effs[ci];
      if (firstUntolerated(cls.tolerations, group.taints, { ignorePreferNoSchedule: true })) return;
      if (group.reqs.compatibleError(e.reqs) !== undefined) return;
      const v = this.ctx.classVecs[ci];
      for (let k = 0; k < d!.length; k++) d![k] += v[k] * cls.pods.length;
    });
    this.groupDemand.set(group.id, d);
    return d;
  }
}

function conflictsWithDaemons(pool: PoolState, ports: readonly HostPort[]): boolean {
  for (const p of ports) {
    for (const d of pool.daemonPorts) {
      if (
        d.port === p.port &&
        d.protocol === p.protocol &&
        (d.ip === "0.0.0.0" || p.ip === "0.0.0.0" || d.ip === p.ip)
      ) {
        return true;
      }
    }
  }
  return false;
}

/** The topology location of `bin` if it moved to group `p`. */
function locationOf(bin: Bin, p: BinGroup): TopologyLocation {
  if (p === bin.group) return bin;
  const pending = pendingLocation(p);
  return { bin: bin.id, domain: (k) => pending.domain(k), eligible: (g) => pending.eligible(g) };
}
