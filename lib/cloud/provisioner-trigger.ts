/**
 * The provisioner-trigger seam: how the watcher asks for a provisioner invocation when something needs deciding.
 * A trigger runs one invocation and waits for it: the provisioner runs one burst of passes, whatever the reason,
 * and the trigger returns when the burst has ended. `lib/cloud/aws/lambda-provisioner-trigger.ts` implements it as
 * a synchronous Lambda invoke (`RequestResponse`) of the provisioner function.
 */

/** Why the watcher asks: new provisionable pods, or nodes that registration is waiting for. */
export type TriggerReason = "pods" | "nodes";

/** The `source` of every trigger payload, so the provisioner's logs tell watcher triggers from schedules. */
export const WATCHER_TRIGGER_SOURCE = "stevedore.watcher";

/** The event a trigger delivers to the provisioner. */
export interface TriggerPayload {
  source: typeof WATCHER_TRIGGER_SOURCE;
  reason: TriggerReason;
  /** How many pod or node events the trigger stands for. */
  count: number;
}

/** Runs provisioner invocations. */
export interface ProvisionerTrigger {
  /**
   * Runs one provisioner invocation and resolves when it has ended. Rejects with
   * {@link ProvisionerThrottledError} when the provisioner is busy (its reserved concurrency is in use: try again
   * shortly), {@link ProvisionerFunctionError} when the invocation ran and failed (its next run repairs; do not
   * retry at once), and {@link ProvisionerTriggerError} when it could not be started (unreachable, missing).
   */
  trigger(reason: TriggerReason, count: number): Promise<void>;
}

/** The invocation did not start (the service unreachable, the function missing): try again later. */
export class ProvisionerTriggerError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "ProvisionerTriggerError";
  }
}

/** The provisioner is busy — another invocation holds its only concurrency slot: try again shortly. */
export class ProvisionerThrottledError extends ProvisionerTriggerError {
  constructor(message: string, cause?: unknown) {
    super(message, cause);
    this.name = "ProvisionerThrottledError";
  }
}

/** The invocation ran and failed (an error, a timeout): it started a burst, so the trigger is spent. */
export class ProvisionerFunctionError extends ProvisionerTriggerError {
  constructor(message: string, cause?: unknown) {
    super(message, cause);
    this.name = "ProvisionerFunctionError";
  }
}

/** The payload of one trigger. */
export function triggerPayload(reason: TriggerReason, count: number): TriggerPayload {
  return { source: WATCHER_TRIGGER_SOURCE, reason, count };
}
