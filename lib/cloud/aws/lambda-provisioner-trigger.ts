/**
 * {@link ProvisionerTrigger} over Lambda Invoke with `InvocationType: "Event"`: Lambda queues the event and answers
 * 202 at once; the provisioner function then runs it (its reserved concurrency holds it back while a burst runs,
 * and Lambda retries a throttled event until the function's maximum event age). The payload is
 * `{"source":"stevedore.watcher","reason":…,"count":…}`.
 */
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { type ProvisionerTrigger, type TriggerReason, triggerPayload } from "../provisioner-trigger.js";

/** Options of {@link LambdaProvisionerTrigger}. */
export interface LambdaProvisionerTriggerOptions {
  client: LambdaClient;
  /** The provisioner function's name or ARN. */
  functionName: string;
}

/** A trigger Lambda did not accept (throttled, the function missing, the service unreachable): try again later. */
export class ProvisionerTriggerError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "ProvisionerTriggerError";
  }
}

/** Starts provisioner invocations with asynchronous Lambda invokes. */
export class LambdaProvisionerTrigger implements ProvisionerTrigger {
  constructor(private readonly opts: LambdaProvisionerTriggerOptions) {}

  async trigger(reason: TriggerReason, count: number): Promise<void> {
    const { client, functionName } = this.opts;
    let status: number | undefined;
    try {
      const out = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify(triggerPayload(reason, count))),
        }),
      );
      status = out.StatusCode;
    } catch (err) {
      const name = (err as { name?: string }).name ?? "Error";
      throw new ProvisionerTriggerError(
        `invoking ${functionName} failed: ${name}: ${(err as Error).message ?? String(err)}`,
        err,
      );
    }
    if (status !== 202)
      throw new ProvisionerTriggerError(`invoking ${functionName}: Lambda answered ${status}, not 202 (queued)`);
  }
}
