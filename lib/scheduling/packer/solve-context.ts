/**
 * Everything one solve works on, built from a {@link SolveInput}: which pods are pending, their classes and
 * topology groups, the resource dimensions, the pools in weight order, existing nodes as bins (with their pods
 * counted in topology and their DaemonSets reserved), and the domain universe of every spread.
 */

import type { Node, Pod } from "../../core/kube-objects.js";
import { isPlannable } from "../../core/pods.js";
import type { Resources } from "../../core/quantity.js";
import { LABEL_HOSTNAME } from "../../core/well-known.js";
import { podRequests } from "../primitives/pod-requests.js";
import { Requirements } from "../primitives/requirements.js";
import { firstUntolerated } from "../primitives/taints.js";
import type { ExistingNode, SolveInput } from "../types.js";
import { Bin } from "./bin.js";
import { type BinGroup, GroupRegistry } from "./bin-group.js";
import { type DaemonProfile, daemonProfiles, ownedBy, runsOnNode } from "./daemon-overhead.js";
import { existingUsage } from "./existing-usage.js";
import {
  buildPodClasses,
  type Effective,
  effectiveOf,
  INITIAL_RELAX,
  type PodClass,
  type RelaxState,
} from "./pod-class.js";
import { PoolState } from "./pool-state.js";
import { ResourceDims } from "./resource-dims.js";
import { RunningPods } from "./running-pods.js";
import {
  eligibleByFilter,
  recordPlacement,
  type TopologyFailure,
  type TopologyLocation,
  TopologyRegistry,
} from "./topology.js";
import type { TopologyGroup } from "./topology-group.js";

/** A pending pod during the solve. */
export interface PodState {
  pod: Pod;
  cls: PodClass;
  vec: Float64Array;
  relax: RelaxState;
  /** Input position. */
  order: number;
  placed: boolean;
  /** Last topology failure seen while trying to place it. */
  topologyFailure?: TopologyFailure;
  /** Effective constraints at `relax` (cached). */
  eff?: Effective;
}

/** Immutable inputs and mutable state of one solve. */
export class SolveContext {
  readonly input: SolveInput;
  readonly topology = new TopologyRegistry();
  readonly classes: PodClass[];
  readonly dims: ResourceDims;
  /** The dimensions' names in order, as one string (equal keys, equal dimensions). */
  private readonly dimsKey: string;
  readonly classVecs: Float64Array[];
  readonly daemons: DaemonProfile[];
  readonly pools: PoolState[];
  readonly groups: GroupRegistry;
  /** Base group (pool requirements only) per pool, by pool order. */
  readonly poolBase: BinGroup[];
  readonly bins: Bin[] = [];
  /** Hostname anti-affinity groups (their free-bin lists speed up "one per node" searches). */
  readonly hostnameAntis: TopologyGroup[];
  readonly pending: PodState[];
  readonly anySoftTaints: boolean;
  readonly maxInstanceTypes: number;

  constructor(input: SolveInput) {
    this.input = input;
    this.maxInstanceTypes = input.maxInstanceTypes ?? 60;
    const pendingPods: Pod[] = [];
    const order = new Map<Pod, number>();
    input.pods.forEach((p, i) => {
      if (isPlannable(p)) {
        pendingPods.push(p);
        order.set(p, i);
      }
    });
    this.classes = buildPodClasses(pendingPods, this.topology, input.namespaceLabels);
    this.daemons = daemonProfiles(input.daemonSets ?? []);
    const running = new RunningPods(input);
    const runningAntis = running.requiredAntis(this.topology);
    for (const cls of this.classes) cls.matched = this.topology.matching(cls.namespace, cls.labels);
    this.hostnameAntis = this.topology.groups.filter((g) => g.kind === "anti" && g.hostname);

    this.dims = resourceDimsOf(this.classes, this.daemons);
    this.dimsKey = this.dims.names.join("\n");
    this.classVecs = this.classes.map((c) => this.dims.vector(c.requests));
    this.pools = poolsByWeight(input, this.daemons, this.dims);
    this.anySoftTaints = this.pools.some((p) => p.hasSoftTaints);
    this.groups = new GroupRegistry(this.dims.size);
    this.poolBase = this.pools.map((p) => this.groups.forPool(p, p.baseReqs));

    const sortedNodes = [...input.existingNodes].sort(
      (a, b) => Number(a.inFlight ?? false) - Number(b.inFlight ?? false) || a.name.localeCompare(b.name),
    );
    this.addExistingBins(sortedNodes, running, runningAntis);
    for (const n of running.phantomNodes) {
      const labels = n.metadata.labels ?? {};
      const loc: TopologyLocation = {
        bin: undefined,
        domain: (k) => labels[k],
        eligible: (g) => eligibleByFilter(g, { labels }, n.spec?.taints ?? []),
      };
      for (const p of running.onPhantom(n)) this.recordRunning(p, loc, runningAntis.get(p) ?? []);
    }
    this.computeUniverses(sortedNodes, running.phantomNodes);
    this.pending = pendingStates(this.classes, this.classVecs, order);
  }

  /** Existing nodes as bins (grouped by their relevant labels, taints and cordon), their pods counted in topology. */
  private addExistingBins(
    sortedNodes: readonly ExistingNode[],
    running: RunningPods,
    runningAntis: Map<Pod, TopologyGroup[]>,
  ): void {
    const relevant = this.relevantLabelKeys();
    const relevantKey = relevant.join("\n");
    const existingGroups = new Map<string, BinGroup>();
    for (const node of sortedNodes) {
      const { labels: relevantLabels, sig } = groupSignature(node, relevant, relevantKey);
      let group = existingGroups.get(sig);
      if (!group) {
        const labels = { ...relevantLabels };
        group = this.groups.forExisting(labels, node.taints, Requirements.fromLabels(labels));
        existingGroups.set(sig, group);
      }
      const pods = running.on(node);
      const bin = this.existingBin(node, group, pods);
      this.addBin(bin);
      if (!node.unschedulable) bin.slot = group.attach(bin, bin.slack());
      const loc = existingLocation(bin, node.labels, node.taints);
      for (const p of pods) this.recordRunning(p, loc, runningAntis.get(p) ?? []);
      const pool = node.nodePool ? this.pools.find((p) => p.name === node.nodePool) : undefined;
      pool?.useExisting(node.capacity ?? node.allocatable);
    }
  }

  /** A bin for an existing node: allocatable less its pods and the DaemonSet pods it lacks, with their ports. */
  private existingBin(node: ExistingNode, group: BinGroup, pods: readonly Pod[]): Bin {
    const usage = existingUsage(node, pods, this.dims, this.dimsKey, safeRequests);
    const free = usage.free;
    const bin = new Bin(this.bins.length, group, this.dims.size, undefined, node, free);
    for (const ports of usage.ports) bin.ports.add(ports);
    for (const d of this.daemons) {
      if (pods.some((p) => ownedBy(p, d))) continue;
      if (!runsOnNode(d, node.labels, node.taints)) continue;
      const v = this.dims.vector(d.requests);
      for (let k = 0; k < free.length; k++) free[k] -= v[k];
      bin.ports.add(d.ports);
    }
    return bin;
  }

  /** Registers a bin (new or existing). */
  addBin(bin: Bin): void {
    this.bins.push(bin);
    for (const g of this.hostnameAntis) g.freeBins.push(bin.id);
  }

  /** The effective constraints of a pending pod now. */
  effective(ps: PodState): Effective {
    if (!ps.eff) ps.eff = effectiveOf(ps.cls, ps.relax);
    return ps.eff;
  }

  private recordRunning(p: Pod, loc: TopologyLocation, antis: TopologyGroup[]): void {
    const ns = p.metadata.namespace ?? "default";
    const labels = p.metadata.labels ?? {};
    recordPlacement(
      {
        namespace: ns,
        labels,
        matched: this.topology.matching(ns, labels),
        spreads: [],
        hardSpreads: [],
        affinities: [],
        antis: [],
        requiredAntis: antis,
      },
      loc,
    );
  }

  /** Label keys any requirement or topology term refers to (existing nodes are grouped by these). */
  private relevantLabelKeys(): string[] {
    const keys = new Set<string>();
    for (const cls of this.classes) {
      for (const r of [...cls.affinity.terms, ...cls.affinity.preferred]) for (const k of r.keys()) keys.add(k);
    }
    for (const g of this.topology.groups) {
      if (g.key !== LABEL_HOSTNAME) keys.add(g.key);
      for (const alt of g.nodeFilter ?? []) for (const k of alt.keys()) keys.add(k);
    }
    return [...keys].sort();
  }

  private computeUniverses(nodes: readonly ExistingNode[], phantoms: readonly Node[]): void {
    for (const g of this.topology.groups) {
      if (g.kind !== "spread" || g.hostname) continue;
      const values = new Set<string>();
      this.pools.forEach((pool, i) => {
        if (g.taintFilter && firstUntolerated(g.taintFilter, pool.taints, { ignorePreferNoSchedule: true })) return;
        const base = this.poolBase[i];
        for (const v of base.possibleValues(g.key).values) {
          if (!g.nodeFilter || g.nodeFilter.some((alt) => poolMayMatch(base.reqs, alt, g.key, v))) values.add(v);
        }
      });
      for (const n of nodes) {
        const v = n.labels[g.key];
        if (v !== undefined && eligibleByFilter(g, { labels: n.labels }, n.taints)) values.add(v);
      }
      for (const n of phantoms) {
        const labels = n.metadata.labels ?? {};
        const v = labels[g.key];
        if (v !== undefined && eligibleByFilter(g, { labels }, n.spec?.taints ?? [])) values.add(v);
      }
      g.universe = [...values].sort();
    }
  }
}

/** Every resource some pending class or DaemonSet requests. */
function resourceDimsOf(classes: readonly PodClass[], daemons: readonly DaemonProfile[]): ResourceDims {
  const names = new Set<string>();
  for (const cls of classes) for (const k of Object.keys(cls.requests)) names.add(k);
  for (const d of daemons) for (const k of Object.keys(d.requests)) names.add(k);
  return new ResourceDims(names);
}

/** The input's pools, heaviest first (then by name). */
function poolsByWeight(input: SolveInput, daemons: readonly DaemonProfile[], dims: ResourceDims): PoolState[] {
  const sortedPools = [...input.pools].sort(
    (a, b) => (b.pool.weight ?? 0) - (a.pool.weight ?? 0) || a.pool.name.localeCompare(b.pool.name),
  );
  return sortedPools.map((p, i) => new PoolState(p.pool, i, p.instanceTypes, daemons, dims));
}

/** One state per pending pod, class by class. */
function pendingStates(
  classes: readonly PodClass[],
  classVecs: readonly Float64Array[],
  order: Map<Pod, number>,
): PodState[] {
  const pending: PodState[] = [];
  classes.forEach((cls, ci) => {
    for (const pod of cls.pods) {
      pending.push({
        pod,
        cls,
        vec: classVecs[ci],
        relax: INITIAL_RELAX,
        order: order.get(pod) ?? 0,
        placed: false,
      });
    }
  });
  return pending;
}

function poolMayMatch(base: Requirements, alt: Requirements, key: string, value: string): boolean {
  const r = alt.get(key);
  if (r && !r.has(value)) return false;
  return base.compatibleError(alt) === undefined;
}

function safeRequests(p: Pod): Resources {
  try {
    return podRequests(p);
  } catch {
    return { pods: 1 };
  }
}

/** An existing node's relevant labels and the signature of its group (labels, taints, cordon). */
interface GroupSignature {
  relevantKey: string;
  labels: Readonly<Record<string, string>>;
  sig: string;
}

/** Per frozen `ExistingNode` (the view hands those out again to every simulation of a plan). */
const signatureByNode = new WeakMap<ExistingNode, GroupSignature>();

/** The node's group signature for the relevant label keys (`relevantKey` names them: equal keys, equal lists). */
function groupSignature(node: ExistingNode, relevant: readonly string[], relevantKey: string): GroupSignature {
  const known = signatureByNode.get(node);
  if (known && known.relevantKey === relevantKey) return known;
  const labels: Record<string, string> = {};
  for (const k of relevant) if (node.labels[k] !== undefined) labels[k] = node.labels[k];
  const made = { relevantKey, labels, sig: JSON.stringify([labels, node.taints, node.unschedulable ?? false]) };
  if (Object.isFrozen(node) && Object.isFrozen(node.labels)) signatureByNode.set(node, made);
  return made;
}

function existingLocation(bin: Bin, labels: Record<string, string>, taints: ExistingNode["taints"]): TopologyLocation {
  return {
    bin: bin.id,
    domain: (k) => labels[k],
    eligible: (g) => eligibleByFilter(g, { labels }, taints),
  };
}

export { type Effective, INITIAL_RELAX };
