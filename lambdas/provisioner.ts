/**
 * Provisioner Lambda (EventBridge `rate(1 minute)`): one invocation holds the `provisioner` lease, watches pending
 * pods for `STEVEDORE_LOOP_SECONDS` and launches capacity. Wiring only; the behaviour is `lib/controllers/provisioner.ts`.
 */
import { Provisioner, type ProvisionerResult } from "../lib/controllers/provisioner.js";
import { wiring } from "./wiring.js";

/** Lambda entry point. */
export async function handler(): Promise<ProvisionerResult> {
  const { deps, settings } = await wiring("provisioner");
  return new Provisioner(deps, { loopSeconds: settings.loopSeconds }).run();
}
