/**
 * A NodePool as the packer uses it: its base requirements (requirements ∪ template labels ∪ the pool label ∪
 * Karpenter's synthetic registered/initialized labels), taints, limits and usage, and per instance type the labels
 * the node will carry and the capacity left after DaemonSets.
 */
import { poolLabelKey } from "../../api/labels.js";
import type { NodePool } from "../../api/model.js";
import type { Taint } from "../../core/kube-objects.js";
import { parseResource, type Resources } from "../../core/quantity.js";
import {
  LABEL_ARCH,
  LABEL_CAPACITY_RESERVATION_ID,
  LABEL_CAPACITY_RESERVATION_TYPE,
  LABEL_CAPACITY_TYPE,
  LABEL_INITIALIZED,
  LABEL_INSTANCE_TYPE,
  LABEL_NODECLASS,
  LABEL_OS,
  LABEL_REGISTERED,
  LABEL_ZONE,
  WELL_KNOWN_LABELS,
} from "../../core/well-known.js";
import type { HostPort } from "../primitives/host-ports.js";
import { Requirement, Requirements } from "../primitives/requirements.js";
import type { InstanceType, Offering } from "../types.js";
import { type DaemonProfile, runsOnNewNode } from "./daemon-overhead.js";
import type { ResourceDims } from "./resource-dims.js";

/** Labels that come from a reserved offering (checked against the offering, like zone and capacity type). */
const RESERVATION_KEYS: ReadonlySet<string> = new Set([LABEL_CAPACITY_RESERVATION_ID, LABEL_CAPACITY_RESERVATION_TYPE]);

/** Whether an offering meets the requirements on the capacity reservation labels (absent on non-reserved ones). */
export function reservationAllowed(reqs: Requirements, o: Offering): boolean {
  const id = reqs.get(LABEL_CAPACITY_RESERVATION_ID);
  if (id && !(o.reservationId === undefined ? id.allowsMissing() : id.has(o.reservationId))) return false;
  const type = reqs.get(LABEL_CAPACITY_RESERVATION_TYPE);
  if (type && !(o.reservationType === undefined ? type.allowsMissing() : type.has(o.reservationType))) return false;
  return true;
}

/** Price and offering of a type under some requirements. */
export interface TypeOffer {
  price: number;
  offering: Offering;
}

/**
 * Requirements per instance-type object ({@link PoolState.typeRequirements} depends on the type alone): the solves
 * of one disruption plan share the catalog's objects, so each type's requirements are built once.
 */
const requirementsByType = new WeakMap<InstanceType, Requirements>();

/** The packer's view of one pool. */
export class PoolState {
  readonly pool: NodePool;
  readonly name: string;
  /** Position in weight order (0 = tried first). */
  readonly order: number;
  readonly labelKey: string;
  /** Labels every node of the pool carries regardless of instance type. */
  readonly labels: Record<string, string>;
  readonly baseReqs: Requirements;
  readonly taints: Taint[];
  readonly startupTaints: Taint[];
  readonly types: InstanceType[];
  /** Per type: labels the node carries from the type (instance-type, arch, os included). */
  readonly typeLabels: Record<string, string>[];
  /** Per type: allocatable − DaemonSet overhead, as a vector. */
  readonly caps: Float64Array[];
  /** Per type: DaemonSet requests, as a vector. */
  readonly daemonVecs: Float64Array[];
  /** Host ports of DaemonSets that may run on the pool's nodes. */
  readonly daemonPorts: HostPort[];
  /** Label keys the pool itself provides (template labels, pool label, synthetic labels). */
  readonly providedKeys: ReadonlySet<string>;
  /** Limits in internal units (`nodes` is a count). */
  readonly limits: Resources;
  /** Capacity counted against limits so far (existing nodes of the pool + planned nodes). */
  readonly used: Resources = {};
  readonly hasSoftTaints: boolean;

  constructor(
    pool: NodePool,
    order: number,
    types: InstanceType[],
    daemons: readonly DaemonProfile[],
    dims: ResourceDims,
  ) {
    this.pool = pool;
    this.name = pool.name;
    this.order = order;
    this.labelKey = poolLabelKey(pool.flavor);
    this.labels = {
      ...pool.labels,
      [this.labelKey]: pool.name,
      [LABEL_REGISTERED]: "true",
      [LABEL_INITIALIZED]: "true",
    };
    if (pool.flavor === "v1") this.labels[LABEL_NODECLASS] = pool.nodeClassName;
    this.baseReqs = Requirements.fromLabels(this.labels).withAll(
      pool.requirements.map((r) => Requirement.of(r.key, r.operator, r.values)),
    );
    this.providedKeys = new Set(Object.keys(this.labels));
    this.taints = pool.taints;
    this.startupTaints = pool.startupTaints;
    this.hasSoftTaints = pool.taints.some((t) => t.effect === "PreferNoSchedule");
    this.types = types;
    this.typeLabels = types.map((t) => ({
      ...t.labels,
      [LABEL_INSTANCE_TYPE]: t.labels[LABEL_INSTANCE_TYPE] ?? t.name,
      [LABEL_ARCH]: t.labels[LABEL_ARCH] ?? t.arch,
      [LABEL_OS]: t.labels[LABEL_OS] ?? t.os,
    }));
    const ports: HostPort[] = [];
    const portsSeen = new Set<string>();
    this.caps = [];
    this.daemonVecs = [];
    types.forEach((t, i) => {
      const nodeReqs = daemons.length > 0 ? this.baseReqs.intersect(this.typeRequirements(i)) : this.baseReqs;
      const daemon: Resources = {};
      for (const d of daemons) {
        if (!runsOnNewNode(d, nodeReqs, this.taints)) continue;
        for (const [k, v] of Object.entries(d.requests)) daemon[k] = (daemon[k] ?? 0) + v;
        for (const p of d.ports) {
          const key = `${d.namespace}/${d.name}/${p.ip}/${p.port}/${p.protocol}`;
          if (!portsSeen.has(key)) {
            portsSeen.add(key);
            ports.push(p);
          }
        }
      }
      const dv = dims.vector(daemon);
      const cap = dims.vector(t.allocatable);
      for (let k = 0; k < cap.length; k++) cap[k] -= dv[k];
      this.caps.push(cap);
      this.daemonVecs.push(dv);
    });
    this.daemonPorts = ports;
    this.limits = {};
    for (const [k, v] of Object.entries(pool.limits ?? {})) this.limits[k] = parseResource(k, v);
  }

  /** Requirements a type satisfies: its labels, plus zones and capacity types of its available offerings. */
  typeRequirements(i: number): Requirements {
    const t = this.types[i];
    const known = requirementsByType.get(t);
    if (known) return known;
    const reqs = this.computeTypeRequirements(i);
    requirementsByType.set(t, reqs);
    return reqs;
  }

  private computeTypeRequirements(i: number): Requirements {
    const t = this.types[i];
    const zones = new Set<string>();
    const cts = new Set<string>();
    for (const o of t.offerings) {
      if (!o.available) continue;
      zones.add(o.zone);
      cts.add(o.capacityType);
    }
    return Requirements.fromLabels(this.typeLabels[i])
      .with(new Requirement(LABEL_ZONE, false, zones))
      .with(new Requirement(LABEL_CAPACITY_TYPE, false, cts));
  }

  /**
   * Whether type `i` can serve a node with requirements `reqs` (which already include the pool's), and its cheapest
   * allowed available offering. Well-known labels neither the type nor the pool provides count as absent. With
   * `onlyKeys`, label requirements on other keys are taken as already checked (zone and capacity type always are).
   */
  offerFor(i: number, reqs: Requirements, onlyKeys?: ReadonlySet<string>): TypeOffer | undefined {
    const labels = this.typeLabels[i];
    const zoneReq = reqs.get(LABEL_ZONE);
    const ctReq = reqs.get(LABEL_CAPACITY_TYPE);
    for (const req of reqs.values()) {
      const key = req.key;
      if (key === LABEL_ZONE || key === LABEL_CAPACITY_TYPE || RESERVATION_KEYS.has(key)) continue;
      if (onlyKeys && !onlyKeys.has(key)) continue;
      const v = labels[key];
      if (v !== undefined) {
        if (!req.has(v)) return undefined;
        continue;
      }
      if (this.providedKeys.has(key)) continue;
      if (WELL_KNOWN_LABELS.has(key) && !req.allowsMissing()) return undefined;
    }
    let best: Offering | undefined;
    for (const o of this.types[i].offerings) {
      if (!o.available || !Number.isFinite(o.price)) continue;
      if (zoneReq && !zoneReq.has(o.zone)) continue;
      if (ctReq && !ctReq.has(o.capacityType)) continue;
      if (!reservationAllowed(reqs, o)) continue;
      if (!best || o.price < best.price) best = o;
    }
    return best ? { price: best.price, offering: best } : undefined;
  }

  /** Remaining room under the limits for a node of type `i`, or the first exceeded limit's name. */
  limitExceededBy(i: number): string | undefined {
    const lim = this.limits;
    if (lim.nodes !== undefined && (this.used.nodes ?? 0) + 1 > lim.nodes) return "nodes";
    const cap = this.types[i].capacity;
    for (const k in lim) {
      if (k === "nodes") continue;
      if ((this.used[k] ?? 0) + (cap[k] ?? 0) > lim[k]) return k;
    }
    return undefined;
  }

  /** Whether type `i` counts no more than type `j` against every limit (and less against at least one). */
  limitedCapacityWithin(i: number, j: number): boolean {
    const a = this.types[i].capacity;
    const b = this.types[j].capacity;
    let smaller = false;
    for (const k in this.limits) {
      if (k === "nodes") continue;
      const ak = a[k] ?? 0;
      const bk = b[k] ?? 0;
      if (ak > bk) return false;
      if (ak < bk) smaller = true;
    }
    return smaller;
  }

  /** Counts a node of type `i` (delta −1 releases it). */
  useType(i: number, delta: 1 | -1): void {
    this.used.nodes = (this.used.nodes ?? 0) + delta;
    const cap = this.types[i].capacity;
    for (const k in this.limits) {
      if (k === "nodes") continue;
      this.used[k] = (this.used[k] ?? 0) + delta * (cap[k] ?? 0);
    }
  }

  /** Counts an existing node's capacity against the limits. */
  useExisting(capacity: Resources): void {
    this.used.nodes = (this.used.nodes ?? 0) + 1;
    for (const k in this.limits) if (k !== "nodes") this.used[k] = (this.used[k] ?? 0) + (capacity[k] ?? 0);
  }

  get hasLimits(): boolean {
    return Object.keys(this.limits).length > 0;
  }
}
