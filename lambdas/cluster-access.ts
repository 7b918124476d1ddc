/**
 * Lambda handler of `Custom::StevedoreClusterAccess` (CloudFormation invokes it directly): applies the controller
 * RBAC and, for `CONFIG_MAP` clusters, merges the node and controller roles into `aws-auth`; always answers
 * CloudFormation. Wiring only: the work is in `lib/infra/cluster-access/`.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { CloudFormationCustomResourceEvent, Context } from "aws-lambda";
import { sendCfnResponse } from "../lib/infra/cluster-access/cfn-response.js";
import { connectForClusterAccess } from "../lib/infra/cluster-access/connect.js";
import { type ClusterAccessEvent, handleClusterAccessEvent } from "../lib/infra/cluster-access/handler.js";

const logger = new Logger({ serviceName: "stevedore-cluster-access" });

export async function handler(event: CloudFormationCustomResourceEvent, context: Context): Promise<void> {
  const region = process.env.AWS_REGION ?? "us-east-1";
  logger.info("request", { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
  const result = await handleClusterAccessEvent(event as unknown as ClusterAccessEvent, {
    connect: (props) => connectForClusterAccess(props, region),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (message, fields) => logger.info(message, fields ?? {}),
  });
  logger.info("result", { ...result });
  await sendCfnResponse(event, result, { logStream: context.logStreamName });
}
