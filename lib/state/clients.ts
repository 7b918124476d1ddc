/**
 * DynamoDB and SSM client construction for the store, the config source, the CLI and the twin.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SSMClient } from "@aws-sdk/client-ssm";

/** Where an AWS API is reached. */
export interface EndpointOptions {
  /** Custom endpoint, e.g. `http://127.0.0.1:4567` (dynalite). @default the AWS regional endpoint */
  endpoint?: string;
  /** @default "us-east-1" */
  region?: string;
  /** SDK attempts per request (its own retries with backoff). @default 3 */
  maxAttempts?: number;
}

/** True for `localhost`, `127.x.x.x` and `[::1]` endpoints. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/**
 * Client settings shared by both factories. For a loopback endpoint (dynalite, moto) with no credentials in the
 * environment, dummy static credentials (`AKIDEXAMPLE`/`secret`) are used — local emulators do not check
 * signatures; any other endpoint uses the SDK's default credential chain.
 */
function clientConfig(opts: EndpointOptions, env: Record<string, string | undefined>) {
  const local = opts.endpoint !== undefined && isLoopbackEndpoint(opts.endpoint) && !env.AWS_ACCESS_KEY_ID;
  return {
    region: opts.region ?? "us-east-1",
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } } : {}),
    maxAttempts: opts.maxAttempts ?? 3,
  };
}

/** A DynamoDB client (dummy credentials for loopback endpoints, see `clientConfig`). */
export function createDynamoClient(
  opts: EndpointOptions = {},
  env: Record<string, string | undefined> = process.env,
): DynamoDBClient {
  return new DynamoDBClient(clientConfig(opts, env));
}

/** An SSM client (dummy credentials for loopback endpoints). */
export function createSsmClient(
  opts: EndpointOptions = {},
  env: Record<string, string | undefined> = process.env,
): SSMClient {
  return new SSMClient(clientConfig(opts, env));
}
