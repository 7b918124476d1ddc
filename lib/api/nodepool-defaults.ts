/**
 * A NodePool built in code rather than parsed (tests, benchmarks, programmatic use), with the defaults `lib/api`
 * gives an empty v1 spec.
 */
import type { NodePool } from "./model.js";
import { DEFAULT_BUDGETS } from "./provisioner.js";

/** A v1 NodePool with Stevedore's defaults; any field may be overridden. */
export function nodePoolWithDefaults(name: string, over: Partial<NodePool> = {}): NodePool {
  return {
    name,
    flavor: "v1",
    source: { file: "<in code>", kind: "NodePool", apiVersion: "karpenter.sh/v1" },
    weight: 0,
    labels: {},
    annotations: {},
    taints: [],
    startupTaints: [],
    requirements: [],
    kubelet: {},
    nodeClassName: "default",
    limits: {},
    disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", budgets: DEFAULT_BUDGETS.map((b) => ({ ...b })) },
    minNodes: 0,
    hash: name,
    ...over,
  };
}
