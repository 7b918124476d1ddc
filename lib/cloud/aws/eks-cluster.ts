/**
 * Cluster facts for node bootstrap from `eks:DescribeCluster`: API endpoint, CA bundle, service CIDR (nodeadm needs
 * it), Kubernetes version (AMI parameters), and the cluster DNS IP (the `.10` address of the service CIDR, where EKS
 * puts kube-dns).
 */
import { DescribeClusterCommand, type EKSClient } from "@aws-sdk/client-eks";
import type { ClusterFacts } from "./aws-cloud-provider.js";

/** Thrown when DescribeCluster answers without what node bootstrap needs. */
export class IncompleteClusterError extends Error {
  constructor(cluster: string, missing: string) {
    super(`EKS cluster "${cluster}" has no ${missing} (is it still being created?)`);
    this.name = "IncompleteClusterError";
  }
}

/** The kube-dns ClusterIP EKS assigns: the `.10` address of an IPv4 service CIDR; undefined for other CIDRs. */
export function clusterDnsIp(serviceCidr: string | undefined): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(serviceCidr ?? "");
  if (!m) return undefined;
  const base = (((+m[1] << 24) >>> 0) + (+m[2] << 16) + (+m[3] << 8) + +m[4]) >>> 0;
  const prefix = +m[5];
  const network = prefix === 0 ? 0 : (base & (~0 << (32 - prefix))) >>> 0;
  const ip = (network + 10) >>> 0;
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}

/** Reads the facts of one cluster. */
export async function loadClusterFacts(eks: EKSClient, clusterName: string): Promise<ClusterFacts> {
  const res = await eks.send(new DescribeClusterCommand({ name: clusterName }));
  const c = res.cluster;
  if (!c?.endpoint) throw new IncompleteClusterError(clusterName, "endpoint");
  if (!c.certificateAuthority?.data) throw new IncompleteClusterError(clusterName, "certificate authority");
  if (!c.version) throw new IncompleteClusterError(clusterName, "Kubernetes version");
  const serviceCidr = c.kubernetesNetworkConfig?.serviceIpv4Cidr;
  const dns = clusterDnsIp(serviceCidr);
  return {
    endpoint: c.endpoint,
    caBundle: c.certificateAuthority.data,
    kubernetesVersion: c.version,
    ...(serviceCidr ? { serviceCidr } : {}),
    ...(dns ? { clusterDNS: [dns] } : {}),
  };
}
