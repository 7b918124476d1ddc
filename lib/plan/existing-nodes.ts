/**
 * Turns cluster Node objects and their bound pods into the packer's `ExistingNode`s. Pure.
 */
import type { Node, Pod } from "../core/kube-objects.js";
import { parseResourceList } from "../core/quantity.js";
import type { ExistingNode } from "../scheduling/types.js";

const POOL_LABELS = ["karpenter.sh/nodepool", "karpenter.sh/provisioner-name"];

/** Groups pods by `spec.nodeName`. Pods without a node are skipped. */
export function podsByNode(pods: Pod[]): Map<string, Pod[]> {
  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = pod.spec.nodeName;
    if (!node) continue;
    const list = byNode.get(node);
    if (list) list.push(pod);
    else byNode.set(node, [pod]);
  }
  return byNode;
}

/** Whether a pod still occupies its node (not Succeeded/Failed, not being deleted). */
export function occupiesNode(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

/**
 * One `ExistingNode` per Node: allocatable from `status.allocatable` (falling back to capacity), labels, taints,
 * bound pods that still occupy it, cordon state, and the owning pool from Karpenter's pool label.
 */
export function toExistingNodes(nodes: Node[], boundPods: Pod[]): ExistingNode[] {
  const byNode = podsByNode(boundPods.filter(occupiesNode));
  return nodes.map((node) => {
    const name = node.metadata.name ?? "";
    const labels = node.metadata.labels ?? {};
    const pool = POOL_LABELS.map((k) => labels[k]).find((v) => v !== undefined);
    return {
      name,
      labels,
      taints: node.spec?.taints ?? [],
      allocatable: parseResourceList(node.status?.allocatable ?? node.status?.capacity),
      pods: byNode.get(name) ?? [],
      unschedulable: node.spec?.unschedulable === true || node.metadata.deletionTimestamp !== undefined,
      nodePool: pool,
    };
  });
}
