/**
 * Provisioner Lambda (EventBridge `rate(1 minute)`, and asynchronous invokes from the watcher): every invocation,
 * whatever started it, holds the `provisioner` lease and runs one burst — passes until one finds nothing to do,
 * never longer than `STEVEDORE_LOOP_SECONDS` and stopping before the invocation's timeout. Wiring only; the
 * behaviour is `lib/controllers/provisioner.ts`.
 */
import type { Context } from "aws-lambda";
import { lambdaDeadline } from "../lib/controllers/deadline.js";
import { Provisioner, type ProvisionerResult } from "../lib/controllers/provisioner.js";
import { wiring } from "./wiring.js";

/** Lambda entry point. */
export async function handler(_event: unknown, context: Context): Promise<ProvisionerResult> {
  const { deps, settings } = await wiring("provisioner");
  const deadline = lambdaDeadline(deps.clock, context);
  return new Provisioner(deps, {
    loopSeconds: settings.loopSeconds,
    minValuesPolicy: settings.minValuesPolicy,
    stopWhenIdle: true,
    deadline,
  }).run();
}
