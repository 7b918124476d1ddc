/**
 * Lambda's Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) in front of the deployed mode's
 * Lambda runtime, answering as Lambda does: `X-Amz-Invocation-Type: Event` queues an asynchronous invoke (202, the
 * runtime's retries and maximum event age apply), `RequestResponse` (the default) runs the function and returns its
 * result (200; a function error is a 200 with `X-Amz-Function-Error: Unhandled`), `DryRun` only authorizes (204).
 * A function that does not exist is `ResourceNotFoundException` (404), a synchronous invoke over the reserved
 * concurrency `TooManyRequestsException` (429), a body that is not JSON `InvalidRequestContentException` (400).
 */
import type { LambdaRuntime } from "./lambda-runtime.js";

/** What the API needs of the runtime. */
export type LambdaInvokeTarget = Pick<LambdaRuntime, "function" | "invoke" | "invokeAsync">;

/** One Invoke request, read from the URL and headers. */
export interface LambdaInvokeRequest {
  /** The function's ARN, qualified when the request names a version or alias (what IAM authorizes). */
  resourceArn: string;
  /** The unqualified ARN (what the runtime runs). */
  functionArn: string;
  invocationType: "Event" | "RequestResponse" | "DryRun";
}

/** An HTTP answer. */
export interface LambdaApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/?]+)\/invocations(?:\?(.*))?$/;

/**
 * The Invoke request of `url`, or undefined when `url` is not an Invoke call. The function is named as Lambda
 * accepts it: a name, a partial ARN (`<account>:function:<name>`) or a full ARN, each optionally with `:<qualifier>`,
 * or a `Qualifier` query parameter.
 */
export function parseLambdaInvoke(
  url: string,
  invocationTypeHeader: string | undefined,
  target: { region: string; account: string },
): LambdaInvokeRequest | undefined {
  const m = INVOKE_PATH.exec(url);
  if (!m) return undefined;
  const named = decodeURIComponent(m[1]);
  const fromQuery = new URLSearchParams(m[2] ?? "").get("Qualifier") ?? undefined;
  const parts = named.split(":");
  let name: string;
  let account = target.account;
  let region = target.region;
  let qualifier: string | undefined;
  if (parts[0] === "arn") {
    [, , , region, account, , name, qualifier] = parts;
  } else if (parts[1] === "function") {
    [account, , name, qualifier] = parts;
  } else {
    [name, qualifier] = parts;
  }
  qualifier ??= fromQuery;
  const functionArn = `arn:aws:lambda:${region}:${account}:function:${name}`;
  const type = invocationTypeHeader ?? "RequestResponse";
  return {
    functionArn,
    resourceArn: qualifier && qualifier !== "$LATEST" ? `${functionArn}:${qualifier}` : functionArn,
    invocationType: type === "Event" || type === "DryRun" ? type : "RequestResponse",
  };
}

/** Lambda's JSON error answer. */
export function lambdaError(status: number, type: string, message: string, requestId: string): LambdaApiResponse {
  return {
    status,
    headers: { "content-type": "application/json", "x-amzn-errortype": type, "x-amzn-requestid": requestId },
    body: JSON.stringify({ Type: "User", message, Message: message }),
  };
}

/** Runs an authorized Invoke request against `runtime`. */
export async function serveLambdaInvoke(
  runtime: LambdaInvokeTarget,
  request: LambdaInvokeRequest,
  body: string,
  requestId: string,
): Promise<LambdaApiResponse> {
  try {
    runtime.function(request.functionArn);
  } catch {
    return lambdaError(404, "ResourceNotFoundException", `Function not found: ${request.resourceArn}`, requestId);
  }
  let event: unknown;
  try {
    event = body.trim() === "" ? {} : JSON.parse(body);
  } catch (err) {
    const message = `Could not parse request body into json: ${(err as Error).message}`;
    return lambdaError(400, "InvalidRequestContentException", message, requestId);
  }
  const headers = { "x-amzn-requestid": requestId };
  if (request.invocationType === "DryRun") return { status: 204, headers, body: "" };
  if (request.invocationType === "Event") {
    runtime.invokeAsync(request.functionArn, event);
    return { status: 202, headers, body: "" };
  }
  const outcome = await runtime.invoke(request.functionArn, event);
  const done = { "content-type": "application/json", "x-amz-executed-version": "$LATEST", ...headers };
  switch (outcome.status) {
    case "throttled":
      return {
        ...lambdaError(429, "TooManyRequestsException", "Rate Exceeded.", requestId),
        body: JSON.stringify({
          Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
          Type: "User",
          message: "Rate Exceeded.",
        }),
      };
    case "ok":
      return { status: 200, headers: done, body: JSON.stringify(outcome.value ?? null) };
    default: {
      const failure =
        outcome.status === "timeout"
          ? { errorType: "Sandbox.Timedout", errorMessage: `RequestId: ${requestId} Error: Task timed out` }
          : outcome.status === "crash"
            ? { errorType: "Runtime.ExitError", errorMessage: `RequestId: ${requestId} Error: Runtime exited` }
            : { errorType: outcome.error?.name ?? "Error", errorMessage: outcome.error?.message ?? "", trace: [] };
      return { status: 200, headers: { ...done, "x-amz-function-error": "Unhandled" }, body: JSON.stringify(failure) };
    }
  }
}
