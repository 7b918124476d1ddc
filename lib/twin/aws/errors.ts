/**
 * Errors the emulator returns over the wire. Handlers throw {@link AwsApiError}; the protocol layer shapes it as
 * the service does (EC2 XML `<Response><Errors>…`, JSON `__type`, REST `x-amzn-errortype`).
 */

/** EC2 error codes that AWS classifies as server errors, with their HTTP status. */
const EC2_SERVER_ERROR_STATUS: Record<string, number> = {
  RequestLimitExceeded: 503,
  Unavailable: 503,
  ServiceUnavailable: 503,
  InternalError: 500,
  InternalFailure: 500,
  InsufficientInstanceCapacity: 500,
  InsufficientCapacity: 500,
  InsufficientHostCapacity: 500,
  InsufficientReservedInstanceCapacity: 500,
  InsufficientAddressCapacity: 500,
};

/** EC2 client error codes whose status is not 400. */
const EC2_CLIENT_ERROR_STATUS: Record<string, number> = {
  AuthFailure: 401,
  UnauthorizedOperation: 403,
  Blocked: 403,
  OptInRequired: 403,
  PendingVerification: 403,
  SignatureDoesNotMatch: 403,
};

/** The HTTP status EC2 uses for an error code (400 unless it is a known server or auth error). */
export function ec2StatusForCode(code: string): number {
  return EC2_SERVER_ERROR_STATUS[code] ?? EC2_CLIENT_ERROR_STATUS[code] ?? 400;
}

/** An error response from an emulated AWS API. */
export class AwsApiError extends Error {
  override name = "AwsApiError";

  /**
   * @param code the AWS error code (becomes the SDK exception's `name`)
   * @param message the AWS error message
   * @param status HTTP status; @default the EC2 status for `code`
   */
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = ec2StatusForCode(code),
  ) {
    super(message);
  }
}

/** `MissingParameter`: a required request parameter was absent. */
export function missingParameter(name: string): AwsApiError {
  return new AwsApiError("MissingParameter", `The request must contain the parameter ${name}`);
}

/** `InvalidParameterValue` with EC2's usual wording. */
export function invalidParameterValue(name: string, value: string, detail?: string): AwsApiError {
  const suffix = detail ? `: ${detail}` : "";
  return new AwsApiError("InvalidParameterValue", `Invalid value '${value}' for ${name}${suffix}`);
}
