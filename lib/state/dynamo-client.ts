/**
 * DynamoDB client construction for the store, the CLI and the twin.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** Where the state table lives. */
export interface DynamoEndpointOptions {
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
 * A DynamoDB client. For a loopback endpoint (dynalite, moto) with no credentials in the environment, it uses dummy
 * static credentials (`AKIDEXAMPLE`/`secret`) — local emulators do not check signatures; any other endpoint uses the
 * SDK's default credential chain.
 */
export function createDynamoClient(
  opts: DynamoEndpointOptions = {},
  env: Record<string, string | undefined> = process.env,
): DynamoDBClient {
  const local = opts.endpoint !== undefined && isLoopbackEndpoint(opts.endpoint) && !env.AWS_ACCESS_KEY_ID;
  return new DynamoDBClient({
    region: opts.region ?? "us-east-1",
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } } : {}),
    maxAttempts: opts.maxAttempts ?? 3,
  });
}
