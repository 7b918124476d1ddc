/**
 * The view as it will be once a command is carried out, so one plan can hold several commands without
 * double-booking capacity: the candidates' claims are marked disrupting (they stop being capacity and count against
 * budgets and `minNodes`), moved pods placed on other nodes are bound there, and each replacement becomes an
 * in-flight claim nominated the moved pods the simulation put on it (later simulations see it as capacity that is
 * not initialized, which consolidation refuses to rely on). Pure.
 */
import { objectKey, type Pod } from "../core/kube-objects.js";
import type { NodeClaim } from "../state/types.js";
import type { ClusterView } from "../view/cluster-view.js";
import type { DisruptionCommand } from "./command.js";

/** Claim ids of planned replacements start with this (they are never written anywhere). */
export const PLANNED_CLAIM_PREFIX = "planned-";

function plannedClaim(cmd: DisruptionCommand, index: number, now: number, moved: Set<string>): NodeClaim {
  const node = cmd.replacements[index];
  const first = cmd.candidates[0]?.claim;
  return {
    id: `${PLANNED_CLAIM_PREFIX}${first?.id ?? "none"}-${index}`,
    pool: node.pool,
    state: "Launched",
    version: 0,
    createdAt: now,
    updatedAt: now,
    instanceTypeOptions: node.instanceTypeOptions.map((t) => t.name),
    capacityTypes: node.capacityTypes,
    zones: node.zones,
    labels: node.labels,
    taints: node.taints.map((t) => ({ ...t })),
    startupTaints: node.startupTaints.map((t) => ({ ...t })),
    pods: node.pods.map(objectKey).filter((k) => moved.has(k)),
    poolHash: first?.poolHash ?? "",
    classHash: first?.classHash ?? "",
    pricePerHour: node.offering.price,
  };
}

/** The view after `cmd`: see the module docs. `destinations` maps moved pods to the nodes they will run on. */
export function projectCommand(view: ClusterView, cmd: DisruptionCommand): ClusterView {
  const now = view.now;
  const candidateIds = new Set(cmd.candidates.map((c) => c.claim.id));
  const moved = new Set(cmd.candidates.flatMap((c) => c.reschedulable.map(objectKey)));
  const rebind = new Map<string, string>();
  for (const [node, pods] of cmd.destinations ?? []) for (const p of pods) rebind.set(objectKey(p), node);
  const pods: Pod[] = view.pods.map((p) => {
    const to = rebind.get(objectKey(p));
    return to ? { ...p, spec: { ...p.spec, nodeName: to } } : p;
  });
  const claims = view.claims.map((c) =>
    candidateIds.has(c.id) ? { ...c, disruptionReason: cmd.reason, disruptedAt: now } : c,
  );
  for (let i = 0; i < cmd.replacements.length; i++) claims.push(plannedClaim(cmd, i, now, moved));
  return { ...view, pods, claims };
}

/** Node names that receive moved pods in `cmd` (they must not be disrupted in the same plan: no pod moves twice). */
export function destinationNodes(cmd: DisruptionCommand): string[] {
  return [...(cmd.destinations?.keys() ?? [])];
}
