/**
 * Disruptor Lambda (EventBridge `rate(1 minute)`): emptiness, expiry, drift and consolidation within budgets, and
 * drains in progress, stopping before the invocation's timeout. One pass per invocation in both reaction modes
 * (reaction is about pending pods, not disruption): drains advance a step a minute, and validations are re-checked by
 * the next invocation through the container's memory. The planner's memo lives as long as the container, so a warm
 * container does not simulate an unchanged cluster again. Wiring only; the behaviour is
 * `lib/controllers/disruptor.ts`.
 */
import type { Context } from "aws-lambda";
import { lambdaDeadline } from "../lib/controllers/deadline.js";
import {
  type DisruptionMemory,
  Disruptor,
  type DisruptorOptions,
  type DisruptorResult,
} from "../lib/controllers/disruptor.js";
import { scheduledPassOptions } from "../lib/controllers/disruptor-options.js";
import { type ControllerSettings, wiring } from "./wiring.js";

const memory: DisruptionMemory = {};

/**
 * The disruptor's options from the function's settings: one pass per invocation whatever `reaction` says, with
 * follow-up passes for a few seconds while a disruption is in progress in reaction seconds. The function's timeout
 * (`loopSeconds` + 20 s, the stack's) bounds the invocation: the deadline is that timeout less a safety margin, and the
 * lease TTL derives from the deadline so it outlives the timeout (`disruptorLeaseTtlMs`).
 */
export function disruptorOptions(
  settings: ControllerSettings,
  deadline: number,
  disruptionMemory: DisruptionMemory,
): DisruptorOptions {
  return {
    deadline,
    memory: disruptionMemory,
    spotToSpot: settings.featureGates.spotToSpotConsolidation,
    nodeRepair: settings.featureGates.nodeRepair,
    ...scheduledPassOptions(settings.reaction),
  };
}

/** Lambda entry point. */
export async function handler(_event: unknown, context: Context): Promise<DisruptorResult> {
  const { deps, settings } = await wiring("disruptor");
  return new Disruptor(deps, disruptorOptions(settings, lambdaDeadline(deps.clock, context), memory)).run();
}
