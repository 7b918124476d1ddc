/**
 * Bin groups: bins that share their requirements (a pool's base requirements ∩ the requirements of the pods they
 * hold ∩ topology pins) share one price-ordered list of usable instance types and one {@link SlackIndex}. Existing
 * nodes form groups of their own (per node), keyed by their labels.
 */

import type { Taint } from "../../core/kube-objects.js";
import { LABEL_CAPACITY_TYPE, LABEL_ZONE } from "../../core/well-known.js";
import { undominated } from "../cost/lp.js";
import { Requirement, type Requirements } from "../primitives/requirements.js";
import type { Offering } from "../types.js";
import type { Bin } from "./bin.js";
import type { PoolState } from "./pool-state.js";
import { SlackIndex } from "./slack-index.js";

/** One usable instance type of a group. */
export interface TypeEntry {
  /** Index into the pool's types. */
  i: number;
  name: string;
  /** Cheapest allowed available offering's price. */
  price: number;
  offering: Offering;
  /** Allocatable − DaemonSet overhead. */
  cap: Float64Array;
}

/** Changes whenever some group gains its first bin or loses its last (candidate lists are cached per version). */
let liveGroupsVersion = 0;

/** The current version of the set of groups that hold bins. */
export function groupsVersion(): number {
  return liveGroupsVersion;
}

/** A label value a node of the group will carry: known, or unknown until pinned. */
type Pinned = { known: true; value: string | undefined } | { known: false };

/** Bins with identical requirements. */
export class BinGroup {
  readonly id: number;
  readonly pool: PoolState | undefined;
  readonly reqs: Requirements;
  /** Price-ordered usable types (new-node groups). */
  readonly entries: TypeEntry[];
  private readonly entryByType = new Map<number, number>();
  /** Element-wise maximum capacity over the entries. */
  readonly maxCap: Float64Array;
  /** Existing node: its labels and taints. */
  readonly labels: Record<string, string> | undefined;
  readonly taints: readonly Taint[];
  readonly index: SlackIndex;
  /** Bins by slot (undefined once moved away). */
  readonly slots: (Bin | undefined)[] = [];
  /** Bins currently in the group. */
  live = 0;
  /** Lazily computed LP efficiency per entry (see targets.ts). */
  efficiency: Float64Array | undefined;
  /** Entry indices by efficiency (targets.ts). */
  targetOrder: Int32Array | undefined;
  private undominatedCache: number[] | undefined;
  private readonly pinned = new Map<string, Pinned>();
  /** Memoised topology location of a not-yet-opened bin of this group (see bin.ts). */
  pendingLocation: unknown;
  private readonly possible = new Map<string, { values: string[]; missing: boolean }>();

  constructor(
    id: number,
    dims: number,
    pool: PoolState | undefined,
    reqs: Requirements,
    entries: TypeEntry[],
    labels?: Record<string, string>,
    taints?: readonly Taint[],
  ) {
    this.id = id;
    this.pool = pool;
    this.reqs = reqs;
    this.entries = entries;
    entries.forEach((e, k) => {
      this.entryByType.set(e.i, k);
    });
    this.maxCap = new Float64Array(dims).fill(entries.length > 0 ? Number.NEGATIVE_INFINITY : 0);
    for (const e of entries) for (let k = 0; k < dims; k++) if (e.cap[k] > this.maxCap[k]) this.maxCap[k] = e.cap[k];
    this.labels = labels;
    this.taints = taints ?? pool?.taints ?? [];
    this.index = new SlackIndex(dims);
  }

  get existing(): boolean {
    return this.labels !== undefined;
  }

  /** The entry for pool type `i`, if usable in this group. */
  entryOf(i: number): TypeEntry | undefined {
    const k = this.entryByType.get(i);
    return k === undefined ? undefined : this.entries[k];
  }

  /** Position of pool type `i` in the price order. */
  entryIndexOf(i: number): number | undefined {
    return this.entryByType.get(i);
  }

  /** Entries no other entry beats on price and every capacity dimension (see lp.ts `undominated`). */
  undominated(): number[] {
    if (!this.undominatedCache) {
      this.undominatedCache = undominated(
        this.entries.map((e) => e.price),
        this.entries.map((e) => e.cap),
      );
    }
    return this.undominatedCache;
  }

  /** Adds a bin; returns its slot. */
  attach(bin: Bin, slack: Float64Array): number {
    const slot = this.index.add(slack);
    this.slots[slot] = bin;
    if (this.live++ === 0) liveGroupsVersion++;
    return slot;
  }

  /** Removes a bin. */
  detach(slot: number): void {
    this.index.remove(slot);
    this.slots[slot] = undefined;
    if (--this.live === 0) liveGroupsVersion++;
  }

  /** The value of label `key` on nodes of this group, if already decided. */
  pinnedValue(key: string): Pinned {
    if (this.labels) return { known: true, value: this.labels[key] };
    let p = this.pinned.get(key);
    if (p) return p;
    const r = this.reqs.get(key);
    if (r && !r.complement && r.values.size === 1) p = { known: true, value: [...r.values][0] };
    else if (r && !r.complement && r.values.size === 0) p = { known: true, value: undefined };
    else {
      const { values, missing } = this.possibleValues(key);
      if (values.length === 1 && !missing) p = { known: true, value: values[0] };
      else if (values.length === 0) p = { known: true, value: undefined };
      else p = { known: false };
    }
    this.pinned.set(key, p);
    return p;
  }

  /** Values label `key` can take on nodes of this group, and whether it can be absent. */
  possibleValues(key: string): { values: string[]; missing: boolean } {
    let out = this.possible.get(key);
    if (out) return out;
    const pool = this.pool;
    const r = this.reqs.get(key);
    const values = new Set<string>();
    let missing = false;
    if (!pool) {
      const v = this.labels?.[key];
      if (v === undefined) missing = true;
      else values.add(v);
    } else if (key === LABEL_ZONE || key === LABEL_CAPACITY_TYPE) {
      for (const e of this.entries) {
        for (const o of pool.types[e.i].offerings) {
          if (!o.available) continue;
          const v = key === LABEL_ZONE ? o.zone : o.capacityType;
          const zr = this.reqs.get(LABEL_ZONE);
          const cr = this.reqs.get(LABEL_CAPACITY_TYPE);
          if (zr && !zr.has(o.zone)) continue;
          if (cr && !cr.has(o.capacityType)) continue;
          values.add(v);
        }
      }
    } else if (pool.providedKeys.has(key) || (r && !pool.typeLabels.some((l) => l[key] !== undefined))) {
      if (r && !r.complement) for (const v of r.values) values.add(v);
      else if (pool.labels[key] !== undefined) values.add(pool.labels[key]);
      else missing = true;
    } else {
      for (const e of this.entries) {
        const v = pool.typeLabels[e.i][key];
        if (v === undefined) missing = true;
        else values.add(v);
      }
      if (this.entries.length === 0) missing = true;
    }
    out = { values: [...values].sort(), missing };
    this.possible.set(key, out);
    return out;
  }
}

/** Interns groups by (pool, requirements) and caches narrowing. */
export class GroupRegistry {
  readonly groups: BinGroup[] = [];
  private readonly bySig = new Map<string, BinGroup>();
  private readonly pins = new Map<string, BinGroup | null>();
  private readonly dims: number;

  constructor(dims: number) {
    this.dims = dims;
  }

  /**
   * The group of new nodes of `pool` with requirements `reqs` (which must include the pool's base requirements).
   * When `parent` is given, `reqs` narrows the parent's requirements, so only the parent's types are examined.
   */
  forPool(pool: PoolState, reqs: Requirements, parent?: BinGroup): BinGroup {
    const sig = `${pool.name}\u0000${reqs.signature()}`;
    let g = this.bySig.get(sig);
    if (g) return g;
    const entries: TypeEntry[] = [];
    if (!reqs.hasEmptyKey()) {
      // Keys whose requirement differs from the parent's are the only ones to re-check on the parent's types.
      let changed: Set<string> | undefined;
      if (parent) {
        changed = new Set();
        for (const r of reqs.values()) if (parent.reqs.get(r.key)?.signature() !== r.signature()) changed.add(r.key);
      }
      const consider = (i: number) => {
        const offer = pool.offerFor(i, reqs, changed);
        if (!offer) return;
        const cap = pool.caps[i];
        if (cap.some((c) => c < 0)) return;
        entries.push({ i, name: pool.types[i].name, price: offer.price, offering: offer.offering, cap });
      };
      if (parent) for (const e of parent.entries) consider(e.i);
      else for (let i = 0; i < pool.types.length; i++) consider(i);
    }
    entries.sort((a, b) => a.price - b.price || a.name.localeCompare(b.name));
    g = new BinGroup(this.groups.length, this.dims, pool, reqs, entries);
    this.groups.push(g);
    this.bySig.set(sig, g);
    return g;
  }

  /** A group for one existing node. */
  forExisting(labels: Record<string, string>, taints: readonly Taint[], reqs: Requirements): BinGroup {
    const g = new BinGroup(this.groups.length, this.dims, undefined, reqs, [], labels, taints);
    this.groups.push(g);
    return g;
  }

  /** `group` with label `key` pinned to `value` (undefined = absent); null when no type remains. */
  pin(group: BinGroup, key: string, value: string | undefined): BinGroup | null {
    const pool = group.pool;
    if (!pool) return null;
    const ck = `${group.id}\u0000${key}\u0000${value ?? "\u0001"}`;
    const cached = this.pins.get(ck);
    if (cached !== undefined) return cached;
    const req = value === undefined ? Requirement.of(key, "DoesNotExist") : Requirement.of(key, "In", [value]);
    const next = this.forPool(pool, group.reqs.with(req), group);
    const out = next.entries.length > 0 ? next : null;
    this.pins.set(ck, out);
    return out;
  }
}
