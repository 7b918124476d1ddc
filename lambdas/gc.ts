/**
 * Garbage-collection Lambda (EventBridge schedule): leaked instances, Nodes of vanished instances, expired claims,
 * stopping before the invocation's timeout. Wiring only; the behaviour is `lib/controllers/gc.ts`.
 */
import type { Context } from "aws-lambda";
import { lambdaDeadline } from "../lib/controllers/deadline.js";
import { GarbageCollector, type GcResult } from "../lib/controllers/gc.js";
import { wiring } from "./wiring.js";

/** Lambda entry point. */
export async function handler(_event: unknown, context: Context): Promise<GcResult> {
  const { deps } = await wiring("gc");
  return new GarbageCollector(deps, { deadline: lambdaDeadline(deps.clock, context) }).run();
}
