/**
 * Static pools (`spec.replicas`) in `stevedore plan`: each shows its `replicas` nodes (the pool's cheapest shape,
 * with its full option list), whatever the pods; pending pods may land on them but never open nodes in them. Pure.
 */
import { objectKey } from "../core/kube-objects.js";
import type { ExistingNode, NewNode, PoolInput, SolveInput, SolveResult } from "../scheduling/types.js";
import { isVirtualPod, nodeSpreadPods } from "../view/headroom.js";

/** The pools new nodes may open in (dynamic ones) and one solve per static pool for its nodes. */
export function splitStaticPools(pools: PoolInput[]): { dynamic: PoolInput[]; statics: SolveInput[] } {
  const dynamic: PoolInput[] = [];
  const statics: SolveInput[] = [];
  for (const p of pools) {
    if (p.pool.replicas === undefined) {
      dynamic.push(p);
      continue;
    }
    const pods = nodeSpreadPods(p.pool, `static-${p.pool.name}`, p.pool.replicas);
    statics.push({ pods, existingNodes: [], daemonSets: [], pools: [p] });
  }
  return { dynamic, statics };
}

/** The static nodes as in-flight capacity the dynamic solve may place pods on. */
export function staticCapacity(nodes: NewNode[]): ExistingNode[] {
  return nodes.map((n) => ({
    name: n.name,
    labels: n.labels,
    taints: n.taints,
    allocatable: n.instanceType.allocatable,
    capacity: n.instanceType.capacity,
    pods: [],
    inFlight: true,
    nodePool: n.pool,
    pricePerHour: n.offering.price,
  }));
}

/**
 * One result: the static nodes first (carrying the pods the dynamic solve put on them), then the dynamic ones.
 * Static nodes that could not be planned become warnings.
 */
export function mergeStaticNodes(
  dynamic: SolveResult,
  statics: SolveResult[],
): { result: SolveResult; warnings: string[] } {
  const warnings: string[] = [];
  const existingAssignments = new Map(dynamic.existingAssignments);
  const staticNodes: NewNode[] = [];
  for (const r of statics) {
    for (const n of r.newNodes) {
      staticNodes.push({ ...n, pods: existingAssignments.get(n.name) ?? [] });
      existingAssignments.delete(n.name);
    }
    for (const u of r.unschedulable) {
      if (isVirtualPod(u.pod)) warnings.push(`static node ${objectKey(u.pod)} cannot be planned: ${u.reason}`);
    }
  }
  const newNodes = [...staticNodes, ...dynamic.newNodes];
  const costPerHour = newNodes.reduce((s, n) => s + n.offering.price, 0);
  return { result: { ...dynamic, newNodes, existingAssignments, costPerHour }, warnings };
}

/**
 * Plans `input` with its static pools held at their `replicas`: the static nodes are planned first, then the pods
 * against existing capacity plus those nodes, in the dynamic pools only. Returns the merged result and the dynamic
 * solve's input (what a lower bound is computed for).
 */
export function solveWithStaticPools(
  input: SolveInput,
  solver: (input: SolveInput) => SolveResult,
): { result: SolveResult; dynamicInput: SolveInput; warnings: string[] } {
  const { dynamic, statics } = splitStaticPools(input.pools);
  const policy = input.minValuesPolicy ? { minValuesPolicy: input.minValuesPolicy } : {};
  const staticResults = statics.map((s) => solver({ ...s, daemonSets: input.daemonSets, ...policy }));
  const staticNodes = staticResults.flatMap((r) => r.newNodes);
  const dynamicInput: SolveInput = {
    ...input,
    pools: dynamic,
    existingNodes: [...input.existingNodes, ...staticCapacity(staticNodes)],
  };
  const { result, warnings } = mergeStaticNodes(solver(dynamicInput), staticResults);
  return { result, dynamicInput, warnings };
}
