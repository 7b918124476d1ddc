/**
 * Disruptor Lambda (EventBridge `rate(1 minute)`): emptiness, expiry, drift and consolidation within budgets, and
 * drains in progress. Wiring only; the behaviour is `lib/controllers/disruptor.ts`.
 */
import { Disruptor, type DisruptorResult } from "../lib/controllers/disruptor.js";
import { wiring } from "./wiring.js";

/** Lambda entry point. */
export async function handler(): Promise<DisruptorResult> {
  const { deps, settings } = await wiring("disruptor");
  return new Disruptor(deps, { loopSeconds: settings.loopSeconds }).run();
}
