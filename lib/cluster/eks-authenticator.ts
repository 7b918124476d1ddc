/**
 * Plugs an `EksTokenProvider` into `@kubernetes/client-node` 1.4 as a custom authenticator: every request (watches
 * included) asks the provider for a token, which re-signs before the 15-minute lifetime ends. A static
 * `user.token` is never set (the client would apply it after the authenticator and freeze the token).
 */
import { type Cluster, KubeConfig, type User } from "@kubernetes/client-node";

/** `authProvider.name` the authenticator claims; no built-in authenticator uses it. */
export const EKS_AUTH_PROVIDER_NAME = "stevedore-eks-token";

/** Anything that hands out bearer tokens. */
export interface BearerTokenSource {
  getToken(): Promise<string>;
}

/** The request options the client lets an authenticator change (structurally client-node's `Authenticator`). */
interface AuthenticatedOptions {
  headers?: Record<string, unknown>;
}

/** A client-node authenticator setting `Authorization: Bearer <token>` from a token source. */
export class EksTokenAuthenticator {
  constructor(private readonly tokens: BearerTokenSource) {}

  isAuthProvider(user: User): boolean {
    return (user?.authProvider as { name?: string } | undefined)?.name === EKS_AUTH_PROVIDER_NAME;
  }

  async applyAuthentication(_user: User, opts: AuthenticatedOptions): Promise<void> {
    const token = await this.tokens.getToken();
    opts.headers ??= {};
    opts.headers.Authorization = `Bearer ${token}`;
  }
}

/** Inputs of an EKS KubeConfig. */
export interface EksKubeConfigOptions {
  clusterName: string;
  /** API server URL (`cluster.endpoint` of DescribeCluster). */
  server: string;
  /** Base64 PEM CA bundle (`cluster.certificateAuthority.data`). */
  caData?: string;
  tokens: BearerTokenSource;
}

/**
 * A KubeConfig whose single context authenticates with `tokens`. An `http://` server (only the local twin serves
 * one) gets `skipTLSVerify`, which client-node 1.4 requires for plain HTTP; `https://` servers verify against `caData`.
 */
export function eksKubeConfig(options: EksKubeConfigOptions): KubeConfig {
  const kc = new KubeConfig();
  const plainHttp = options.server.startsWith("http://");
  const cluster: Cluster = {
    name: options.clusterName,
    server: options.server,
    skipTLSVerify: plainHttp,
    ...(options.caData && !plainHttp ? { caData: options.caData } : {}),
  };
  const user: User = {
    name: `${options.clusterName}-stevedore`,
    authProvider: { name: EKS_AUTH_PROVIDER_NAME, config: {} },
  };
  kc.addAuthenticator(new EksTokenAuthenticator(options.tokens));
  kc.loadFromClusterAndUser(cluster, user);
  return kc;
}
