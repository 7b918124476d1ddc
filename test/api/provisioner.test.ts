import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type NodePool, parseDocuments } from "../../lib/api/index.js";
import { legacyProvisioner, provisioner } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE = "examples/karpenter-getting-started.yaml";
const exampleText = () => readFileSync(`${ROOT}${EXAMPLE}`, "utf8");

function onePool(text: string): NodePool {
  const r = parseDocuments(text, "t.yaml", { env: {} });
  assert.deepEqual(r.issues, []);
  assert.equal(r.nodePools.length, 1);
  return r.nodePools[0];
}

function withoutHash<T extends { hash: string }>(o: T): Omit<T, "hash"> {
  const { hash, ...rest } = o;
  assert.match(hash, /^[0-9a-f]{16}$/);
  return rest;
}

test("getting-started Provisioners normalise exactly", () => {
  const r = parseDocuments(exampleText(), EXAMPLE, { env: { CLUSTER_NAME: "demo" } });
  assert.deepEqual(r.issues, []);
  const source = { file: EXAMPLE, kind: "Provisioner", apiVersion: "karpenter.sh/v1alpha5" };
  assert.deepEqual(r.nodePools.map(withoutHash), [
    {
      name: "default",
      flavor: "v1alpha5",
      source,
      weight: 0,
      labels: { intent: "apps" },
      annotations: {},
      taints: [],
      startupTaints: [],
      requirements: [
        { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
        {
          key: "karpenter.k8s.aws/instance-size",
          operator: "NotIn",
          values: ["nano", "micro", "small", "medium", "large"],
        },
      ],
      kubelet: {},
      nodeClassName: "default",
      limits: { cpu: "1000", memory: "1000Gi" },
      disruption: {
        consolidationPolicy: "WhenEmpty",
        emptyAfterSeconds: 30,
        expireAfterSeconds: 2592000,
        budgets: [{ nodes: "10%" }],
      },
      minNodes: 0,
    },
    {
      name: "on-demand",
      flavor: "v1alpha5",
      source,
      weight: 0,
      labels: { type: "karpenter" },
      annotations: {},
      taints: [],
      startupTaints: [],
      requirements: [
        { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
        { key: "node.kubernetes.io/instance-type", operator: "In", values: ["c5.large", "m5.large", "m5.xlarge"] },
      ],
      kubelet: {},
      nodeClassName: "default",
      limits: {},
      disruption: { consolidationPolicy: "Never", budgets: [{ nodes: "10%" }] },
      minNodes: 0,
    },
    {
      name: "example-provisioner",
      flavor: "v1alpha5",
      source: { ...source, apiVersion: "karpenter.sh/v1alpha1" },
      weight: 0,
      labels: {},
      annotations: {},
      taints: [],
      startupTaints: [],
      requirements: [
        { key: "topology.kubernetes.io/region", operator: "In", values: ["us-west-2"] },
        { key: "topology.kubernetes.io/zone", operator: "In", values: ["us-west-2a"] },
        { key: "node.kubernetes.io/instance-type", operator: "In", values: ["t2.micro"] },
      ],
      kubelet: {},
      nodeClassName: "default",
      limits: {},
      disruption: { consolidationPolicy: "Never", budgets: [{ nodes: "10%" }] },
      minNodes: 0,
    },
  ]);
  assert.deepEqual(r.warnings, [
    `${EXAMPLE}: Provisioner "example-provisioner": karpenter.sh/v1alpha1 Provisioner with spec.constraints is deprecated; translated to requirements topology.kubernetes.io/region In [us-west-2], topology.kubernetes.io/zone In [us-west-2a], node.kubernetes.io/instance-type In [t2.micro]; write a karpenter.sh/v1alpha5 Provisioner with spec.requirements instead`,
  ]);
});

test("every v1alpha5 field is read", () => {
  const pool = onePool(
    provisioner(`{
      annotations: {example.com/owner: team-a},
      labels: {team: a, node.kubernetes.io/role: worker},
      taints: [{key: dedicated, value: batch, effect: NoSchedule}],
      startupTaints: [{key: example.com/not-ready, effect: NoExecute}],
      requirements: [
        {key: failure-domain.beta.kubernetes.io/zone, operator: In, values: [us-east-1a, us-east-1b]},
        {key: karpenter.k8s.aws/instance-cpu, operator: Gt, values: ["3"]},
        {key: example.com/gpu, operator: DoesNotExist}
      ],
      kubeletConfiguration: {
        clusterDNS: [10.100.0.10], containerRuntime: containerd, maxPods: 110, podsPerCore: 10,
        systemReserved: {cpu: 100m, memory: 100Mi}, kubeReserved: {cpu: 200m, ephemeral-storage: 1Gi, pid: "100"},
        evictionHard: {memory.available: 5%, nodefs.available: 10Gi},
        evictionSoft: {memory.available: 500Mi}, evictionSoftGracePeriod: {memory.available: 1m30s},
        evictionMaxPodGracePeriod: 60, imageGCHighThresholdPercent: 85, imageGCLowThresholdPercent: 80, cpuCFSQuota: false
      },
      providerRef: {apiVersion: karpenter.k8s.aws/v1alpha1, kind: AWSNodeTemplate, name: batch-nodes},
      ttlSecondsUntilExpired: 86400,
      limits: {resources: {cpu: "64", memory: 256Gi, nvidia.com/gpu: "4", nodes: "10"}},
      weight: 50,
      consolidation: {enabled: true},
      headroom: {cpu: "4", memory: 8Gi},
      minNodes: 2
    }`),
  );
  assert.deepEqual(withoutHash(pool), {
    name: "default",
    flavor: "v1alpha5",
    source: { file: "t.yaml", kind: "Provisioner", apiVersion: "karpenter.sh/v1alpha5" },
    weight: 50,
    labels: { team: "a", "node.kubernetes.io/role": "worker" },
    annotations: { "example.com/owner": "team-a" },
    taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }],
    startupTaints: [{ key: "example.com/not-ready", effect: "NoExecute" }],
    requirements: [
      { key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1a", "us-east-1b"] },
      { key: "karpenter.k8s.aws/instance-cpu", operator: "Gt", values: ["3"] },
      { key: "example.com/gpu", operator: "DoesNotExist", values: [] },
    ],
    kubelet: {
      clusterDNS: ["10.100.0.10"],
      containerRuntime: "containerd",
      maxPods: 110,
      podsPerCore: 10,
      systemReserved: { cpu: "100m", memory: "100Mi" },
      kubeReserved: { cpu: "200m", "ephemeral-storage": "1Gi", pid: "100" },
      evictionHard: { "memory.available": "5%", "nodefs.available": "10Gi" },
      evictionSoft: { "memory.available": "500Mi" },
      evictionSoftGracePeriod: { "memory.available": "1m30s" },
      evictionMaxPodGracePeriod: 60,
      imageGCHighThresholdPercent: 85,
      imageGCLowThresholdPercent: 80,
      cpuCFSQuota: false,
    },
    nodeClassName: "batch-nodes",
    limits: { cpu: "64", memory: "256Gi", "nvidia.com/gpu": "4", nodes: "10" },
    disruption: {
      consolidationPolicy: "WhenEmptyOrUnderutilized",
      emptyAfterSeconds: 0,
      expireAfterSeconds: 86400,
      budgets: [{ nodes: "10%" }],
    },
    headroom: { cpu: "4", memory: "8Gi" },
    minNodes: 2,
  });
});

test("v1alpha1 shorthand: full zone names and several instance types", () => {
  const r = parseDocuments(
    legacyProvisioner(
      "{constraints: [{type: awsec2, region: eu-west-1, zones: [a, eu-west-1b], instanceTypes: [m5.large, c5.xlarge]}], labels: {team: x}}",
    ),
    "legacy.yaml",
  );
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.nodePools[0].requirements, [
    { key: "topology.kubernetes.io/region", operator: "In", values: ["eu-west-1"] },
    { key: "topology.kubernetes.io/zone", operator: "In", values: ["eu-west-1a", "eu-west-1b"] },
    { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large", "c5.xlarge"] },
  ]);
  assert.deepEqual(r.nodePools[0].labels, { team: "x" });
  assert.equal(r.warnings.length, 1);
  assert.match(
    r.warnings[0],
    /^legacy\.yaml: Provisioner "legacy": karpenter\.sh\/v1alpha1 Provisioner with spec\.constraints is deprecated/,
  );
});

test("pool hash: order-insensitive for lists and maps, sensitive to node-shaping fields only", () => {
  const a = onePool(
    provisioner(
      "{labels: {a: x, b: y}, requirements: [{key: k1, operator: In, values: [p, q]}, {key: k2, operator: Exists}]}",
    ),
  );
  const b = onePool(
    provisioner(
      "{labels: {b: y, a: x}, requirements: [{key: k2, operator: Exists}, {key: k1, operator: In, values: [q, p]}]}",
    ),
  );
  const c = onePool(
    provisioner(
      "{labels: {a: x, b: z}, requirements: [{key: k1, operator: In, values: [p, q]}, {key: k2, operator: Exists}]}",
    ),
  );
  const d = onePool(
    provisioner(
      "{weight: 7, ttlSecondsAfterEmpty: 5, labels: {a: x, b: y}, requirements: [{key: k1, operator: In, values: [p, q]}, {key: k2, operator: Exists}]}",
    ),
  );
  assert.equal(a.hash, b.hash);
  assert.notEqual(a.hash, c.hash);
  assert.equal(a.hash, d.hash, "weight and TTLs do not shape nodes");
});
