/**
 * Classifies failures of `@kubernetes/client-node` calls: transient ones (5xx, 429, 408, connection resets and
 * refusals, timeouts) become `RetryableClusterError`; other API answers become `ClusterApiError` with the HTTP code
 * and the Status reason.
 */
import { ApiException } from "@kubernetes/client-node";
import { RetryableClusterError } from "./types.js";

/** A non-transient Kubernetes API failure (403, 404, 409, 422, …) with the server's Status. */
export class ClusterApiError extends Error {
  constructor(
    message: string,
    /** HTTP status code. */
    readonly statusCode: number,
    /** `Status.reason` (`NotFound`, `Conflict`, `Invalid`, …), when the server sent one. */
    readonly reason?: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "ClusterApiError";
  }
}

const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
]);

/** The HTTP status of a client error (`ApiException.code`, or a watch error's `statusCode`). */
export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (err instanceof ClusterApiError) return err.statusCode;
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

/** The Status object in an ApiException body, if any. */
export function statusBodyOf(err: unknown): { message?: string; reason?: string; code?: number } | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const body: unknown = err.body;
  if (body && typeof body === "object") return body as { message?: string; reason?: string };
  if (typeof body !== "string") return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as { message?: string; reason?: string }) : undefined;
  } catch {
    return undefined;
  }
}

/** True for network-level failures worth retrying (resets, refusals, timeouts, aborted requests). */
export function isTransientNetworkError(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: unknown; errno?: unknown; name?: unknown; type?: unknown; message?: unknown };
  if (e.name === "AbortError" || e.name === "TimeoutError" || e.type === "request-timeout") return true;
  if (typeof e.code === "string" && TRANSIENT_NETWORK_CODES.has(e.code)) return true;
  if (typeof e.errno === "string" && TRANSIENT_NETWORK_CODES.has(e.errno)) return true;
  return typeof e.message === "string" && /socket hang up|ECONNRESET|ECONNREFUSED/.test(e.message);
}

/** True when `statusCode` means "try again later". */
export function isTransientStatus(statusCode: number | undefined): boolean {
  return statusCode !== undefined && (statusCode >= 500 || statusCode === 429 || statusCode === 408);
}

/** True for failures a caller may retry. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RetryableClusterError) return true;
  if (err instanceof ClusterApiError) return false;
  return isTransientStatus(statusCodeOf(err)) || isTransientNetworkError(err);
}

/** True for a 404 answer. */
export function isNotFound(err: unknown): boolean {
  return statusCodeOf(err) === 404;
}

/** True for a 409 answer. */
export function isConflict(err: unknown): boolean {
  return statusCodeOf(err) === 409;
}

/** Converts a client failure into `RetryableClusterError` or `ClusterApiError` (others pass through). */
export function toClusterError(err: unknown, operation: string): Error {
  if (err instanceof RetryableClusterError || err instanceof ClusterApiError) return err;
  const code = statusCodeOf(err);
  const status = statusBodyOf(err);
  const detail = status?.message ?? (err as Error)?.message ?? String(err);
  if (isTransientStatus(code) || isTransientNetworkError(err)) {
    return new RetryableClusterError(
      `${operation}: transient Kubernetes API failure${code ? ` (HTTP ${code})` : ""}: ${detail}`,
      err,
    );
  }
  if (code !== undefined) {
    return new ClusterApiError(
      `${operation}: Kubernetes API answered HTTP ${code}${status?.reason ? ` ${status.reason}` : ""}: ${detail}`,
      code,
      status?.reason,
      err,
    );
  }
  return err instanceof Error ? err : new Error(`${operation}: ${String(err)}`);
}
