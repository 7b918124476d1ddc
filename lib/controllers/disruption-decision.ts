/** The decision log entry of a disruption that started. */
import type { DisruptionCommand } from "../disruption/command.js";
import { movedPodNames } from "../disruption/command.js";
import { logDecision } from "./decisions.js";
import type { ControllerDeps } from "./deps.js";

/** Logs a started disruption: its method and reason, the nodes, the pods that move and the replacements. */
export async function logDisruptionStarted(
  deps: ControllerDeps,
  cmd: DisruptionCommand,
  replacementIds: string[],
): Promise<void> {
  await logDecision(deps, {
    at: deps.clock.now(),
    controller: "disruptor",
    action: cmd.replacements.length > 0 ? "replace" : "delete",
    details: {
      method: cmd.method,
      reason: cmd.reason,
      explanation: cmd.explanation,
      nodes: cmd.candidates.map((c) => ({
        node: c.nodeName,
        claimId: c.claim.id,
        instanceType: c.claim.instanceType,
        price: c.price,
      })),
      pods: movedPodNames(cmd),
      replacements: cmd.replacements.map((n) => ({
        instanceType: n.instanceType.name,
        options: n.instanceTypeOptions.map((t) => t.name).slice(0, 20),
        price: n.offering.price,
      })),
      replacementClaims: replacementIds,
      savingsPerHour: cmd.savingsPerHour,
    },
  });
}
