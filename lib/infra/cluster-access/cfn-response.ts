/**
 * Answering a CloudFormation custom-resource request: a PUT of the result to the pre-signed `ResponseURL`. Without
 * it CloudFormation waits an hour, so the handler always answers, success or failure.
 */

/** The request fields an answer echoes. */
export interface CfnRequestIds {
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
}

/** The answer. */
export interface CfnAnswer {
  status: "SUCCESS" | "FAILED";
  physicalResourceId: string;
  reason?: string;
  data?: Record<string, string>;
}

/** CloudFormation rejects responses over 4096 bytes; reasons are cut well below that. */
export const MAX_REASON_LENGTH = 1000;

/** The JSON body CloudFormation expects. */
export function cfnResponseBody(request: CfnRequestIds, answer: CfnAnswer, logStream = ""): string {
  let reason = answer.reason ?? (answer.status === "SUCCESS" ? "OK" : "failed");
  if (logStream) reason = `${reason} (log stream ${logStream})`;
  if (reason.length > MAX_REASON_LENGTH) reason = `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
  return JSON.stringify({
    Status: answer.status,
    Reason: reason,
    PhysicalResourceId: answer.physicalResourceId,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    NoEcho: false,
    Data: answer.data ?? {},
  });
}

/** PUTs the answer; retried a few times on network errors and 5xx. */
export async function sendCfnResponse(
  request: CfnRequestIds,
  answer: CfnAnswer,
  opts: { fetch?: typeof fetch; logStream?: string; attempts?: number; delayMs?: number } = {},
): Promise<void> {
  const doFetch = opts.fetch ?? fetch;
  const body = cfnResponseBody(request, answer, opts.logStream);
  const attempts = opts.attempts ?? 4;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await doFetch(request.ResponseURL, {
        method: "PUT",
        body,
        headers: { "content-type": "" },
      });
      if (res.ok) return;
      lastError = new Error(`CloudFormation response URL answered ${res.status}`);
      if (res.status < 500) break;
    } catch (err) {
      lastError = err;
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, (opts.delayMs ?? 1000) * attempt));
  }
  throw lastError;
}
