/**
 * Watcher Lambda (reaction `seconds`; EventBridge `rate(1 minute)`, 128 MB): watches unscheduled pods and Nodes
 * for `STEVEDORE_WATCH_SECONDS` (the schedule's interval plus a little overlap) and invokes the provisioner
 * function synchronously, one call at a time, when there is something to decide. Holds no lease and writes nothing. Wiring only; the
 * behaviour is `lib/controllers/pending-watcher.ts`.
 */
import type { Context } from "aws-lambda";
import { lambdaDeadline } from "../lib/controllers/deadline.js";
import { PendingWatcher, type WatcherResult } from "../lib/controllers/pending-watcher.js";
import { watcherWiring } from "./wiring.js";

/** Lambda entry point. */
export async function handler(_event: unknown, context: Context): Promise<WatcherResult> {
  const { deps, settings } = await watcherWiring();
  const deadline = lambdaDeadline(deps.clock, context);
  return new PendingWatcher(deps, { watchSeconds: settings.watchSeconds, deadline }).run();
}
