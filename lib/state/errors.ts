/**
 * Error classes of the state store beyond the contract's `FencedError` and `ConflictError` (`types.ts`), and the
 * mapping of DynamoDB SDK errors onto them.
 */
import type { ClaimState } from "./types.js";

/** A transient DynamoDB failure (throttling, 5xx, network): retry later with backoff. */
export class RetryableStateError extends Error {
  override name = "RetryableStateError";
}

/** The state table does not exist (or is not ACTIVE). Not retryable: deploy the stack or pass `--create-table`. */
export class StateTableNotFoundError extends Error {
  override name = "StateTableNotFoundError";
}

/** A node-claim update asked for a state change the lifecycle does not allow. */
export class InvalidClaimTransitionError extends Error {
  override name = "InvalidClaimTransitionError";
  constructor(
    readonly claimId: string,
    readonly from: ClaimState,
    readonly to: ClaimState,
  ) {
    super(`node claim "${claimId}": invalid state transition ${from} → ${to}`);
  }
}

/** Any other failure of a state operation (bad request, access denied …); not retryable. */
export class StateStoreError extends Error {
  override name = "StateStoreError";
}

const RETRYABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "Throttling",
  "RequestLimitExceeded",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "LimitExceededException",
  "TransactionConflictException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

const RETRYABLE_NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

/** The SDK's error name, or undefined for non-SDK values. */
export function awsErrorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/** True for a failed condition expression. */
export function isConditionalCheckFailed(err: unknown): boolean {
  return awsErrorName(err) === "ConditionalCheckFailedException";
}

/**
 * Maps an error thrown by the DynamoDB SDK to the store's classes: throttling, 5xx and network errors →
 * {@link RetryableStateError}; missing table → {@link StateTableNotFoundError}; other SDK errors →
 * {@link StateStoreError}. Store errors pass through unchanged. `what` names the operation for the message.
 */
export function mapDynamoError(err: unknown, what: string, table: string): Error {
  if (
    err instanceof RetryableStateError ||
    err instanceof StateTableNotFoundError ||
    err instanceof StateStoreError ||
    err instanceof InvalidClaimTransitionError
  ) {
    return err;
  }
  if (!(err instanceof Error)) return new StateStoreError(`${what}: ${String(err)}`);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (err as { code?: string }).code;
  const detail = `${err.name}: ${err.message}`;
  if (
    RETRYABLE_NAMES.has(err.name) ||
    (status !== undefined && status >= 500) ||
    (code && RETRYABLE_NETWORK_CODES.has(code))
  ) {
    return new RetryableStateError(`${what} on table "${table}" failed transiently (${detail})`, { cause: err });
  }
  if (err.name === "ResourceNotFoundException") {
    return new StateTableNotFoundError(
      `state table "${table}" not found (${what}); deploy the stack or create it (stevedore config --create-table)`,
      { cause: err },
    );
  }
  return new StateStoreError(`${what} on table "${table}" failed (${detail})`, { cause: err });
}
