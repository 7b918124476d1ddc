/**
 * A state table as a running Stevedore leaves it, for the operator commands' tests: two pools (one with limits and
 * a scheduled budget window), claims in several states, a held lease, an unavailable offering and decisions shaped
 * like the ones the controllers log.
 */
import type { CommandIO } from "../../bin/commands/io.js";
import { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import type { DecisionRecord, NodeClaim } from "../../lib/state/types.js";
import { localDynamoClient } from "../support/dynalite.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A budget window that is not in force at `now`: it starts twelve hours from now and lasts one hour. */
export function inactiveWindowCron(now: number): string {
  return `0 ${(new Date(now).getUTCHours() + 12) % 24} * * *`;
}

/** The config documents: `default` (limits, a budget that is always in force and one that is not), `gpu`. */
export function poolDocuments(now: number): string {
  return `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: { name: default }
spec:
  template:
    spec:
      nodeClassRef: { group: karpenter.k8s.aws, kind: EC2NodeClass, name: default }
      requirements:
        - { key: karpenter.sh/capacity-type, operator: In, values: [spot, on-demand] }
  limits: { cpu: "100", memory: 400Gi, nodes: "10" }
  disruption:
    budgets:
      - nodes: "50%"
      - { nodes: "0", schedule: "${inactiveWindowCron(now)}", duration: 1h, reasons: [Underutilized] }
---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: { name: gpu }
spec:
  weight: 10
  template:
    spec:
      nodeClassRef: { group: karpenter.k8s.aws, kind: EC2NodeClass, name: default }
      taints: [{ key: nvidia.com/gpu, value: "true", effect: NoSchedule }]
      requirements:
        - { key: karpenter.k8s.aws/instance-family, operator: In, values: [g4dn] }
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: { name: default }
spec:
  amiSelectorTerms: [{ alias: al2023@latest }]
  role: KarpenterNodeRole-demo
  subnetSelectorTerms: [{ tags: { karpenter.sh/discovery: demo } }]
  securityGroupSelectorTerms: [{ tags: { karpenter.sh/discovery: demo } }]
`;
}

function claim(id: string, pool: string, state: NodeClaim["state"], extra: Partial<NodeClaim>, now: number): NodeClaim {
  return {
    id,
    pool,
    state,
    version: 1,
    createdAt: now - HOUR,
    updatedAt: now - HOUR,
    instanceTypeOptions: extra.instanceType ? [extra.instanceType] : ["m5.large"],
    capacityTypes: ["spot", "on-demand"],
    zones: ["us-east-1a"],
    labels: {},
    taints: [],
    startupTaints: [],
    pods: [],
    poolHash: "p",
    classHash: "c",
    ...extra,
  };
}

/** The claims: default has Initialized, Launched, Pending, Draining and Terminated ones; gpu one Initialized. */
export function claims(now: number): NodeClaim[] {
  const running = (
    instanceId: string,
    nodeName: string | undefined,
    type: string,
    ct: "spot" | "on-demand",
    price: number,
  ) => ({
    instanceId,
    nodeName,
    instanceType: type,
    capacityType: ct,
    zone: "us-east-1a",
    pricePerHour: price,
  });
  return [
    claim(
      "default-aaa",
      "default",
      "Initialized",
      running("i-0aaa", "ip-10-0-1-5.ec2.internal", "m5.large", "on-demand", 0.096),
      now,
    ),
    claim("default-ccc", "default", "Launched", running("i-0ccc", undefined, "m5.xlarge", "spot", 0.0672), now),
    claim("default-ddd", "default", "Pending", {}, now),
    claim(
      "default-eee",
      "default",
      "Draining",
      { ...running("i-0eee", "ip-10-0-1-9.ec2.internal", "m5.large", "spot", 0.0336), disruptionReason: "Empty" },
      now,
    ),
    claim(
      "default-old",
      "default",
      "Terminated",
      { ...running("i-0old", "ip-10-0-1-2.ec2.internal", "m5.large", "spot", 0.0336), terminatedAt: now - 2 * HOUR },
      now,
    ),
    claim(
      "gpu-bbb",
      "gpu",
      "Initialized",
      running("i-0bbb", "ip-10-0-2-7.ec2.internal", "g4dn.xlarge", "on-demand", 0.526),
      now,
    ),
  ];
}

/** Decisions as the controllers log them, from 26 hours ago to 5 minutes ago. */
export function decisions(now: number): DecisionRecord[] {
  return [
    {
      at: now - 26 * HOUR,
      controller: "provisioner",
      action: "launch",
      details: {
        claimId: "default-old",
        pool: "default",
        pods: ["shop/old-0"],
        chosen: { instanceType: "m5.large", zone: "us-east-1a", capacityType: "spot", pricePerHour: 0.0336 },
      },
    },
    {
      at: now - 3 * HOUR,
      controller: "gc",
      action: "terminate",
      details: { reason: "Leaked", instanceId: "i-0leak", claimId: "default-zzz", claimState: "missing" },
    },
    {
      at: now - 50 * MINUTE,
      controller: "provisioner",
      action: "launch",
      details: {
        why: "pending pods",
        claimId: "default-aaa",
        pool: "default",
        pods: ["shop/web-1", "shop/web-2"],
        chosen: { instanceType: "m5.large", zone: "us-east-1a", capacityType: "on-demand", pricePerHour: 0.096 },
      },
    },
    {
      at: now - 40 * MINUTE,
      controller: "provisioner",
      action: "launch",
      details: {
        why: "pending pods",
        claimId: "gpu-bbb",
        pool: "gpu",
        pods: ["ml/train-0"],
        chosen: { instanceType: "g4dn.xlarge", zone: "us-east-1a", capacityType: "on-demand", pricePerHour: 0.526 },
      },
    },
    {
      at: now - 20 * MINUTE,
      controller: "disruptor",
      action: "delete",
      details: {
        method: "Emptiness",
        reason: "Empty",
        nodes: [{ node: "ip-10-0-1-9.ec2.internal", claimId: "default-eee", instanceType: "m5.large", price: 0.0336 }],
        pods: [],
        replacementClaims: [],
      },
    },
    {
      at: now - 10 * MINUTE,
      controller: "disruptor",
      action: "reject",
      details: {
        method: "SingleNodeConsolidation",
        nodes: ["ip-10-0-1-5.ec2.internal"],
        reason: "a pod would not fit elsewhere",
      },
    },
    {
      at: now - 5 * MINUTE,
      controller: "interruption",
      action: "cordon-and-drain",
      details: {
        event: "spot-interruption",
        eventId: "e-1",
        claimId: "gpu-bbb",
        instanceId: "i-0bbb",
        node: "ip-10-0-2-7.ec2.internal",
        replacementClaims: [],
      },
    },
  ];
}

/** Writes the config, claims, a provisioner lease taken 30 s ago, an unavailable offering and the decisions. */
export async function seedStateTable(endpoint: string, table: string, now: number): Promise<void> {
  const store = new DynamoStateStore({ client: localDynamoClient(endpoint), tableName: table });
  const docs = poolDocuments(now).split(/^---$/m);
  const names = [
    ["NodePool", "default"],
    ["NodePool", "gpu"],
    ["NodeClass", "default"],
  ] as const;
  for (const [i, [kind, name]] of names.entries()) await store.putConfig({ kind, name, document: docs[i] }, now);
  for (const c of claims(now)) await store.createClaim(c);
  await store.acquireLease("provisioner", "provisioner/2024/05/01/[$LATEST]abc", 90_000, now - 30_000);
  await store.markOfferingUnavailable({
    instanceType: "m5.xlarge",
    zone: "us-east-1b",
    capacityType: "spot",
    until: now + 2 * MINUTE,
    reason: "InsufficientInstanceCapacity",
  });
  for (const d of decisions(now)) await store.logDecision(d);
}

/** An in-process CLI run's streams and exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in process with the given environment. */
export async function runCommand(
  run: (argv: string[], io: CommandIO) => Promise<number>,
  argv: string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}
