/**
 * Connects to an EKS cluster without kubectl: `eks:DescribeCluster` gives the API endpoint and CA; requests carry
 * an STS-presigned bearer token (`eks-token.ts`) through a client-node authenticator (`eks-authenticator.ts`).
 */
import { type Cluster, DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import type { KubeConfig } from "@kubernetes/client-node";
import { eksKubeConfig } from "./eks-authenticator.js";
import { type AwsCredentialProvider, type AwsCredentials, EksTokenProvider } from "./eks-token.js";
import { KubeClusterClient, type KubeClusterClientOptions } from "./kube-client.js";
import { RetryableClusterError } from "./types.js";

/** DescribeCluster found no cluster with that name. */
export class EksClusterNotFoundError extends Error {
  constructor(
    readonly clusterName: string,
    readonly region: string,
  ) {
    super(`EKS cluster "${clusterName}" not found in ${region} (eks:DescribeCluster)`);
    this.name = "EksClusterNotFoundError";
  }
}

/** The cluster exists but has no usable endpoint yet (status not ACTIVE/UPDATING, or no endpoint). */
export class EksClusterNotReadyError extends Error {
  constructor(
    readonly clusterName: string,
    readonly status: string,
  ) {
    super(`EKS cluster "${clusterName}" is ${status}: its API endpoint is not available yet`);
    this.name = "EksClusterNotReadyError";
  }
}

/** What DescribeCluster tells us. */
export interface EksClusterInfo {
  name: string;
  /** `https://…eks.amazonaws.com`. */
  endpoint: string;
  /** Base64 PEM CA bundle. */
  caData?: string;
  status: string;
  version?: string;
}

/** Reads endpoint and CA of `clusterName`; throttling and 5xx become `RetryableClusterError`. */
export async function describeEksCluster(eks: EKSClient, clusterName: string): Promise<EksClusterInfo> {
  let cluster: Cluster | undefined;
  try {
    ({ cluster } = await eks.send(new DescribeClusterCommand({ name: clusterName })));
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; message?: string };
    const region = await eks.config.region();
    if (e.name === "ResourceNotFoundException") throw new EksClusterNotFoundError(clusterName, region);
    const status = e.$metadata?.httpStatusCode ?? 0;
    if (status >= 500 || status === 429 || e.$retryable || /Throttl/.test(e.name ?? "")) {
      throw new RetryableClusterError(`eks:DescribeCluster ${clusterName}: ${e.name}: ${e.message}`, err);
    }
    throw err;
  }
  const status = cluster?.status ?? "UNKNOWN";
  if (!cluster?.endpoint || (status !== "ACTIVE" && status !== "UPDATING")) {
    throw new EksClusterNotReadyError(clusterName, status);
  }
  return {
    name: cluster.name ?? clusterName,
    endpoint: cluster.endpoint,
    caData: cluster.certificateAuthority?.data,
    status,
    version: cluster.version,
  };
}

/** Options of `connectEksCluster`: which cluster, how to reach EKS, and the client's own options. */
export interface EksConnectOptions extends Partial<Omit<KubeClusterClientOptions, "kubeConfig">> {
  clusterName: string;
  region: string;
  /** EKS client to use. @default new EKSClient({ region, endpoint: eksEndpoint }) */
  eks?: EKSClient;
  /** EKS API endpoint override (local tests). @default the regional endpoint */
  eksEndpoint?: string;
  /** Credentials that sign tokens. @default the EKS client's credential provider (the SDK default chain) */
  credentials?: AwsCredentials | AwsCredentialProvider;
  /** Clock of the token provider (ms). @default Date.now */
  now?: () => number;
}

/** A connected EKS cluster. */
export interface EksConnection {
  info: EksClusterInfo;
  kubeConfig: KubeConfig;
  tokens: EksTokenProvider;
  client: KubeClusterClient;
}

/** Describes the cluster and builds a token-authenticated KubeConfig and `ClusterClient` for it. */
export async function connectEksCluster(options: EksConnectOptions): Promise<EksConnection> {
  const { clusterName, region, eks: givenEks, eksEndpoint, credentials, now, ...clientOptions } = options;
  const eks = givenEks ?? new EKSClient({ region, ...(eksEndpoint ? { endpoint: eksEndpoint } : {}) });
  const info = await describeEksCluster(eks, clusterName);
  const tokens = new EksTokenProvider({
    clusterName,
    region,
    credentials: credentials ?? (() => eks.config.credentials()),
    now,
  });
  const kubeConfig = eksKubeConfig({ clusterName, server: info.endpoint, caData: info.caData, tokens });
  return { info, kubeConfig, tokens, client: new KubeClusterClient({ ...clientOptions, kubeConfig }) };
}
