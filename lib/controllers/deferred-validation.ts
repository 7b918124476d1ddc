/**
 * Validation of planned disruptions, left to the next invocation. Emptiness and consolidation are re-checked on a
 * fresh view some time after they were planned (Karpenter waits 15 s): an invocation never waits for that; it
 * remembers the commands in its container's memory and the next scheduled invocation, a minute later, validates them
 * on its own fresh view. Nothing is written before validation, so a lost memory (a new container) only means
 * planning again.
 */
import type { DisruptionCommand } from "../disruption/command.js";
import type { ConsolidationOptions } from "../disruption/consolidation.js";
import { validateCommands } from "../disruption/plan.js";
import type { ClusterView } from "../view/cluster-view.js";
import { logDecision } from "./decisions.js";
import type { ControllerDeps } from "./deps.js";

/** Commands planned by one invocation, waiting for a later one to validate them. */
export interface AwaitingValidation {
  commands: DisruptionCommand[];
  /** Clock time they were planned. */
  plannedAt: number;
}

/** Where commands wait for validation between invocations (a warm container's memory). */
export interface ValidationMemory {
  /** Commands an invocation planned, for the next one to validate. @default none */
  awaitingValidation?: AwaitingValidation;
}

/** Commands waiting longer than this for validation are planned again instead (the container sat idle). */
export const STALE_VALIDATION_MS = 5 * 60_000;

/** Remembers `commands` for the next invocation to validate. */
export function leaveForValidation(
  deps: ControllerDeps,
  memory: ValidationMemory,
  commands: DisruptionCommand[],
): void {
  memory.awaitingValidation = { commands, plannedAt: deps.clock.now() };
  deps.telemetry.logger.info("disruption planned; the next invocation validates it", {
    methods: commands.map((c) => c.method),
  });
}

/**
 * The commands left for validation, once `delayMs` has passed since they were planned (taken out of memory);
 * "waiting" while it has not; none (dropped, to be planned again) once older than {@link STALE_VALIDATION_MS}.
 */
export function takeAwaitingValidation(
  memory: ValidationMemory,
  now: number,
  delayMs: number,
): AwaitingValidation | "waiting" | undefined {
  const awaiting = memory.awaitingValidation;
  if (!awaiting) return undefined;
  const age = now - awaiting.plannedAt;
  if (age < delayMs) return "waiting";
  memory.awaitingValidation = undefined;
  return age > STALE_VALIDATION_MS ? undefined : awaiting;
}

/**
 * Re-checks `commands` on a fresh `view` (together: each with the earlier ones projected): the ones still valid;
 * each rejection is logged and recorded as a decision.
 */
export async function judgeCommands(
  deps: ControllerDeps,
  commands: DisruptionCommand[],
  view: ClusterView,
  opts: ConsolidationOptions,
): Promise<DisruptionCommand[]> {
  const verdicts = validateCommands(commands, view, deps.solve, opts);
  const valid: DisruptionCommand[] = [];
  for (const [i, v] of verdicts.entries()) {
    if ("command" in v) {
      valid.push(v.command);
      continue;
    }
    const cmd = commands[i];
    deps.telemetry.logger.info("disruption dropped at validation", { method: cmd.method, reason: v.rejected });
    await logDecision(deps, {
      at: deps.clock.now(),
      controller: "disruptor",
      action: "reject",
      details: { method: cmd.method, nodes: cmd.candidates.map((c) => c.nodeName), reason: v.rejected },
    });
  }
  return valid;
}
