/**
 * The environment contract of the controller Lambdas (`lambdas/*.ts` read these names; the stack sets them). No CDK
 * imports: the Lambda wiring can import {@link CONTROLLER_ENV} to read exactly what the stack writes.
 */
import { formatFeatureGates } from "./feature-gates.js";
import { METRICS_NAMESPACE, METRICS_SERVICE_NAME } from "./metrics-names.js";
import type { StevedoreStackConfig } from "./stack-config.js";

/** Names of the environment variables the controller Lambdas read (`lambdas/*.ts`). */
export const CONTROLLER_ENV = {
  clusterName: "STEVEDORE_CLUSTER_NAME",
  table: "STEVEDORE_TABLE",
  configSsmPath: "STEVEDORE_CONFIG_SSM_PATH",
  loopSeconds: "STEVEDORE_LOOP_SECONDS",
  rebalance: "STEVEDORE_REBALANCE",
  featureGates: "STEVEDORE_FEATURE_GATES",
  minValuesPolicy: "STEVEDORE_MIN_VALUES_POLICY",
  nodeRoleArn: "STEVEDORE_NODE_ROLE_ARN",
  instanceProfile: "STEVEDORE_INSTANCE_PROFILE",
  queueUrl: "STEVEDORE_QUEUE_URL",
} as const;

/** Values of {@link controllerEnvironment}. */
export interface ControllerEnvironmentInputs {
  config: StevedoreStackConfig;
  tableName: string;
  nodeRoleArn: string;
  instanceProfileName: string;
  queueUrl: string;
}

/** The environment every controller Lambda gets (also Powertools' service name and metrics namespace). */
export function controllerEnvironment(i: ControllerEnvironmentInputs): Record<string, string> {
  return {
    [CONTROLLER_ENV.clusterName]: i.config.clusterName,
    [CONTROLLER_ENV.table]: i.tableName,
    ...(i.config.ssmPath ? { [CONTROLLER_ENV.configSsmPath]: i.config.ssmPath } : {}),
    [CONTROLLER_ENV.loopSeconds]: String(i.config.loopSeconds),
    [CONTROLLER_ENV.rebalance]: i.config.rebalance,
    [CONTROLLER_ENV.featureGates]: formatFeatureGates(i.config.featureGates),
    [CONTROLLER_ENV.minValuesPolicy]: i.config.minValuesPolicy,
    [CONTROLLER_ENV.nodeRoleArn]: i.nodeRoleArn,
    [CONTROLLER_ENV.instanceProfile]: i.instanceProfileName,
    [CONTROLLER_ENV.queueUrl]: i.queueUrl,
    POWERTOOLS_SERVICE_NAME: METRICS_SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  };
}
