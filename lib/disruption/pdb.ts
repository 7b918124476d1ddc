/**
 * PodDisruptionBudget checks for graceful disruption: would the Eviction API accept evicting this pod now?
 * Pure: decided from the PDBs' `status.disruptionsAllowed` as listed.
 */
import type { Pod, PodDisruptionBudget } from "../core/kube-objects.js";
import { selectorMatches } from "../scheduling/primitives/label-selector.js";

/** PDBs in the pod's namespace whose selector matches it. */
export function pdbsForPod(pod: Pod, pdbs: PodDisruptionBudget[]): PodDisruptionBudget[] {
  const ns = pod.metadata.namespace ?? "default";
  const labels = pod.metadata.labels ?? {};
  return pdbs.filter((p) => (p.metadata.namespace ?? "default") === ns && selectorMatches(p.spec.selector, labels));
}

/**
 * Why evicting the pod would be refused now, or undefined if it would be allowed: covered by more than one PDB
 * (the API refuses), or a PDB with no disruptions allowed.
 */
export function pdbBlockReason(pod: Pod, pdbs: PodDisruptionBudget[]): string | undefined {
  const matching = pdbsForPod(pod, pdbs);
  if (matching.length > 1) {
    return `pod ${pod.metadata.namespace ?? "default"}/${pod.metadata.name} is covered by ${matching.length} PodDisruptionBudgets`;
  }
  const pdb = matching[0];
  if (pdb && (pdb.status?.disruptionsAllowed ?? 0) <= 0) {
    return `PodDisruptionBudget ${pdb.metadata.namespace ?? "default"}/${pdb.metadata.name} allows no disruption of pod ${pod.metadata.name}`;
  }
  return undefined;
}
