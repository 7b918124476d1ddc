/**
 * A pod's node requirements: `nodeSelector` AND one of the required node-affinity terms (OR), plus the preferred
 * node-affinity terms, heaviest first. Karpenter plans with the first required term and the heaviest preferred term
 * and relaxes one step at a time (see {@link ./relaxation.ts}).
 */
import type { NodeSelectorRequirementJson, PodSpec } from "../../core/kube-objects.js";
import { Requirement, Requirements, UnsupportedOperatorError } from "./requirements.js";

/** A pod Stevedore cannot plan (the message says why). */
export class UnsupportedPodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedPodError";
  }
}

/** The node-selection part of a pod. */
export interface NodeAffinityModel {
  /** nodeSelector ∩ each required term (OR); `[nodeSelector]` when the pod has no required node affinity. */
  terms: Requirements[];
  /** Preferred terms, heaviest first (stable for equal weights). */
  preferred: Requirements[];
}

function toRequirements(exprs: readonly NodeSelectorRequirementJson[] | undefined, base: Requirements): Requirements {
  try {
    return base.withAll((exprs ?? []).map((e) => Requirement.of(e.key, e.operator, e.values ?? [])));
  } catch (err) {
    if (err instanceof UnsupportedOperatorError) throw new UnsupportedPodError(err.message);
    throw err;
  }
}

/** Builds the node affinity model of a pod spec. Throws {@link UnsupportedPodError} for `matchFields`. */
export function nodeAffinityModel(spec: PodSpec): NodeAffinityModel {
  const base = Requirements.fromLabels(spec.nodeSelector ?? {});
  const na = spec.affinity?.nodeAffinity;
  const required = na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  let terms: Requirements[];
  if (required && required.length > 0) {
    terms = required.map((t) => {
      if (t.matchFields && t.matchFields.length > 0) {
        throw new UnsupportedPodError(
          "required node affinity uses matchFields, which Stevedore (like Karpenter) does not support",
        );
      }
      return toRequirements(t.matchExpressions, base);
    });
  } else {
    terms = [base];
  }
  const preferred = [...(na?.preferredDuringSchedulingIgnoredDuringExecution ?? [])]
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !(p.preference.matchFields && p.preference.matchFields.length > 0))
    .sort((a, b) => b.p.weight - a.p.weight || a.i - b.i)
    .map(({ p }) => toRequirements(p.preference.matchExpressions, Requirements.EMPTY));
  return { terms, preferred };
}
