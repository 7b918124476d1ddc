/**
 * Opaque, offset-based NextToken pagination shared by every emulated list API.
 */
import { AwsApiError } from "./errors.js";

/** One page of results. */
export interface Page<T> {
  items: T[];
  /** Present when more results follow. */
  nextToken?: string;
}

/**
 * Slices `items` after `nextToken`.
 * @param scope distinguishes tokens of different actions (a token from one is rejected by another)
 * @param pageSize the page size (MaxResults, or the action's default)
 * @param errorCode the code for a malformed token; @default "InvalidParameterValue"
 */
export function paginate<T>(
  items: T[],
  scope: string,
  pageSize: number,
  nextToken: string | undefined,
  errorCode = "InvalidParameterValue",
  errorStatus = 400,
): Page<T> {
  let offset = 0;
  if (nextToken !== undefined && nextToken !== "") {
    offset = decodeToken(nextToken, scope, errorCode, errorStatus);
  }
  const slice = items.slice(offset, offset + pageSize);
  const end = offset + slice.length;
  return end < items.length ? { items: slice, nextToken: encodeToken(scope, end) } : { items: slice };
}

function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString("base64url");
}

function decodeToken(token: string, scope: string, errorCode: string, status: number): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { s?: unknown; o?: unknown };
    if (parsed.s === scope && typeof parsed.o === "number" && Number.isInteger(parsed.o) && parsed.o >= 0) {
      return parsed.o;
    }
  } catch {
    // fall through to the error below
  }
  throw new AwsApiError(errorCode, `The token '${token}' is invalid for this request.`, status);
}
