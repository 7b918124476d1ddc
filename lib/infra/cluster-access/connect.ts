/**
 * How the cluster-access custom resource reaches the Kubernetes API: `eks:DescribeCluster` for the endpoint and CA
 * and an STS-presigned token (`lib/cluster`), signed with the function's own credentials or, when `KubectlRoleArn`
 * is set, with credentials of that role (STS AssumeRole).
 */
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { connectEksCluster, EksClusterNotFoundError } from "../../cluster/eks-cluster.js";
import type { AwsCredentials } from "../../cluster/eks-token.js";
import { ClientNodeClusterAccess, type ClusterAccessKube } from "./kube-access.js";
import type { ClusterAccessProperties } from "./properties.js";

/** Credentials of `roleArn` for one session. */
export async function assumeRole(sts: STSClient, roleArn: string, sessionName: string): Promise<AwsCredentials> {
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 900 }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`sts:AssumeRole ${roleArn} returned no credentials`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}

/** Connects to the cluster named in the properties; `undefined` when it does not exist. */
export async function connectForClusterAccess(
  props: ClusterAccessProperties,
  region: string,
): Promise<ClusterAccessKube | undefined> {
  const credentials = props.KubectlRoleArn
    ? await assumeRole(new STSClient({ region }), props.KubectlRoleArn, "stevedore-cluster-access")
    : undefined;
  try {
    const { kubeConfig } = await connectEksCluster({
      clusterName: props.ClusterName,
      region,
      ...(credentials ? { credentials } : {}),
    });
    return new ClientNodeClusterAccess(kubeConfig);
  } catch (err) {
    if (err instanceof EksClusterNotFoundError) return undefined;
    throw err;
  }
}
