/**
 * Resolving a deployed Stevedore stack (`--stack <name>`): CloudFormation DescribeStacks gives the state table and
 * the EKS cluster from the stack's outputs. `AWS_ENDPOINT_URL_CLOUDFORMATION` / `AWS_ENDPOINT_URL_EKS` (or
 * `AWS_ENDPOINT_URL`) point the clients elsewhere, e.g. at the twin's AWS emulator; a loopback endpoint without
 * credentials in the environment gets dummy ones, as for dynalite.
 */
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { EKSClient } from "@aws-sdk/client-eks";
import { connectEksCluster } from "../../lib/cluster/eks-cluster.js";
import type { ClusterClient } from "../../lib/cluster/types.js";
import { STACK_OUTPUTS } from "../../lib/infra/stack-outputs.js";
import { isLoopbackEndpoint } from "../../lib/state/clients.js";
import type { CommandIO } from "./io.js";

/** The stack does not exist, or lacks an output the command needs: the user named the wrong one (exit 2). */
export class StackOutputError extends Error {
  override name = "StackOutputError";
}

/** What a stack's outputs say. */
export interface StackTargets {
  stack: string;
  table: string;
  /** The EKS cluster, when the stack outputs it. */
  clusterName?: string;
}

function clientConfig(region: string, endpoint: string | undefined, env: CommandIO["env"]) {
  const local = endpoint !== undefined && isLoopbackEndpoint(endpoint) && !env.AWS_ACCESS_KEY_ID;
  return {
    region,
    maxAttempts: 2,
    ...(endpoint ? { endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } } : {}),
  };
}

/** Reads the stack's outputs: `StateTableName` (required) and `ClusterName`. */
export async function resolveStack(stack: string, region: string, env: CommandIO["env"]): Promise<StackTargets> {
  const endpoint = env.AWS_ENDPOINT_URL_CLOUDFORMATION ?? env.AWS_ENDPOINT_URL;
  const client = new CloudFormationClient(clientConfig(region, endpoint, env));
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stack }));
    const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""]));
    const table = outputs.get(STACK_OUTPUTS.stateTableName);
    if (!table) {
      throw new StackOutputError(
        `stack "${stack}" has no ${STACK_OUTPUTS.stateTableName} output: is it a Stevedore stack?`,
      );
    }
    const clusterName = outputs.get(STACK_OUTPUTS.clusterName) || undefined;
    return { stack, table, ...(clusterName ? { clusterName } : {}) };
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e.name === "ValidationError" && /does not exist/.test(e.message ?? "")) {
      throw new StackOutputError(`stack "${stack}" not found in ${region} (cloudformation:DescribeStacks)`);
    }
    throw err;
  } finally {
    client.destroy();
  }
}

/** A client for the stack's EKS cluster (DescribeCluster, then STS-presigned tokens). */
export async function stackClusterClient(
  clusterName: string,
  region: string,
  env: CommandIO["env"],
): Promise<ClusterClient> {
  const eks = new EKSClient(clientConfig(region, env.AWS_ENDPOINT_URL_EKS ?? env.AWS_ENDPOINT_URL, env));
  return (await connectEksCluster({ clusterName, region, eks, readAttempts: 2 })).client;
}
