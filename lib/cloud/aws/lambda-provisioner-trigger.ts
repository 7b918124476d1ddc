/**
 * {@link ProvisionerTrigger} over Lambda Invoke with `InvocationType: "RequestResponse"`: Lambda runs the
 * provisioner now and answers with its result when the burst ends (200), or refuses at once with 429
 * `TooManyRequestsException` when the function's reserved concurrency is in use — a burst is running. A throttled
 * synchronous invoke is not queued and not retried by Lambda: the caller decides when to ask again (the watcher
 * does so a second later), so no trigger waits out Lambda's asynchronous retry backoff. The client should be built
 * with `maxAttempts: 1` (the SDK's own throttle retries back off for longer) and no request timeout (a burst may
 * last up to the provisioner's timeout). The payload is `{"source":"stevedore.watcher","reason":…,"count":…}`.
 */
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import {
  ProvisionerFunctionError,
  ProvisionerThrottledError,
  type ProvisionerTrigger,
  ProvisionerTriggerError,
  type TriggerReason,
  triggerPayload,
} from "../provisioner-trigger.js";

export { ProvisionerFunctionError, ProvisionerThrottledError, ProvisionerTriggerError };

/** Options of {@link LambdaProvisionerTrigger}. */
export interface LambdaProvisionerTriggerOptions {
  client: LambdaClient;
  /** The provisioner function's name or ARN. */
  functionName: string;
}

/** Whether an SDK error is Lambda refusing for concurrency or request rate (429). */
function isThrottle(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "TooManyRequestsException" || e.$metadata?.httpStatusCode === 429;
}

/** Runs provisioner invocations with synchronous Lambda invokes. */
export class LambdaProvisionerTrigger implements ProvisionerTrigger {
  constructor(private readonly opts: LambdaProvisionerTriggerOptions) {}

  async trigger(reason: TriggerReason, count: number): Promise<void> {
    const { client, functionName } = this.opts;
    let out: { StatusCode?: number; FunctionError?: string; Payload?: Uint8Array };
    try {
      out = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: "RequestResponse",
          Payload: new TextEncoder().encode(JSON.stringify(triggerPayload(reason, count))),
        }),
      );
    } catch (err) {
      const name = (err as { name?: string }).name ?? "Error";
      const message = `invoking ${functionName} failed: ${name}: ${(err as Error).message ?? String(err)}`;
      throw isThrottle(err) ? new ProvisionerThrottledError(message, err) : new ProvisionerTriggerError(message, err);
    }
    if (out.FunctionError !== undefined) {
      const detail = out.Payload ? new TextDecoder().decode(out.Payload).slice(0, 500) : "";
      throw new ProvisionerFunctionError(`${functionName} failed (${out.FunctionError}): ${detail}`);
    }
    if (out.StatusCode !== 200)
      throw new ProvisionerTriggerError(`invoking ${functionName}: Lambda answered ${out.StatusCode}, not 200 (ran)`);
  }
}
