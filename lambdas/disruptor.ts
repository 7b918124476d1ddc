/**
 * Disruptor Lambda (EventBridge `rate(1 minute)`): emptiness, expiry, drift and consolidation within budgets, and
 * drains in progress, stopping before the invocation's timeout; with reaction minute, one pass per invocation. The planner's memo lives as long as the container,
 * so a warm container does not simulate an unchanged cluster again. Wiring only; the behaviour is
 * `lib/controllers/disruptor.ts`.
 */
import type { Context } from "aws-lambda";
import { lambdaDeadline } from "../lib/controllers/deadline.js";
import { type DisruptionMemory, Disruptor, type DisruptorResult } from "../lib/controllers/disruptor.js";
import { wiring } from "./wiring.js";

const memory: DisruptionMemory = {};

/** Lambda entry point. */
export async function handler(_event: unknown, context: Context): Promise<DisruptorResult> {
  const { deps, settings } = await wiring("disruptor");
  const deadline = lambdaDeadline(deps.clock, context);
  return new Disruptor(deps, {
    loopSeconds: settings.loopSeconds,
    deadline,
    memory,
    spotToSpot: settings.featureGates.spotToSpotConsolidation,
    nodeRepair: settings.featureGates.nodeRepair,
    singlePass: settings.reaction === "minute",
  }).run();
}
