/**
 * The provisioner-trigger seam: how the watcher asks for a provisioner invocation when something needs deciding.
 * A trigger only starts an invocation (it does not wait for it): the provisioner then runs one burst of passes,
 * whatever the reason. `lib/cloud/aws/lambda-provisioner-trigger.ts` implements it as an asynchronous Lambda
 * invoke of the provisioner function.
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

/** Starts a provisioner invocation. */
export interface ProvisionerTrigger {
  /**
   * Asks for one provisioner invocation and returns once it is accepted (queued), not when it has run. Rejects
   * when it was not accepted (throttled, unreachable): the caller may try again later.
   */
  trigger(reason: TriggerReason, count: number): Promise<void>;
}

/** The payload of one trigger. */
export function triggerPayload(reason: TriggerReason, count: number): TriggerPayload {
  return { source: WATCHER_TRIGGER_SOURCE, reason, count };
}
