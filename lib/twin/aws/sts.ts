/**
 * STS (Query protocol, version 2011-06-15): GetCallerIdentity for the emulated account.
 */
import { AwsApiError } from "./errors.js";
import { escapeXml } from "./xml.js";

/** The STS API namespace. */
export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** Handles an STS action; returns the XML document. */
export function handleSts(action: string, accountId: string, requestId: string): string {
  if (action !== "GetCallerIdentity") {
    throw new AwsApiError("InvalidAction", `The emulator does not implement STS ${action}`, 400);
  }
  return (
    `<GetCallerIdentityResponse xmlns="${STS_NAMESPACE}"><GetCallerIdentityResult>` +
    `<Arn>arn:aws:sts::${accountId}:assumed-role/stevedore/emulator</Arn><UserId>AROAEMULATOR:emulator</UserId>` +
    `<Account>${accountId}</Account></GetCallerIdentityResult>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
  );
}

/** An STS error document. */
export function stsErrorXml(code: string, message: string, requestId: string, status: number): string {
  return (
    `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
