/**
 * `metav1.Status` failures in the shape the real kube-apiserver returns, and the error class that carries them
 * through the fake's handlers.
 */

/** A `metav1.Status` cause. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** `metav1.Status` as JSON. */
export interface StatusObject {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[] };
  code: number;
}

/** A request failure the fake answers with a Status body and its HTTP code. */
export class ApiError extends Error {
  constructor(readonly status: StatusObject) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = "ApiError";
  }

  /** The HTTP status code. */
  get code(): number {
    return this.status.code;
  }
}

/** Builds a failure Status. */
export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: StatusObject["details"],
): StatusObject {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** The group part of Status details (omitted for core). */
function groupOf(group: string): { group?: string } {
  return group ? { group } : {};
}

/** 404 `pods "x" not found`. */
export function notFound(plural: string, group: string, name: string): ApiError {
  return new ApiError(
    failureStatus(404, "NotFound", `${plural}${group ? `.${group}` : ""} "${name}" not found`, {
      name,
      ...groupOf(group),
      kind: plural,
    }),
  );
}

/** 404 for an unknown path. */
export function pathNotFound(): ApiError {
  return new ApiError(failureStatus(404, "NotFound", "the server could not find the requested resource", {}));
}

/** 409 `pods "x" already exists`. */
export function alreadyExists(plural: string, group: string, name: string): ApiError {
  return new ApiError(
    failureStatus(409, "AlreadyExists", `${plural}${group ? `.${group}` : ""} "${name}" already exists`, {
      name,
      ...groupOf(group),
      kind: plural,
    }),
  );
}

/** 409 optimistic-concurrency conflict. */
export function conflict(plural: string, group: string, name: string, why?: string): ApiError {
  const resource = `${plural}${group ? `.${group}` : ""}`;
  const reason = why ?? "the object has been modified; please apply your changes to the latest version and try again";
  return new ApiError(
    failureStatus(409, "Conflict", `Operation cannot be fulfilled on ${resource} "${name}": ${reason}`, {
      name,
      ...groupOf(group),
      kind: plural,
    }),
  );
}

/** 422 `Kind "x" is invalid: field: message`. */
export function invalid(kind: string, group: string, name: string, causes: Required<StatusCause>[]): ApiError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  return new ApiError(
    failureStatus(422, "Invalid", `${kind} "${name}" is invalid: ${summary}`, {
      name,
      ...groupOf(group),
      kind,
      causes,
    }),
  );
}

/** 400 BadRequest. */
export function badRequest(message: string): ApiError {
  return new ApiError(failureStatus(400, "BadRequest", message));
}

/** 410 Expired (a too-old resourceVersion or continue token). */
export function expired(message: string): ApiError {
  return new ApiError(failureStatus(410, "Expired", message));
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(method: string): ApiError {
  return new ApiError(
    failureStatus(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`, {
      causes: [{ message: `method ${method}` }],
    }),
  );
}

/** 415 UnsupportedMediaType. */
export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(
    failureStatus(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`,
    ),
  );
}

/** 401 Unauthorized. */
export function unauthorized(): ApiError {
  return new ApiError(failureStatus(401, "Unauthorized", "Unauthorized"));
}

/** A Status for an arbitrary injected failure code (500, 503, 429, …). */
export function statusForCode(code: number, message?: string): StatusObject {
  const reasons: Record<number, [string, string]> = {
    400: ["BadRequest", "bad request"],
    401: ["Unauthorized", "Unauthorized"],
    403: ["Forbidden", "forbidden"],
    404: ["NotFound", "the server could not find the requested resource"],
    409: ["Conflict", "conflict"],
    429: ["TooManyRequests", "the server has received too many requests and has asked us to try again later"],
    500: ["InternalError", "Internal error occurred: injected fault"],
    503: ["ServiceUnavailable", "the server is currently unable to handle the request"],
    504: ["Timeout", "the server was unable to return a response in the time allotted"],
  };
  const [reason, text] = reasons[code] ?? ["InternalError", `injected failure ${code}`];
  return failureStatus(code, reason, message ?? text);
}

/** A success Status (for deletes of resources that answer with one, and for evictions). */
export function successStatus(
  code: number,
  details?: StatusObject["details"],
): Omit<StatusObject, "message" | "reason"> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", ...(details ? { details } : {}), code };
}
