/**
 * A bin: a node being planned (new) or an existing/in-flight node, with the pods the plan puts on it. New bins have
 * a target instance type whose capacity bounds what they accept; they are right-sized when the plan is finalised.
 */

import type { Pod } from "../../core/kube-objects.js";
import { HostPortSet } from "../primitives/host-ports.js";
import type { ExistingNode } from "../types.js";
import type { BinGroup, TypeEntry } from "./bin-group.js";
import type { Effective } from "./pod-class.js";
import type { PoolState } from "./pool-state.js";
import type { TopologyLocation } from "./topology.js";
import { eligibleByFilter } from "./topology.js";
import type { TopologyGroup } from "./topology-group.js";

let scratch = new Float64Array(0);

/** One planned pod. */
export interface Placement {
  pod: Pod;
  eff: Effective;
  vec: Float64Array;
  /** Input order (for stable output). */
  order: number;
}

/** A node being filled. */
export class Bin implements TopologyLocation {
  readonly id: number;
  readonly pool: PoolState | undefined;
  readonly node: ExistingNode | undefined;
  group: BinGroup;
  slot = -1;
  /** Requests placed so far (pods only; DaemonSet overhead is inside `cap`). */
  readonly used: Float64Array;
  /** What the bin may hold: target type's capacity, or an existing node's free capacity. */
  cap: Float64Array;
  target: TypeEntry | undefined;
  readonly pods: Placement[] = [];
  readonly ports = new HostPortSet();
  /** Opened by the solver (not an existing node). */
  readonly isNew: boolean;

  constructor(
    id: number,
    group: BinGroup,
    dims: number,
    target: TypeEntry | undefined,
    node?: ExistingNode,
    cap?: Float64Array,
  ) {
    this.id = id;
    this.group = group;
    this.pool = group.pool;
    this.node = node;
    this.isNew = node === undefined;
    this.used = new Float64Array(dims);
    this.target = target;
    this.cap = cap ?? (target ? target.cap : new Float64Array(dims));
  }

  /** Free capacity under the target (a shared scratch array: copy it to keep it). */
  slack(): Float64Array {
    let s = scratch;
    if (s.length !== this.cap.length) s = scratch = new Float64Array(this.cap.length);
    for (let k = 0; k < s.length; k++) s[k] = this.cap[k] - this.used[k];
    return s;
  }

  /** Re-publishes the slack to the group's index. */
  refresh(): void {
    if (this.slot >= 0) this.group.index.update(this.slot, this.slack());
  }

  /** Moves the bin to another group (its requirements narrowed). */
  moveTo(group: BinGroup): void {
    if (group === this.group) return;
    this.group.detach(this.slot);
    this.group = group;
    this.slot = group.attach(this, this.slack());
  }

  get bin(): number {
    return this.id;
  }

  domain(key: string): string | undefined {
    const p = this.group.pinnedValue(key);
    return p.known ? p.value : undefined;
  }

  eligible(g: TopologyGroup): boolean {
    if (!g.nodeFilter && !g.taintFilter) return true;
    if (this.group.labels) return eligibleByFilter(g, { labels: this.group.labels }, this.group.taints);
    return eligibleByFilter(g, { reqs: this.group.reqs, pinned: (k) => this.group.pinnedValue(k) }, this.group.taints);
  }
}

/** The (memoised) location of a bin of `group` not opened yet. */
export function pendingLocation(group: BinGroup): PendingLocation {
  if (!group.pendingLocation) group.pendingLocation = new PendingLocation(group);
  return group.pendingLocation as PendingLocation;
}

/** A location for a bin not opened yet (topology checks before opening). */
export class PendingLocation implements TopologyLocation {
  constructor(readonly group: BinGroup) {}
  readonly bin = undefined;
  domain(key: string): string | undefined {
    const p = this.group.pinnedValue(key);
    return p.known ? p.value : undefined;
  }
  eligible(g: TopologyGroup): boolean {
    if (!g.nodeFilter && !g.taintFilter) return true;
    return eligibleByFilter(g, { reqs: this.group.reqs, pinned: (k) => this.group.pinnedValue(k) }, this.group.taints);
  }
}
