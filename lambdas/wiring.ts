/**
 * Builds the controllers' dependencies from the Lambda environment (names in `lib/infra/controller-env.ts`), once
 * per container. Local endpoints for the twin and tests: `STEVEDORE_EC2_ENDPOINT` (EC2, SSM, Pricing, EKS unless
 * overridden), `STEVEDORE_SSM_ENDPOINT`, `STEVEDORE_EKS_ENDPOINT`, `STEVEDORE_DYNAMODB_ENDPOINT` (loopback endpoints
 * get dummy credentials), `STEVEDORE_EVENTS_ENDPOINT` (EventBridge; else the EC2 one), `STEVEDORE_LAMBDA_ENDPOINT`
 * (Lambda Invoke; else the EC2 one) and `KUBECONFIG` (a kubeconfig file instead of EKS token authentication). Every
 * controller gets a Kubernetes event recorder and a decision-event sink on the default EventBridge bus. The watcher
 * gets only what it uses (`buildWatcherDeps`: the cluster, its clock and telemetry, and the provisioner trigger), so
 * its cold start constructs no EC2, DynamoDB, SSM or EventBridge client.
 */
import { EKSClient } from "@aws-sdk/client-eks";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { LambdaClient } from "@aws-sdk/client-lambda";
import type { KubeConfig } from "@kubernetes/client-node";
import type { MinValuesPolicy } from "../lib/api/model.js";
import { AwsCloudProvider } from "../lib/cloud/aws/aws-cloud-provider.js";
import { createAwsClients } from "../lib/cloud/aws/clients.js";
import { loadClusterFacts } from "../lib/cloud/aws/eks-cluster.js";
import { EventBridgeDecisionSink } from "../lib/cloud/aws/eventbridge-decisions.js";
import { createIamClient, sdkInstanceProfileApi } from "../lib/cloud/aws/iam-sdk-instance-profiles.js";
import { LambdaProvisionerTrigger } from "../lib/cloud/aws/lambda-provisioner-trigger.js";
import { StoreBackedUnavailableOfferings } from "../lib/cloud/aws/unavailable-offerings.js";
import { connectEksCluster } from "../lib/cluster/eks-cluster.js";
import { KubeEventRecorder } from "../lib/cluster/event-recorder.js";
import { KubeClusterClient } from "../lib/cluster/kube-client.js";
import { loadKubeConfig } from "../lib/cluster/kubeconfig.js";
import type { ClusterClient } from "../lib/cluster/types.js";
import { effectiveConfigSource } from "../lib/controllers/config-source.js";
import type { ControllerDeps } from "../lib/controllers/deps.js";
import type { WatcherDeps } from "../lib/controllers/pending-watcher.js";
import { observedTelemetry } from "../lib/controllers/telemetry-observed.js";
import { powertoolsTelemetry } from "../lib/controllers/telemetry-powertools.js";
import { systemClock } from "../lib/core/clock.js";
import { CONTROLLER_ENV, POWERTOOLS_ENV } from "../lib/infra/controller-env.js";
import { type FeatureGates, parseFeatureGates } from "../lib/infra/feature-gates.js";
import { type ObservabilityMode, observabilityOf } from "../lib/infra/observability.js";
import { lowerBound } from "../lib/scheduling/bound/lower-bound.js";
import { solve } from "../lib/scheduling/packer/solve.js";
import { createDynamoClient, createSsmClient, isLoopbackEndpoint } from "../lib/state/clients.js";
import { DynamoStateStore } from "../lib/state/dynamo-store.js";

type Env = Record<string, string | undefined>;

/** A required environment variable is missing. */
export class MissingEnvironmentError extends Error {
  constructor(name: string) {
    super(`environment variable ${name} is required (set by the Stevedore stack)`);
    this.name = "MissingEnvironmentError";
  }
}

/** Everything the controllers read from the environment contract (`lib/infra/controller-env.ts`). */
export interface ControllerSettings {
  clusterName: string;
  region: string;
  /** The state table's name. */
  table: string;
  /** Instance profile of the nodes, for NodeClasses that name none (every launch needs one). */
  instanceProfile: string;
  /** SSM parameter path of the configuration. @default unset (configuration from the state table) */
  configSsmPath?: string;
  /** @default 50 */
  loopSeconds: number;
  /** @default "ignore" */
  rebalance: "ignore" | "replace";
  /** @default both off */
  featureGates: FeatureGates;
  /** @default "Strict" */
  minValuesPolicy: MinValuesPolicy;
  /** Which metrics the controllers publish (`lib/infra/observability.ts`). @default "full" */
  /** The stack's `reaction` setting. @default "seconds" */
  reaction: "seconds" | "minute";
  observability: ObservabilityMode;
  /** Powertools service name. @default `stevedore-<controller>` */
  serviceName?: string;
  /** Powertools metrics namespace. @default Powertools' own default */
  metricsNamespace?: string;
}

function required(env: Env, name: string): string {
  const v = env[name];
  if (!v) throw new MissingEnvironmentError(name);
  return v;
}

/** An environment variable holds a value the stack would never write. */
export class InvalidEnvironmentError extends Error {
  constructor(name: string, problems: string[]) {
    super(`environment variable ${name}: ${problems.join("; ")}`);
    this.name = "InvalidEnvironmentError";
  }
}

function featureGatesOf(env: Env): FeatureGates {
  const { gates, problems } = parseFeatureGates(env[CONTROLLER_ENV.featureGates]);
  if (problems.length > 0) throw new InvalidEnvironmentError(CONTROLLER_ENV.featureGates, problems);
  return gates;
}

function optional(env: Env, name: string): string | undefined {
  return env[name] || undefined;
}

/**
 * Reads the whole environment contract at cold start: a missing required variable fails the cold start with an
 * error naming it (nodes launched without an instance profile would never join, with nothing to say why).
 */
export function readSettings(env: Env = process.env): ControllerSettings {
  const loop = Number(env[CONTROLLER_ENV.loopSeconds] ?? "50");
  const s: ControllerSettings = {
    clusterName: required(env, CONTROLLER_ENV.clusterName),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    table: required(env, CONTROLLER_ENV.table),
    instanceProfile: required(env, CONTROLLER_ENV.instanceProfile),
    loopSeconds: Number.isFinite(loop) && loop >= 0 ? loop : 50,
    rebalance: env[CONTROLLER_ENV.rebalance] === "replace" ? "replace" : "ignore",
    featureGates: featureGatesOf(env),
    minValuesPolicy: env[CONTROLLER_ENV.minValuesPolicy] === "BestEffort" ? "BestEffort" : "Strict",
    reaction: env[CONTROLLER_ENV.reaction] === "minute" ? "minute" : "seconds",
    observability: observabilityOf(env[CONTROLLER_ENV.observability]),
  };
  const configSsmPath = optional(env, CONTROLLER_ENV.configSsmPath);
  const serviceName = optional(env, POWERTOOLS_ENV.serviceName);
  const metricsNamespace = optional(env, POWERTOOLS_ENV.metricsNamespace);
  return {
    ...s,
    ...(configSsmPath ? { configSsmPath } : {}),
    ...(serviceName ? { serviceName } : {}),
    ...(metricsNamespace ? { metricsNamespace } : {}),
  };
}

/** What the watcher reads besides {@link ControllerSettings}. */
export interface WatcherSettings {
  /** The provisioner function's name (or ARN), which the watcher invokes. */
  provisionerFunction: string;
  /** @default 62 */
  watchSeconds: number;
}

/** Reads the watcher's own variables (the stack sets them on the watcher function only). */
export function readWatcherSettings(env: Env = process.env): WatcherSettings {
  const watch = Number(env[CONTROLLER_ENV.watchSeconds] ?? "62");
  return {
    provisionerFunction: required(env, CONTROLLER_ENV.provisionerFunction),
    watchSeconds: Number.isFinite(watch) && watch > 0 ? watch : 62,
  };
}

/**
 * The AWS endpoint of the twin and tests (`endpoint`, else `STEVEDORE_EC2_ENDPOINT`) and, for a loopback one
 * without an access key in the environment, dummy credentials; neither on AWS.
 */
function localAws(
  env: Env,
  override?: string,
): { endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } {
  const endpoint = override ?? env.STEVEDORE_EC2_ENDPOINT;
  const local = endpoint !== undefined && isLoopbackEndpoint(endpoint) && !env.AWS_ACCESS_KEY_ID;
  return { endpoint, credentials: local ? { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } : undefined };
}

function eksClient(s: ControllerSettings, env: Env): EKSClient {
  const { endpoint, credentials } = localAws(env);
  const eksEndpoint = env.STEVEDORE_EKS_ENDPOINT ?? endpoint;
  return new EKSClient({
    region: s.region,
    ...(eksEndpoint ? { endpoint: eksEndpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
}

async function clusterClient(
  s: ControllerSettings,
  env: Env,
  eks: EKSClient,
): Promise<{ client: ClusterClient; kubeConfig: KubeConfig }> {
  if (env.KUBECONFIG) {
    const kubeConfig = loadKubeConfig({ path: env.KUBECONFIG });
    return { client: new KubeClusterClient({ kubeConfig }), kubeConfig };
  }
  return connectEksCluster({ clusterName: s.clusterName, region: s.region, eks });
}

/** Builds every dependency from the environment. */
export async function buildDeps(
  controller: string,
  env: Env = process.env,
): Promise<{ deps: ControllerDeps; settings: ControllerSettings }> {
  const s = readSettings(env);
  const { endpoint: awsEndpoint, credentials } = localAws(env);
  const aws = createAwsClients({ region: s.region, endpoint: awsEndpoint, credentials });
  const eks = eksClient(s, env);
  const ssm = createSsmClient({ region: s.region, endpoint: env.STEVEDORE_SSM_ENDPOINT ?? awsEndpoint }, env);
  const telemetry = observedTelemetry(
    powertoolsTelemetry({
      serviceName: s.serviceName ?? `stevedore-${controller}`,
      namespace: s.metricsNamespace,
      defaultDimensions: { cluster: s.clusterName },
    }),
    s.observability,
  );
  const dynamo = createDynamoClient({ region: s.region, endpoint: env.STEVEDORE_DYNAMODB_ENDPOINT }, env);
  const state = new DynamoStateStore({ client: dynamo, tableName: s.table });
  const ssmPath = s.configSsmPath;
  const cloud = new AwsCloudProvider({
    ...aws,
    ssm,
    region: s.region,
    clusterName: s.clusterName,
    cluster: () => loadClusterFacts(eks, s.clusterName),
    unavailableOfferings: new StoreBackedUnavailableOfferings(state),
    defaultInstanceProfile: s.instanceProfile,
    iam: sdkInstanceProfileApi(
      createIamClient({
        region: s.region,
        ...(awsEndpoint ? { endpoint: awsEndpoint } : {}),
        ...(credentials ? { credentials } : {}),
      }),
    ),
    logger: telemetry.logger,
  });
  const kube = await clusterClient(s, env, eks);
  const eventBridge = new EventBridgeClient({
    region: s.region,
    ...(env.STEVEDORE_EVENTS_ENDPOINT || awsEndpoint ? { endpoint: env.STEVEDORE_EVENTS_ENDPOINT ?? awsEndpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  const deps: ControllerDeps = {
    cluster: kube.client,
    events: new KubeEventRecorder({ kubeConfig: kube.kubeConfig, logger: telemetry.logger }),
    decisionEvents: new EventBridgeDecisionSink({
      client: eventBridge,
      clusterName: s.clusterName,
      logger: telemetry.logger,
    }),
    cloud,
    state,
    clock: systemClock,
    telemetry,
    config: effectiveConfigSource(
      { store: state, ...(ssmPath ? { ssm: { client: ssm, path: ssmPath } } : {}), env },
      telemetry.logger,
    ),
    solve,
    lowerBound: async (input) => {
      const r = await lowerBound(input, { integerNodes: false, timeLimitSeconds: 2 });
      return r.status.startsWith("error") ? undefined : r.costPerHour;
    },
  };
  return { deps, settings: s };
}

/** Builds the watcher's dependencies from the environment: the cluster, clock, telemetry and the trigger. */
export async function buildWatcherDeps(
  env: Env = process.env,
): Promise<{ deps: WatcherDeps; settings: ControllerSettings & WatcherSettings }> {
  const s = { ...readSettings(env), ...readWatcherSettings(env) };
  const { endpoint, credentials } = localAws(env, env.STEVEDORE_LAMBDA_ENDPOINT);
  const telemetry = powertoolsTelemetry({
    serviceName: s.serviceName ?? "stevedore-watcher",
    namespace: s.metricsNamespace,
    defaultDimensions: { cluster: s.clusterName },
  });
  // One attempt: a throttled trigger is the watcher's to retry (a second later), not the SDK's (with backoff); no
  // request timeout, since a synchronous invoke lasts as long as the provisioner's burst.
  const lambda = new LambdaClient({
    region: s.region,
    maxAttempts: 1,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  const kube = await clusterClient(s, env, eksClient(s, env));
  const deps: WatcherDeps = {
    cluster: kube.client,
    clock: systemClock,
    telemetry,
    trigger: new LambdaProvisionerTrigger({ client: lambda, functionName: s.provisionerFunction }),
  };
  return { deps, settings: s };
}

let cachedWatcher: ReturnType<typeof buildWatcherDeps> | undefined;

/** The watcher's dependencies in this container (built on the first invocation, reused while warm). */
export function watcherWiring(): ReturnType<typeof buildWatcherDeps> {
  if (!cachedWatcher) {
    cachedWatcher = buildWatcherDeps();
    cachedWatcher.catch(() => {
      cachedWatcher = undefined;
    });
  }
  return cachedWatcher;
}

let cached: Promise<{ deps: ControllerDeps; settings: ControllerSettings }> | undefined;

/** The dependencies of this container (built on the first invocation, reused while warm). */
export function wiring(controller: string): Promise<{ deps: ControllerDeps; settings: ControllerSettings }> {
  if (!cached) {
    cached = buildDeps(controller);
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}
