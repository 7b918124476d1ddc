/**
 * ClientToken idempotency as EC2 implements it: a repeated token with the same parameters gets the first response
 * again (nothing new happens); the same token with other parameters fails with `IdempotentParameterMismatch`.
 */
import { AwsApiError } from "./errors.js";
import type { QueryParams } from "./query-params.js";
import type { Ec2World } from "./world.js";
import type { XmlObject } from "./xml.js";

/** One request's idempotency: the stored response to replay, if any, and how to record the new one. */
export interface IdempotentRequest {
  /** The first response for this token, when the request is a retry. */
  replay?: XmlObject;
  /** Remembers the response under the token (no-op without a token); returns it. */
  record(response: XmlObject): XmlObject;
}

/** Checks `action`'s ClientToken; `compareParameters: false` replays on the token alone (CreateLaunchTemplate). */
export function idempotentRequest(
  world: Ec2World,
  action: string,
  params: QueryParams,
  compareParameters = true,
): IdempotentRequest {
  const token = params.string("ClientToken");
  const { ClientToken: _token, ...rest } = params.node;
  const fingerprint = compareParameters ? JSON.stringify(rest) : "";
  const key = `${action}|${token}`;
  const record = (response: XmlObject) => {
    if (token !== undefined) world.idempotency.set(key, { fingerprint, response });
    return response;
  };
  if (token === undefined) return { record };
  const seen = world.idempotency.get(key);
  if (!seen) return { record };
  if (seen.fingerprint !== fingerprint) {
    throw new AwsApiError(
      "IdempotentParameterMismatch",
      "The client token you have provided is associated with a request with different parameters.",
    );
  }
  return { replay: seen.response, record };
}
