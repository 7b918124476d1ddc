/**
 * A small world for controller tests (and the twin): the fake kube-apiserver (spoken to by the real
 * `@kubernetes/client-node` through `KubeClusterClient`), dynalite (through `DynamoStateStore`), the AWS emulator
 * (through `AwsCloudProvider`), simulated kubelets that register Nodes for running instances, a kube-scheduler pass
 * that binds pods, and a virtual clock that moves only when someone sleeps on it or the test advances it.
 *
 * ```ts
 * const h = await startControllerHarness();
 * h.pendingPod("web-0", { cpu: "500m" });
 * await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
 * h.advance(60_000); // instances boot, kubelets register Nodes, pods get bound
 * await h.close();
 * ```
 */

import { buildConfig, parseConfigDocuments } from "../../lib/api/index.js";
import type { StevedoreConfig } from "../../lib/api/model.js";
import { AwsCloudProvider } from "../../lib/cloud/aws/aws-cloud-provider.js";
import { loadClusterFacts } from "../../lib/cloud/aws/eks-cluster.js";
import { sdkInstanceProfileApi } from "../../lib/cloud/aws/iam-sdk-instance-profiles.js";
import { StoreBackedUnavailableOfferings } from "../../lib/cloud/aws/unavailable-offerings.js";
import { type ControllerDeps, sequentialIds, staticConfig } from "../../lib/controllers/deps.js";
import { MemoryTelemetry } from "../../lib/controllers/telemetry.js";
import type { Clock } from "../../lib/core/clock.js";
import type { Node, Pod, PodDisruptionBudget } from "../../lib/core/kube-objects.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import type { NodeClaim } from "../../lib/state/types.js";
import type { InstanceSnapshot } from "../../lib/twin/aws/index.js";
import type { KubeObject } from "../../lib/twin/kube-apiserver/index.js";
import { schedulePass } from "../../lib/twin/kube-scheduler.js";
import { KubeTwinStore } from "../../lib/twin/kube-twin-store.js";
import { Kubelets } from "../../lib/twin/kubelets.js";
import { isStevedoreInstance } from "../../lib/twin/our-instances.js";
import { createTestTable, type DynaliteHandle, localDynamoClient, startDynalite } from "./dynalite.js";
import { type RunningAwsEmulator, type StartAwsEmulatorOptions, startAwsEmulator } from "./ec2-emulator.js";
import { type FakeKube, startFakeKube } from "./kube.js";

/** A clock that moves only when slept on or advanced; every move runs the world's hooks (kubelets, scheduler). */
export class TestClock implements Clock {
  private readonly hooks: ((now: number) => void)[] = [];

  constructor(private t = Date.UTC(2026, 0, 5, 12, 0, 0)) {}

  now(): number {
    return this.t;
  }

  async sleep(ms: number): Promise<void> {
    this.advance(ms);
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Moves time forward and runs the hooks. */
  advance(ms: number): void {
    this.t += Math.max(0, ms);
    for (const h of this.hooks) h(this.t);
  }

  /** Runs `hook` after every move. */
  onAdvance(hook: (now: number) => void): void {
    this.hooks.push(hook);
  }
}

/** The stack's node instance profile in these tests. */
export const NODE_INSTANCE_PROFILE = "stevedore-test-node";

export const CLUSTER = "test";
export const REGION = "us-east-1";
export const ZONES = ["us-east-1a", "us-east-1b"];
export const TYPES = ["m5.large", "m5.xlarge", "m5.2xlarge", "c5.large", "c5.xlarge", "r5.large"];

/** Extra YAML for {@link defaultConfigYaml}, each already indented for its place. */
export interface ConfigYamlParts {
  /** Lines under `spec:` (2-space indent), e.g. `  minNodes: 2`. */
  spec?: string;
  /** Lines under `spec.template.spec:` (6-space indent), e.g. `      expireAfter: 1h`. */
  templateSpec?: string;
  /** Lines under `spec.template:` before `spec` (4-space indent), e.g. `    metadata: {labels: {team: a}}`. */
  template?: string;
  /** @default "default" */
  name?: string;
}

/** A v1 NodePool + EC2NodeClass selecting the emulator's discovery-tagged subnets and security groups. */
export function defaultConfigYaml(parts: ConfigYamlParts | string = {}): string {
  const p = typeof parts === "string" ? { spec: parts } : parts;
  return `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: ${p.name ?? "default"}}
spec:
  template:
${p.template ?? ""}
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
      requirements:
        - {key: karpenter.sh/capacity-type, operator: In, values: [spot, on-demand]}
${p.templateSpec ?? ""}
${p.spec ?? ""}
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: default}
spec:
  amiSelectorTerms: [{alias: al2023@latest}]
  role: KarpenterNodeRole
  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: ${CLUSTER}}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: ${CLUSTER}}}]
`;
}

/** Parses and validates config YAML (throws on any issue). */
export function parseConfig(yaml: string): StevedoreConfig {
  const parsed = parseConfigDocuments(yaml, "test.yaml");
  if (parsed.issues.length > 0) throw new Error(`invalid test config: ${JSON.stringify(parsed.issues)}`);
  return buildConfig(parsed.nodePools, parsed.nodeClasses);
}

/** Options of {@link startControllerHarness}. */
export interface HarnessOptions {
  /** Config YAML. @default {@link defaultConfigYaml}() */
  config?: string;
  /** Emulator options (merged over the harness defaults). */
  emulator?: StartAwsEmulatorOptions;
  /** Kubelets register Nodes for running instances on every clock move. @default true */
  kubelets?: boolean;
  /** A kube-scheduler pass binds pending pods on every clock move. @default true */
  scheduler?: boolean;
  /** The fake apiserver stamps objects (creation, deletion) with the harness clock instead of the wall clock. @default false */
  kubeOnClock?: boolean;
  /** Start of the harness clock, epoch ms (the deployed-mode tests start it at the wall clock). @default 2026-01-05T12:00Z */
  clockStart?: number;
}

/** Pod options for the helpers. */
export interface PodSpecOptions {
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeName?: string;
  namespace?: string;
  extra?: Partial<Pod["spec"]>;
}

/** The running world. */
export interface ControllerHarness {
  clock: TestClock;
  kube: FakeKube;
  aws: RunningAwsEmulator;
  dynalite: DynaliteHandle;
  state: DynamoStateStore;
  cloud: AwsCloudProvider;
  telemetry: MemoryTelemetry;
  config: StevedoreConfig;
  /** Dependencies for a controller (fresh telemetry is shared; override anything). */
  deps(over?: Partial<ControllerDeps>): ControllerDeps;
  /** Moves time (instances boot, kubelets register, scheduler binds). */
  advance(ms: number): void;
  /** Runs kubelets and the scheduler at the current time. */
  settle(): void;
  /** Creates a pod that kube-scheduler found unschedulable (provisionable), or a bound one with `nodeName`. */
  pod(name: string, opts?: PodSpecOptions): Pod;
  /** Deletes a pod. */
  deletePod(name: string, namespace?: string): void;
  pods(): Pod[];
  nodes(): Node[];
  pdb(name: string, selector: Record<string, string>, minAvailable: number | string): PodDisruptionBudget;
  /** Stevedore's instances in the emulator that are pending or running. */
  liveInstances(): InstanceSnapshot[];
  claims(includeTerminated?: boolean): Promise<NodeClaim[]>;
  close(): Promise<void>;
}

function readyPod(pod: Pod, nodeName: string, now: number): Pod {
  return {
    ...pod,
    spec: { ...pod.spec, nodeName },
    status: {
      phase: "Running",
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: new Date(now).toISOString() },
        { type: "Ready", status: "True" },
      ],
    },
  };
}

/** Starts the world. Always `await h.close()`. */
export async function startControllerHarness(opts: HarnessOptions = {}): Promise<ControllerHarness> {
  const clock = new TestClock(opts.clockStart);
  const kube = await startFakeKube(opts.kubeOnClock ? { now: () => clock.now() } : {});
  const aws = await startAwsEmulator({
    clusterName: CLUSTER,
    clock,
    instanceTypes: TYPES,
    zones: ZONES,
    bootDelayMs: 5_000,
    shutdownDelayMs: 5_000,
    ...opts.emulator,
  });
  const dynalite = await startDynalite();
  const client = localDynamoClient(dynalite.endpoint);
  const tableName = await createTestTable(client);
  const state = new DynamoStateStore({ client, tableName, clock });
  const cloud = new AwsCloudProvider({
    ec2: aws.ec2,
    ssm: aws.ssm,
    pricing: aws.pricing,
    region: REGION,
    clusterName: CLUSTER,
    cluster: () => loadClusterFacts(aws.eks, CLUSTER),
    clock,
    gate: { random: () => 0 },
    unavailableOfferings: new StoreBackedUnavailableOfferings(state),
    iam: sdkInstanceProfileApi(aws.iamClient),
    defaultInstanceProfile: NODE_INSTANCE_PROFILE,
  });
  const config = parseConfig(opts.config ?? defaultConfigYaml());
  const telemetry = new MemoryTelemetry();
  const ids = sequentialIds();
  const store = kube.server.store;
  const twinStore = new KubeTwinStore(store);
  const kubelets = new Kubelets(twinStore, { region: REGION, bootTimeMs: 0 });
  const useKubelets = opts.kubelets ?? true;
  const useScheduler = opts.scheduler ?? true;
  const list = <T>(r: string) => store.list(r) as unknown as T[];

  const settle = () => {
    if (useKubelets) kubelets.reconcile(clock.now(), aws.emulator.instances());
    if (useScheduler) {
      const pass = schedulePass(list<Node>("nodes"), list<Pod>("pods"));
      for (const { pod, nodeName } of pass.bindings) twinStore.put("pods", readyPod(pod, nodeName, clock.now()));
    }
  };
  clock.onAdvance(settle);

  const h: ControllerHarness = {
    clock,
    kube,
    aws,
    dynalite,
    state,
    cloud,
    telemetry,
    config,
    deps: (over = {}) => ({
      cluster: kube.client,
      cloud,
      state,
      clock,
      telemetry,
      config: staticConfig(config),
      solve,
      ids,
      ...over,
    }),
    advance: (ms) => clock.advance(ms),
    settle,
    pod(name, o = {}) {
      const pod: Pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name,
          namespace: o.namespace ?? "default",
          labels: o.labels ?? { app: name },
          annotations: o.annotations,
          ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${name}-rs`, uid: `rs-${name}` }],
          creationTimestamp: new Date(clock.now()).toISOString(),
        },
        spec: {
          containers: [
            {
              name: "app",
              image: "nginx",
              resources: { requests: { cpu: o.cpu ?? "500m", memory: o.memory ?? "512Mi" } },
            },
          ],
          ...o.extra,
        },
        status: {
          phase: "Pending",
          conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
        },
      };
      const stored = o.nodeName ? readyPod(pod, o.nodeName, clock.now()) : pod;
      return store.create("pods", stored as unknown as KubeObject) as unknown as Pod;
    },
    deletePod: (name, namespace = "default") => {
      store.delete("pods", name, namespace);
    },
    pods: () => list<Pod>("pods"),
    nodes: () => list<Node>("nodes"),
    pdb(name, selector, minAvailable) {
      const pdb = {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name, namespace: "default" },
        spec: { selector: { matchLabels: selector }, minAvailable },
      };
      return store.create("poddisruptionbudgets", pdb as unknown as KubeObject) as unknown as PodDisruptionBudget;
    },
    liveInstances: () =>
      aws.emulator
        .instances()
        .filter((i) => (i.state === "pending" || i.state === "running") && isStevedoreInstance(i.tags)),
    claims: (includeTerminated = false) => state.listClaims({ includeTerminated }),
    async close() {
      await kube.close();
      await aws.close();
      client.destroy();
      await dynalite.close();
    },
  };
  return h;
}
