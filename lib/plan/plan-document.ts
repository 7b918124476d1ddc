/**
 * The `stevedore plan` output contract (README "Contracts"): a SolveResult rendered as the stable `Plan` document. Pure.
 */
import { objectKey } from "../core/kube-objects.js";
import { formatResources } from "../core/quantity.js";
import { LABEL_INSTANCE_FAMILY } from "../scheduling/catalog/instance-type-labels.js";
import type { MinValuesRelaxation, SolveResult } from "../scheduling/types.js";

/** One new node of a plan. */
export interface PlanNewNode {
  name: string;
  provisioner: string;
  instanceType: string;
  instanceTypeOptions: string[];
  /** Distinct instance families among the options (what a `minValues` on instance-family counts). */
  optionFamilies: number;
  /** `minValues` the options fall short of (policy BestEffort only). @default unset */
  minValuesRelaxed?: MinValuesRelaxation[];
  capacityType: string;
  zone: string;
  pricePerHour: number;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  allocatable: Record<string, string>;
  pods: string[];
}

/** The `kind: Plan` document printed by `stevedore plan -o json|yaml`. */
export interface PlanDocument {
  apiVersion: "stevedore.dev/v1";
  kind: "Plan";
  region: string;
  newNodes: PlanNewNode[];
  existingNodes: { name: string; pods: string[] }[];
  unschedulable: { pod: string; reason: string }[];
  summary: {
    pods: number;
    scheduled: number;
    newNodes: number;
    costPerHour: number;
    lowerBoundPerHour?: number;
    durationMs: number;
  };
  warnings?: string[];
}

/** Rounds a price for output without losing meaningful precision. */
export function roundPrice(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Builds the Plan document from a solve result. `podCount` is the number of pods that were planned. */
export function toPlanDocument(args: {
  region: string;
  result: SolveResult;
  podCount: number;
  durationMs: number;
  lowerBoundPerHour?: number;
  warnings?: string[];
}): PlanDocument {
  const { result } = args;
  const newNodes: PlanNewNode[] = result.newNodes.map((n) => ({
    name: n.name,
    provisioner: n.pool,
    instanceType: n.instanceType.name,
    instanceTypeOptions: n.instanceTypeOptions.map((t) => t.name),
    optionFamilies: new Set(n.instanceTypeOptions.map((t) => t.labels[LABEL_INSTANCE_FAMILY] ?? t.name.split(".")[0]))
      .size,
    ...(n.minValuesRelaxed ? { minValuesRelaxed: n.minValuesRelaxed } : {}),
    capacityType: n.offering.capacityType,
    zone: n.offering.zone,
    pricePerHour: roundPrice(n.offering.price),
    labels: n.labels,
    taints: n.taints.map((t) => ({
      key: t.key,
      ...(t.value !== undefined ? { value: t.value } : {}),
      effect: t.effect,
    })),
    allocatable: formatResources(n.instanceType.allocatable),
    pods: n.pods.map(objectKey),
  }));
  const existingNodes = [...result.existingAssignments.entries()]
    .filter(([, pods]) => pods.length > 0)
    .map(([name, pods]) => ({ name, pods: pods.map(objectKey) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const unschedulable = result.unschedulable.map((u) => ({ pod: objectKey(u.pod), reason: u.reason }));
  const scheduled =
    newNodes.reduce((s, n) => s + n.pods.length, 0) + existingNodes.reduce((s, n) => s + n.pods.length, 0);
  const doc: PlanDocument = {
    apiVersion: "stevedore.dev/v1",
    kind: "Plan",
    region: args.region,
    newNodes,
    existingNodes,
    unschedulable,
    summary: {
      pods: args.podCount,
      scheduled,
      newNodes: newNodes.length,
      costPerHour: roundPrice(newNodes.reduce((s, n) => s + n.pricePerHour, 0)),
      ...(args.lowerBoundPerHour !== undefined ? { lowerBoundPerHour: roundPrice(args.lowerBoundPerHour) } : {}),
      durationMs: Math.round(args.durationMs * 1000) / 1000,
    },
  };
  if (args.warnings && args.warnings.length > 0) doc.warnings = args.warnings;
  return doc;
}
