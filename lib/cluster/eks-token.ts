/**
 * EKS authentication without kubectl (`aws-iam-authenticator`'s token format): `k8s-aws-v1.` + base64url (no
 * padding) of a presigned STS `GetCallerIdentity` URL whose signature covers the `x-k8s-aws-id: <cluster>` header.
 * The URL says `X-Amz-Expires=60` for legacy reasons; EKS accepts it for 15 minutes after `X-Amz-Date`, so the
 * provider re-signs after 14 (or a minute before the credentials themselves expire).
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

/** Prefix of every EKS bearer token. */
export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";
/** How long EKS accepts a token after signing. */
export const EKS_TOKEN_LIFETIME_MS = 15 * 60_000;
/** When the provider signs a new token (aws-iam-authenticator reports expiry at 14 minutes). */
export const EKS_TOKEN_REFRESH_AFTER_MS = 14 * 60_000;

/** AWS credentials (structurally the SDK's `AwsCredentialIdentity`). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Resolves credentials (an SDK credential provider, e.g. a client's `config.credentials`). */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** Inputs of one token. */
export interface EksTokenRequest {
  /** EKS cluster name (signed as `x-k8s-aws-id`). */
  clusterName: string;
  /** Region of the STS endpoint used for signing (the cluster's region). */
  region: string;
  credentials: AwsCredentials | AwsCredentialProvider;
  /** Signing time (ms since epoch). @default Date.now() */
  now?: number;
}

/** A signed token and its timing. */
export interface EksToken {
  token: string;
  /** Signing time (ms). */
  signedAt: number;
  /** When EKS stops accepting it (signedAt + 15 min). */
  expiresAt: number;
  /** Expiry of the credentials that signed it, when temporary. */
  credentialsExpireAt?: number;
}

/** STS hostname of a region (China regions use `amazonaws.com.cn`). */
export function stsHostname(region: string): string {
  return `sts.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

/** RFC 3986 escaping, as the SDK's query-string builder does. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Signs one EKS bearer token. */
export async function createEksToken(request: EksTokenRequest): Promise<EksToken> {
  const now = request.now ?? Date.now();
  const credentials = typeof request.credentials === "function" ? await request.credentials() : request.credentials;
  const hostname = stsHostname(request.region);
  const signer = new SignatureV4({ service: "sts", region: request.region, credentials, sha256: Sha256 });
  const signed = await signer.presign(
    new HttpRequest({
      method: "GET",
      protocol: "https:",
      hostname,
      path: "/",
      query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
      headers: { host: hostname, "x-k8s-aws-id": request.clusterName },
    }),
    { expiresIn: 60, signingDate: new Date(now) },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => `${escapeUri(key)}=${escapeUri(String(v ?? ""))}`),
    )
    .join("&");
  const url = `https://${hostname}/?${query}`;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url"),
    signedAt: now,
    expiresAt: now + EKS_TOKEN_LIFETIME_MS,
    credentialsExpireAt: credentials.expiration?.getTime(),
  };
}

/** Decodes a token back into its presigned URL (for tests and diagnostics); throws on a malformed token. */
export function decodeEksToken(token: string): URL {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) throw new Error(`not an EKS token: missing "${EKS_TOKEN_PREFIX}" prefix`);
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), "base64url").toString("utf8"));
}

/** Options of the caching token provider. */
export interface EksTokenProviderOptions {
  clusterName: string;
  region: string;
  credentials: AwsCredentials | AwsCredentialProvider;
  /** Clock (ms since epoch); inject a virtual one in tests. @default Date.now */
  now?: () => number;
  /** Age at which a token is replaced. @default 14 minutes */
  refreshAfterMs?: number;
}

/** Caches a token and signs a fresh one before it (or its credentials) expire; concurrent callers share one signing. */
export class EksTokenProvider {
  private current: EksToken | undefined;
  private pending: Promise<EksToken> | undefined;
  private readonly now: () => number;
  /** Tokens signed so far. */
  signed = 0;

  constructor(private readonly options: EksTokenProviderOptions) {
    this.now = options.now ?? Date.now;
  }

  private isFresh(token: EksToken, now: number): boolean {
    const refreshAt = token.signedAt + (this.options.refreshAfterMs ?? EKS_TOKEN_REFRESH_AFTER_MS);
    const credentialLimit =
      token.credentialsExpireAt === undefined ? Number.POSITIVE_INFINITY : token.credentialsExpireAt - 60_000;
    return now < Math.min(refreshAt, credentialLimit);
  }

  /** A valid bearer token. */
  async getToken(): Promise<string> {
    const now = this.now();
    if (this.current && this.isFresh(this.current, now)) return this.current.token;
    this.pending ??= createEksToken({ ...this.options, now }).finally(() => {
      this.pending = undefined;
    });
    const token = await this.pending;
    if (this.current !== token) {
      this.current = token;
      this.signed++;
    }
    return token.token;
  }
}
