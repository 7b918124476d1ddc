/**
 * EKS (REST JSON): `GET /clusters/<name>` (DescribeCluster) and `GET /clusters` (ListClusters) for the emulated
 * cluster, whose endpoint and certificate authority are configurable (the twin points them at its fake
 * kube-apiserver).
 */
import { AwsApiError } from "./errors.js";

/** The emulated EKS cluster. */
export interface EksClusterConfig {
  name: string;
  /** API server URL. @default "https://127.0.0.1:6443" */
  endpoint: string;
  /** Base64 PEM of the cluster CA. @default a placeholder certificate */
  certificateAuthorityData: string;
  /** @default "1.31" */
  version: string;
  /** @default "API_AND_CONFIG_MAP" */
  authenticationMode: "API" | "API_AND_CONFIG_MAP" | "CONFIG_MAP";
  /** @default "172.20.0.0/16" */
  serviceIpv4Cidr: string;
  /** @default "ipv4" */
  ipFamily: "ipv4" | "ipv6";
  /** @default "ACTIVE" */
  status: string;
}

/** A syntactically valid placeholder certificate (not a real CA). */
export const PLACEHOLDER_CA = Buffer.from(
  "-----BEGIN CERTIFICATE-----\nTUlJQ0VtdWxhdGVkLUNBLWZvci10aGUtU3RldmVkb3JlLXR3aW4=\n-----END CERTIFICATE-----\n",
).toString("base64");

/** Defaults for a cluster called `name`. */
export function defaultEksCluster(name: string): EksClusterConfig {
  return {
    name,
    endpoint: "https://127.0.0.1:6443",
    certificateAuthorityData: PLACEHOLDER_CA,
    version: "1.31",
    authenticationMode: "API_AND_CONFIG_MAP",
    serviceIpv4Cidr: "172.20.0.0/16",
    ipFamily: "ipv4",
    status: "ACTIVE",
  };
}

/** Context DescribeCluster needs from the rest of the emulator. */
export interface EksContext {
  region: string;
  accountId: string;
  createdAtMs: number;
  vpcId: string;
  subnetIds: string[];
  clusterSecurityGroupId: string;
}

/** Handles an EKS REST request; returns the JSON body. */
export function handleEks(
  method: string,
  path: string,
  cluster: EksClusterConfig,
  ctx: EksContext,
): { action: string; body: () => unknown } {
  const parts = path.split("?")[0]?.split("/").filter(Boolean) ?? [];
  if (method === "GET" && parts.length === 1 && parts[0] === "clusters") {
    return { action: "ListClusters", body: () => ({ clusters: [cluster.name] }) };
  }
  if (method === "GET" && parts.length === 2 && parts[0] === "clusters") {
    const name = decodeURIComponent(parts[1] as string);
    return {
      action: "DescribeCluster",
      body: () => {
        if (name !== cluster.name) {
          throw new AwsApiError("ResourceNotFoundException", `No cluster found for name: ${name}.`, 404);
        }
        return {
          cluster: {
            name: cluster.name,
            arn: `arn:aws:eks:${ctx.region}:${ctx.accountId}:cluster/${cluster.name}`,
            createdAt: ctx.createdAtMs / 1000,
            version: cluster.version,
            endpoint: cluster.endpoint,
            roleArn: `arn:aws:iam::${ctx.accountId}:role/${cluster.name}-cluster-role`,
            resourcesVpcConfig: {
              subnetIds: ctx.subnetIds,
              securityGroupIds: [],
              clusterSecurityGroupId: ctx.clusterSecurityGroupId,
              vpcId: ctx.vpcId,
              endpointPublicAccess: true,
              endpointPrivateAccess: true,
              publicAccessCidrs: ["0.0.0.0/0"],
            },
            kubernetesNetworkConfig:
              cluster.ipFamily === "ipv6"
                ? { serviceIpv6Cidr: "fd00:ec2::/108", ipFamily: "ipv6" }
                : { serviceIpv4Cidr: cluster.serviceIpv4Cidr, ipFamily: "ipv4" },
            identity: {
              oidc: { issuer: `https://oidc.eks.${ctx.region}.amazonaws.com/id/EMULATED${cluster.name.toUpperCase()}` },
            },
            status: cluster.status,
            certificateAuthority: { data: cluster.certificateAuthorityData },
            platformVersion: "eks.1",
            tags: {},
            accessConfig: { authenticationMode: cluster.authenticationMode },
          },
        };
      },
    };
  }
  return {
    action: "Unknown",
    body: () => {
      throw new AwsApiError("UnknownOperationException", `The emulator does not implement EKS ${method} ${path}`, 404);
    },
  };
}
