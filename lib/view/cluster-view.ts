/**
 * The snapshot disruption decisions are made from, and the lookups every method shares (pods by node, claims by
 * node, pending pods, nominations). Pure.
 */
import type { NodeClass, NodePool } from "../api/model.js";
import type { DaemonSet, Node, Pod, PodDisruptionBudget } from "../core/kube-objects.js";
import { objectKey } from "../core/kube-objects.js";
import { isDaemonSetPod, isMirrorPod, isTerminal, isTerminating } from "../core/pods.js";
import { DISRUPTED_TAINT } from "../core/well-known.js";
import type { InstanceType } from "../scheduling/types.js";
import type { NodeClaim } from "../state/types.js";

/** Everything a disruption decision reads. */
export interface ClusterView {
  /** Decision time (ms). */
  now: number;
  pools: NodePool[];
  nodeClasses: NodeClass[];
  /** Instance types usable per pool name (unavailable offerings already marked). */
  instanceTypes: Map<string, InstanceType[]>;
  /** Claims that are not Terminated. */
  claims: NodeClaim[];
  nodes: Node[];
  /** All pods (bound and unbound). */
  pods: Pod[];
  daemonSets: DaemonSet[];
  pdbs: PodDisruptionBudget[];
  /** Virtual pods that must keep fitting somewhere (pool headroom). @default [] */
  headroomPods?: Pod[];
  /**
   * Every virtual pod (headroom and `minNodes`), so claims launched for them count them as nominated.
   * @default the headroom pods
   */
  virtualPods?: Pod[];
  /** Cloud-provider drift reasons by claim id (AMI, subnet, security groups). @default none */
  providerDrift?: Map<string, string>;
}

/** Claim states whose node is not yet usable by the scheduler. */
const IN_FLIGHT_STATES = new Set(["Pending", "Launched", "Registered"]);

/** Whether the claim's capacity is still coming (launch requested, node not initialized). */
export function isInFlight(claim: NodeClaim): boolean {
  return IN_FLIGHT_STATES.has(claim.state);
}

/** Whether the claim is being disrupted: marked with a reason (taint placed) or draining. */
export function isDisrupting(claim: NodeClaim): boolean {
  return claim.state === "Draining" || claim.disruptionReason !== undefined;
}

/** Whether a Node takes no new pods: cordoned, being deleted, or carrying the disrupted taint. */
export function isNodeUnschedulable(node: Node): boolean {
  if (node.spec?.unschedulable) return true;
  if (node.metadata.deletionTimestamp !== undefined && node.metadata.deletionTimestamp !== null) return true;
  return (node.spec?.taints ?? []).some((t) => t.key === DISRUPTED_TAINT.key);
}

/** Whether the Node reports Ready=True. */
export function isNodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** Pods waiting for a node: unbound, not DaemonSet/mirror, not finished or terminating. */
export function isPendingPod(pod: Pod): boolean {
  return !pod.spec.nodeName && !isTerminal(pod) && !isTerminating(pod) && !isDaemonSetPod(pod) && !isMirrorPod(pod);
}

/** Precomputed lookups over a view. */
export class ViewIndex {
  readonly podsByNode = new Map<string, Pod[]>();
  readonly podsByKey = new Map<string, Pod>();
  readonly nodesByName = new Map<string, Node>();
  readonly claimByNode = new Map<string, NodeClaim>();
  readonly poolsByName = new Map<string, NodePool>();
  readonly classesByName = new Map<string, NodeClass>();
  readonly nodesByProviderID = new Map<string, Node>();
  readonly pending: Pod[] = [];

  constructor(readonly view: ClusterView) {
    for (const p of view.pods) {
      this.podsByKey.set(objectKey(p), p);
      const n = p.spec.nodeName;
      if (n) {
        if (isTerminal(p)) continue;
        const list = this.podsByNode.get(n);
        if (list) list.push(p);
        else this.podsByNode.set(n, [p]);
      } else if (isPendingPod(p)) {
        this.pending.push(p);
      }
    }
    for (const p of view.virtualPods ?? view.headroomPods ?? []) this.podsByKey.set(objectKey(p), p);
    for (const n of view.nodes) {
      this.nodesByName.set(n.metadata.name ?? "", n);
      if (n.spec?.providerID) this.nodesByProviderID.set(n.spec.providerID, n);
    }
    for (const c of view.claims) {
      if (c.nodeName) this.claimByNode.set(c.nodeName, c);
      else if (c.providerID) {
        const node = this.nodesByProviderID.get(c.providerID);
        if (node?.metadata.name) this.claimByNode.set(node.metadata.name, c);
      }
    }
    for (const p of view.pools) this.poolsByName.set(p.name, p);
    for (const c of view.nodeClasses) this.classesByName.set(c.name, c);
  }

  /** Non-terminal pods bound to the node. */
  podsOn(nodeName: string): Pod[] {
    return this.podsByNode.get(nodeName) ?? [];
  }

  /** The claim's Node, if registered. */
  nodeOf(claim: NodeClaim): Node | undefined {
    if (claim.nodeName) return this.nodesByName.get(claim.nodeName);
    if (!claim.providerID) return undefined;
    return this.nodesByProviderID.get(claim.providerID);
  }

  /**
   * Pods a claim was launched (or nominated) for that still need it: they exist, are not finished, and are either
   * unbound or bound to a node that is being disrupted (so they will move).
   */
  nominatedPods(claim: NodeClaim): Pod[] {
    const out: Pod[] = [];
    for (const key of claim.pods) {
      const pod = this.podsByKey.get(key);
      if (!pod || isTerminal(pod) || isTerminating(pod)) continue;
      const bound = pod.spec.nodeName;
      if (!bound) {
        out.push(pod);
        continue;
      }
      const host = this.claimByNode.get(bound);
      const node = this.nodesByName.get(bound);
      if ((host && isDisrupting(host)) || (node && isNodeUnschedulable(node))) out.push(pod);
    }
    return out;
  }
}
