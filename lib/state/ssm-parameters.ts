/**
 * Reading config parameters from SSM Parameter Store: every parameter under a path (recursive, decrypted,
 * paginated), with SSM errors mapped onto the state error classes.
 */
import {
  GetParametersByPathCommand,
  type GetParametersByPathCommandOutput,
  type Parameter,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { RetryableStateError, StateStoreError } from "./errors.js";

/** One SSM parameter holding config YAML. */
export interface ConfigParameter {
  /** Full name, e.g. `/stevedore/prod/nodepools/default`. */
  name: string;
  /** Value (decrypted for SecureString). */
  value: string;
  /** SSM parameter version. */
  version: number;
  /** @default unset when SSM does not report it */
  lastModified?: number;
}

const RETRYABLE = new Set(["ThrottlingException", "InternalServerError", "TooManyUpdates", "TimeoutError"]);

/** The SSM path as given, normalised to start with `/` and not end with one (except the root). */
export function normaliseParameterPath(path: string): string {
  const withSlash = path.startsWith("/") ? path : `/${path}`;
  return withSlash.length > 1 ? withSlash.replace(/\/+$/, "") : withSlash;
}

function toConfigParameter(p: Parameter): ConfigParameter | undefined {
  if (!p.Name || p.Value === undefined) return undefined;
  return {
    name: p.Name,
    value: p.Value,
    version: p.Version ?? 0,
    ...(p.LastModifiedDate ? { lastModified: p.LastModifiedDate.getTime() } : {}),
  };
}

/**
 * All parameters under `path` (recursive, `WithDecryption`), following `NextToken`, ordered by name.
 * Throttling/5xx → {@link RetryableStateError}; other failures → {@link StateStoreError}.
 */
export async function readConfigParameters(client: SSMClient, path: string): Promise<ConfigParameter[]> {
  const out: ConfigParameter[] = [];
  let nextToken: string | undefined;
  const normalised = normaliseParameterPath(path);
  do {
    let page: GetParametersByPathCommandOutput;
    try {
      page = await client.send(
        new GetParametersByPathCommand({
          Path: normalised,
          Recursive: true,
          WithDecryption: true,
          MaxResults: 10,
          NextToken: nextToken,
        }),
      );
    } catch (err) {
      throw mapSsmError(err, normalised);
    }
    for (const p of page.Parameters ?? []) {
      const param = toConfigParameter(p);
      if (param) out.push(param);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function mapSsmError(err: unknown, path: string): Error {
  if (!(err instanceof Error)) return new StateStoreError(`SSM GetParametersByPath ${path}: ${String(err)}`);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (err as { code?: string }).code;
  const detail = `${err.name}: ${err.message}`;
  if (
    RETRYABLE.has(err.name) ||
    (status !== undefined && status >= 500) ||
    code === "ECONNREFUSED" ||
    code === "ECONNRESET"
  ) {
    return new RetryableStateError(`SSM GetParametersByPath ${path} failed transiently (${detail})`, { cause: err });
  }
  return new StateStoreError(`SSM GetParametersByPath ${path} failed (${detail})`, { cause: err });
}
