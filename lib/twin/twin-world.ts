/**
 * The twin's world: the fake kube-apiserver, the AWS emulator and dynalite on 127.0.0.1, and the real adapters
 * (client-node, the AWS SDK, the DynamoDB store) pointed at them, all on one virtual clock.
 */
import { EKSClient } from "@aws-sdk/client-eks";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { AwsCloudProvider } from "../cloud/aws/aws-cloud-provider.js";
import { createAwsClients } from "../cloud/aws/clients.js";
import { loadClusterFacts } from "../cloud/aws/eks-cluster.js";
import { EventBridgeDecisionSink } from "../cloud/aws/eventbridge-decisions.js";
import { createIamClient, sdkInstanceProfileApi } from "../cloud/aws/iam-sdk-instance-profiles.js";
import { StoreBackedUnavailableOfferings } from "../cloud/aws/unavailable-offerings.js";
import type { DecisionEventSink } from "../cloud/decision-events.js";
import { KubeEventRecorder } from "../cluster/event-recorder.js";
import type { EventRecorder } from "../cluster/events.js";
import { KubeClusterClient } from "../cluster/kube-client.js";
import type { ConfigSource } from "../controllers/deps.js";
import { MemoryTelemetry } from "../controllers/telemetry.js";
import { createDynamoClient } from "../state/clients.js";
import { splitConfigDocuments } from "../state/config-documents.js";
import { loadEffectiveConfig } from "../state/config-source.js";
import { DynamoStateStore } from "../state/dynamo-store.js";
import { createStateTable } from "../state/table.js";
import { AwsEmulator } from "./aws/index.js";
import { type DynaliteHandle, startDynalite } from "./dynalite-server.js";
import { FakeKubeApiServer } from "./kube-apiserver/index.js";
import { KubeTwinStore } from "./kube-twin-store.js";
import { parseDurationMs, type Scenario } from "./scenario.js";
import type { VirtualClock } from "./virtual-clock.js";

/** The twin's state table. */
export const TWIN_STATE_TABLE = "stevedore-twin";

/** The stack's node instance profile in the twin (launch templates of NodeClasses that name none carry it). */
export const TWIN_NODE_INSTANCE_PROFILE = "stevedore-twin-node";
const DUMMY_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

/** Items per list page of the twin's Kubernetes client. */
const TWIN_LIST_PAGE_SIZE = 5000;

/** A started world. */
export interface TwinWorld {
  kube: FakeKubeApiServer;
  store: KubeTwinStore;
  aws: AwsEmulator;
  awsEndpoint: string;
  dynalite: DynaliteHandle;
  state: DynamoStateStore;
  kubeClient: KubeClusterClient;
  cloud: AwsCloudProvider;
  config: ConfigSource;
  telemetry: MemoryTelemetry;
  /** Kubernetes events of the controllers, written to the fake kube-apiserver. */
  events: EventRecorder;
  /** Decision events, put on the emulator's default event bus. */
  decisionEvents: DecisionEventSink;
  /** Writes config documents (YAML, multi-document) to the state table, as `stevedore config apply` does. */
  applyConfig(yaml: string): Promise<void>;
  close(): Promise<void>;
}

/** Config invalid at start: the twin cannot run the scenario. */
export class TwinConfigError extends Error {
  override name = "TwinConfigError";
}

/** Options of the world's servers. */
export interface TwinWorldOptions {
  /** Serve the fake kube-apiserver over HTTPS under a generated CA, so kubectl can use it. @default false */
  tls?: boolean;
}

/** The AWS emulator a scenario describes (types, capacity, reservations), its EKS endpoint the fake kube-apiserver. */
function scenarioEmulator(scenario: Scenario, clock: VirtualClock, kubeUrl: string): AwsEmulator {
  const now = () => clock.now();
  return new AwsEmulator({
    region: scenario.region,
    clusterName: scenario.clusterName,
    clock: { now },
    seed: scenario.seed,
    bootDelayMs: 10_000,
    shutdownDelayMs: 20_000,
    terminatedRetentionMs: 7 * 24 * 3_600_000,
    instanceTypes: scenario.instanceTypes,
    capacity: scenario.capacity.map((c) => ({ ...c, capacity: c.count })),
    capacityReservations: scenario.capacityReservations.map((r) => ({
      id: r.id,
      instanceType: r.instanceType,
      zone: r.zone,
      totalCount: r.count,
      reservationType: r.type,
      tags: r.tags,
      endMs: r.end === undefined ? undefined : clock.now() + parseDurationMs(r.end),
    })),
    kubernetesVersions: [scenario.kubernetesVersion],
    eksCluster: { endpoint: kubeUrl, version: scenario.kubernetesVersion },
  });
}

/** Starts every server and builds the adapters. */
export async function startTwinWorld(
  scenario: Scenario,
  clock: VirtualClock,
  options: TwinWorldOptions = {},
): Promise<TwinWorld> {
  const now = () => clock.now();
  const kube = await FakeKubeApiServer.start({ now, bookmarkIntervalMs: 0, tls: options.tls ?? false });
  const aws = scenarioEmulator(scenario, clock, kube.url);
  const awsEndpoint = await aws.start();
  const dynalite = await startDynalite();
  const dynamo = createDynamoClient({ endpoint: dynalite.endpoint, region: scenario.region, maxAttempts: 1 });
  await createStateTable(dynamo, TWIN_STATE_TABLE);
  const state = new DynamoStateStore({ client: dynamo, tableName: TWIN_STATE_TABLE, clock });
  // The SDK's own retries back off with real timers, which the virtual clock cannot see: one real second of
  // back-off would let minutes of virtual time pass. The provider's gate retries throttling with jitter on the
  // injected (virtual) clock instead, so the SDK makes a single attempt here.
  const clients = createAwsClients({
    region: scenario.region,
    endpoint: awsEndpoint,
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  });
  const eks = new EKSClient({
    region: scenario.region,
    endpoint: awsEndpoint,
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  });
  const cloud = new AwsCloudProvider({
    ...clients,
    region: scenario.region,
    clusterName: scenario.clusterName,
    cluster: () => loadClusterFacts(eks, scenario.clusterName),
    clock,
    unavailableOfferings: new StoreBackedUnavailableOfferings(state),
    iam: sdkInstanceProfileApi(
      createIamClient({
        region: scenario.region,
        endpoint: awsEndpoint,
        credentials: DUMMY_CREDENTIALS,
        maxAttempts: 1,
      }),
    ),
    defaultInstanceProfile: TWIN_NODE_INSTANCE_PROFILE,
  });
  // Between two pages of a list nothing is in flight, so the virtual clock may step to its next timer (up to a
  // second): with the 500-item default a 10,000-pod listing would seem to take 20 s. Larger pages keep a listing
  // near what a real apiserver needs for it (a couple of seconds).
  const kubeClient = new KubeClusterClient({ kubeConfig: kube.kubeconfig(), clock, pageSize: TWIN_LIST_PAGE_SIZE });
  const eventBridge = new EventBridgeClient({
    region: scenario.region,
    endpoint: awsEndpoint,
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  });
  const config: ConfigSource = {
    async load() {
      const effective = await loadEffectiveConfig({ store: state, env: {}, clock });
      if (effective.config.nodePools.length === 0) {
        throw new TwinConfigError(
          `no valid NodePool in force: ${effective.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        );
      }
      return effective.config;
    },
  };
  const world: TwinWorld = {
    kube,
    store: new KubeTwinStore(kube.store),
    aws,
    awsEndpoint,
    dynalite,
    state,
    kubeClient,
    cloud,
    config,
    telemetry: new MemoryTelemetry(),
    events: new KubeEventRecorder({ kubeConfig: kube.kubeconfig(), clock }),
    decisionEvents: new EventBridgeDecisionSink({ client: eventBridge, clusterName: scenario.clusterName }),
    async applyConfig(yaml) {
      for (const doc of splitConfigDocuments(yaml)) {
        const existing = await state.getConfig(doc.kind, doc.name);
        await state.putConfig(
          { kind: doc.kind, name: doc.name, document: doc.document },
          clock.now(),
          existing?.version ?? 0,
        );
      }
    },
    async close() {
      await kube.close();
      await aws.close();
      dynamo.destroy();
      eks.destroy();
      eventBridge.destroy();
      await dynalite.close();
    },
  };
  return world;
}

/** The scenario's boot time in ms. */
export function bootTimeMs(scenario: Scenario): number {
  return parseDurationMs(scenario.bootTime);
}
