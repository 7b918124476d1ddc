/**
 * kubelet settings an AMI family cannot honour, found across documents (a pool's kubelet block with its node
 * class's family, and an EC2NodeClass's own kubelet block): Bottlerocket has no pods-per-core setting, so
 * `podsPerCore` there is refused instead of being silently ignored (Karpenter drops it).
 */
import type { ValidationIssue } from "./errors.js";
import type { NodeClass, NodePool } from "./model.js";

const REASON =
  "not supported with the Bottlerocket AMI family (Bottlerocket has no pods-per-core setting); use maxPods instead";

/** The field path of a pool's kubelet block, per kind. */
function poolKubeletPath(pool: NodePool): string {
  return pool.source.kind === "Provisioner" ? "spec.kubeletConfiguration" : "spec.template.spec.kubelet";
}

/** Issues for kubelet fields the node class's AMI family cannot honour. */
export function kubeletFamilyIssues(pools: NodePool[], classes: ReadonlyMap<string, NodeClass>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const issue = (source: NodePool["source"], name: string, path: string): ValidationIssue => ({
    file: source.file,
    kind: source.kind,
    name,
    path,
    message: REASON,
  });
  for (const nc of classes.values()) {
    if (nc.amiFamily === "Bottlerocket" && nc.kubelet?.podsPerCore !== undefined) {
      issues.push(issue(nc.source, nc.name, "spec.kubelet.podsPerCore"));
    }
  }
  for (const pool of pools) {
    const nc = classes.get(pool.nodeClassName);
    if (nc?.amiFamily === "Bottlerocket" && pool.kubelet.podsPerCore !== undefined) {
      issues.push(issue(pool.source, pool.name, `${poolKubeletPath(pool)}.podsPerCore`));
    }
  }
  return issues;
}
