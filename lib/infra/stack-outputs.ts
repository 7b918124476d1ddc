/**
 * The stack's output keys, apart from the CDK code so the CLI (`stevedore status --stack`) can read them without
 * loading aws-cdk-lib.
 */

/** Output keys (stable: docs and scripts read them). */
export const STACK_OUTPUTS = {
  nodeRoleArn: "NodeRoleArn",
  instanceProfileName: "InstanceProfileName",
  stateTableName: "StateTableName",
  queueUrl: "InterruptionQueueUrl",
  dashboardUrl: "DashboardUrl",
  controllerRoleArn: "ControllerRoleArn",
  configSsmPath: "ConfigSsmPath",
  clusterName: "ClusterName",
} as const;
