/**
 * The environment contract of the controller Lambdas (`lambdas/wiring.ts:readSettings` reads these names; the stack
 * sets them). No CDK imports: the Lambda wiring can import {@link CONTROLLER_ENV} to read exactly what the stack
 * writes. Every variable set here is read there and the other way round (`test/infra/contracts.test.ts`).
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
  /** `seconds` or `minute` (the stack setting `reaction`), on every function. */
  reaction: "STEVEDORE_REACTION",
  rebalance: "STEVEDORE_REBALANCE",
  featureGates: "STEVEDORE_FEATURE_GATES",
  minValuesPolicy: "STEVEDORE_MIN_VALUES_POLICY",
  instanceProfile: "STEVEDORE_INSTANCE_PROFILE",
  /** The watcher only: the provisioner function it invokes. */
  provisionerFunction: "STEVEDORE_PROVISIONER_FUNCTION",
  /** The watcher only: how long each invocation watches. */
  watchSeconds: "STEVEDORE_WATCH_SECONDS",
  /** `full` | `lean` (`observability.ts`): which metrics the controllers publish. */
  observability: "STEVEDORE_OBSERVABILITY",
} as const;

/** Powertools' own variables, which the stack sets and the wiring passes to the telemetry. */
export const POWERTOOLS_ENV = {
  serviceName: "POWERTOOLS_SERVICE_NAME",
  metricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
} as const;

/** Values of {@link controllerEnvironment}. */
export interface ControllerEnvironmentInputs {
  config: StevedoreStackConfig;
  tableName: string;
  /** The node instance profile: launch templates carry it when the NodeClass names none. */
  instanceProfileName: string;
}

/** The environment every controller Lambda gets (also Powertools' service name and metrics namespace). */
export function controllerEnvironment(i: ControllerEnvironmentInputs): Record<string, string> {
  return {
    [CONTROLLER_ENV.clusterName]: i.config.clusterName,
    [CONTROLLER_ENV.table]: i.tableName,
    ...(i.config.ssmPath ? { [CONTROLLER_ENV.configSsmPath]: i.config.ssmPath } : {}),
    [CONTROLLER_ENV.loopSeconds]: String(i.config.loopSeconds),
    [CONTROLLER_ENV.reaction]: i.config.reaction,
    [CONTROLLER_ENV.rebalance]: i.config.rebalance,
    [CONTROLLER_ENV.featureGates]: formatFeatureGates(i.config.featureGates),
    [CONTROLLER_ENV.minValuesPolicy]: i.config.minValuesPolicy,
    [CONTROLLER_ENV.instanceProfile]: i.instanceProfileName,
    [CONTROLLER_ENV.observability]: i.config.observability,
    [POWERTOOLS_ENV.serviceName]: METRICS_SERVICE_NAME,
    [POWERTOOLS_ENV.metricsNamespace]: METRICS_NAMESPACE,
  };
}

/** What the watcher gets on top of {@link controllerEnvironment}: whom to invoke and how long to watch. */
export function watcherEnvironment(provisionerFunctionName: string, watchSeconds: number): Record<string, string> {
  return {
    [CONTROLLER_ENV.provisionerFunction]: provisionerFunctionName,
    [CONTROLLER_ENV.watchSeconds]: String(watchSeconds),
  };
}
