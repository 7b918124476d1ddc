/**
 * Garbage-collection Lambda (EventBridge schedule): leaked instances, Nodes of vanished instances, expired claims.
 * Wiring only; the behaviour is `lib/controllers/gc.ts`.
 */
import { GarbageCollector, type GcResult } from "../lib/controllers/gc.js";
import { wiring } from "./wiring.js";

/** Lambda entry point. */
export async function handler(): Promise<GcResult> {
  const { deps } = await wiring("gc");
  return new GarbageCollector(deps).run();
}
