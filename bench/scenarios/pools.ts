/** NodePool builders for benchmark scenarios (normalised model objects, as the config parser would produce). */
import type { NodePool, Requirement } from "../../lib/api/model.js";
import type { Taint } from "../../lib/core/kube-objects.js";

/** A v1 NodePool with Karpenter's defaults and the given requirements/taints/limits. */
export function benchNodePool(
  name: string,
  opts: { requirements?: Requirement[]; taints?: Taint[]; limits?: Record<string, string>; weight?: number } = {},
): NodePool {
  return {
    name,
    flavor: "v1",
    source: { file: "bench", kind: "NodePool", apiVersion: "karpenter.sh/v1" },
    weight: opts.weight ?? 0,
    labels: {},
    annotations: {},
    taints: opts.taints ?? [],
    startupTaints: [],
    requirements: opts.requirements ?? [],
    kubelet: {},
    nodeClassName: "default",
    limits: opts.limits ?? {},
    disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", budgets: [{ nodes: "10%" }] },
    minNodes: 0,
    hash: `bench-${name}`,
  };
}
