import assert from "node:assert/strict";
import { test } from "node:test";
import { type NodePool, parseDocuments } from "../../lib/api/index.js";
import { nodePool } from "./helpers.js";

function onePool(text: string): NodePool {
  const r = parseDocuments(text, "t.yaml", { env: {} });
  assert.deepEqual(r.issues, []);
  assert.equal(r.nodePools.length, 1);
  return r.nodePools[0];
}

test("v1 NodePool: every field is read", () => {
  const text = `apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: general
spec:
  weight: 20
  template:
    metadata:
      labels: {team: web, karpenter.k8s.aws/instance-family: m5}
      annotations: {example.com/cost-center: "42"}
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: general}
      taints: [{key: example.com/dedicated, value: web, effect: NoSchedule}]
      startupTaints: [{key: example.com/agent-not-ready, effect: NoExecute}]
      requirements:
        - {key: beta.kubernetes.io/arch, operator: In, values: [amd64, arm64]}
        - {key: karpenter.k8s.aws/instance-cpu, operator: Gte, values: ["4"]}
        - {key: node.kubernetes.io/instance-type, operator: Exists}
      expireAfter: 336h
      terminationGracePeriod: 1h30m
  disruption:
    consolidationPolicy: WhenEmpty
    consolidateAfter: 90s
    budgets:
      - nodes: "10%"
      - {nodes: "0", schedule: "0 9 * * 1-5", duration: 8h, reasons: [Drifted]}
      - {nodes: 3, reasons: []}
  limits: {cpu: "1000", memory: 4000Gi, nodes: "50"}
  headroom: {cpu: "2"}
  minNodes: 1
`;
  const { hash, ...pool } = onePool(text);
  assert.match(hash, /^[0-9a-f]{16}$/);
  assert.deepEqual(pool, {
    name: "general",
    flavor: "v1",
    source: { file: "t.yaml", kind: "NodePool", apiVersion: "karpenter.sh/v1" },
    weight: 20,
    labels: { team: "web", "karpenter.k8s.aws/instance-family": "m5" },
    annotations: { "example.com/cost-center": "42" },
    taints: [{ key: "example.com/dedicated", value: "web", effect: "NoSchedule" }],
    startupTaints: [{ key: "example.com/agent-not-ready", effect: "NoExecute" }],
    requirements: [
      { key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] },
      { key: "karpenter.k8s.aws/instance-cpu", operator: "Gte", values: ["4"] },
      { key: "node.kubernetes.io/instance-type", operator: "Exists", values: [] },
    ],
    kubelet: {},
    nodeClassName: "general",
    limits: { cpu: "1000", memory: "4000Gi", nodes: "50" },
    disruption: {
      consolidationPolicy: "WhenEmpty",
      emptyAfterSeconds: 90,
      expireAfterSeconds: 336 * 3600,
      terminationGracePeriodSeconds: 5400,
      budgets: [
        { nodes: "10%" },
        { nodes: "0", schedule: "0 9 * * 1-5", durationSeconds: 8 * 3600, reasons: ["Drifted"] },
        { nodes: "3", reasons: [] },
      ],
    },
    headroom: { cpu: "2" },
    minNodes: 1,
  });
});

test("v1 NodePool defaults: consolidation on, 720h expiry, 10% budget", () => {
  const pool = onePool(nodePool(""));
  assert.deepEqual(pool.disruption, {
    consolidationPolicy: "WhenEmptyOrUnderutilized",
    emptyAfterSeconds: 0,
    expireAfterSeconds: 720 * 3600,
    budgets: [{ nodes: "10%" }],
  });
  assert.equal(pool.weight, 0);
  assert.equal(pool.minNodes, 0);
  assert.equal(pool.headroom, undefined);
  assert.deepEqual(pool.requirements, []);
});

test("v1 Balanced: the policy and budgets scoped to reasons are kept", () => {
  const pool = onePool(
    nodePool(
      "",
      'disruption: {consolidationPolicy: Balanced, consolidateAfter: 5m, budgets: [{nodes: "0", reasons: [Underutilized]}, {nodes: "2"}]}',
    ),
  );
  assert.equal(pool.disruption.consolidationPolicy, "Balanced");
  assert.equal(pool.disruption.emptyAfterSeconds, 300);
  assert.deepEqual(pool.disruption.budgets, [{ nodes: "0", reasons: ["Underutilized"] }, { nodes: "2" }]);
});

test("v1 Never: consolidateAfter Never disables consolidation; expireAfter Never means no expiry", () => {
  const pool = onePool(nodePool("expireAfter: Never", "disruption: {consolidateAfter: Never}"));
  assert.deepEqual(pool.disruption, { consolidationPolicy: "Never", budgets: [{ nodes: "10%" }] });
});

test("v1beta1 NodePool: kubelet in the template, WhenUnderutilized, disruption.expireAfter", () => {
  const pool = onePool(
    nodePool(
      "kubelet: {maxPods: 58, systemReserved: {memory: 200Mi}}, requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [spot]}]",
      "disruption: {consolidationPolicy: WhenUnderutilized, expireAfter: 48h}",
      "beta",
      "karpenter.sh/v1beta1",
    ),
  );
  assert.equal(pool.flavor, "v1");
  assert.equal(pool.source.apiVersion, "karpenter.sh/v1beta1");
  assert.deepEqual(pool.kubelet, { maxPods: 58, systemReserved: { memory: "200Mi" } });
  assert.deepEqual(pool.disruption, {
    consolidationPolicy: "WhenEmptyOrUnderutilized",
    emptyAfterSeconds: 0,
    expireAfterSeconds: 48 * 3600,
    budgets: [{ nodes: "10%" }],
  });
  assert.equal(pool.nodeClassName, "default");
});

test("v1beta1 WhenEmpty needs consolidateAfter and takes it", () => {
  const pool = onePool(
    nodePool(
      "",
      "disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 10m, expireAfter: Never}",
      "b",
      "karpenter.sh/v1beta1",
    ),
  );
  assert.deepEqual(pool.disruption, {
    consolidationPolicy: "WhenEmpty",
    emptyAfterSeconds: 600,
    budgets: [{ nodes: "10%" }],
  });
});

test("v1 NodePool hash treats requirement values and taints as sets", () => {
  const a = onePool(
    nodePool(
      "requirements: [{key: a, operator: In, values: [x, y]}], taints: [{key: t1, effect: NoSchedule}, {key: t2, effect: NoExecute}]",
    ),
  );
  const b = onePool(
    nodePool(
      "taints: [{key: t2, effect: NoExecute}, {key: t1, effect: NoSchedule}], requirements: [{key: a, operator: In, values: [y, x]}]",
    ),
  );
  const c = onePool(
    nodePool(
      "requirements: [{key: a, operator: In, values: [x]}], taints: [{key: t1, effect: NoSchedule}, {key: t2, effect: NoExecute}]",
    ),
  );
  assert.equal(a.hash, b.hash);
  assert.notEqual(a.hash, c.hash);
});

test("v1 NodePool minValues is read onto the requirement and does not change the drift hash", () => {
  const family = "{key: karpenter.k8s.aws/instance-family, operator: Exists";
  const plain = onePool(nodePool(`requirements: [${family}}]`));
  const five = onePool(nodePool(`requirements: [${family}, minValues: 5}]`));
  assert.equal(five.requirements[0].minValues, 5);
  assert.equal(plain.requirements[0].minValues, undefined);
  assert.equal(five.hash, plain.hash);
  const inList = onePool(
    nodePool("requirements: [{key: karpenter.k8s.aws/instance-family, operator: In, values: [m5, c5], minValues: 2}]"),
  );
  assert.equal(inList.requirements[0].minValues, 2);
});

test("v1 static NodePool: replicas with limits.nodes is read; scaling it changes no drift hash", () => {
  const three = onePool(nodePool("", "replicas: 3, limits: {nodes: 5}"));
  const four = onePool(nodePool("", "replicas: 4, limits: {nodes: 5}"));
  const dynamic = onePool(nodePool("", "limits: {nodes: 5}"));
  assert.equal(three.replicas, 3);
  assert.equal(dynamic.replicas, undefined);
  assert.equal(three.hash, four.hash);
  assert.equal(three.hash, dynamic.hash);
});

test("v1 NodePool template annotations are in the drift hash", () => {
  const a = onePool(
    nodePool("", "").replace("template: {spec:", "template: {metadata: {annotations: {team: a}}, spec:"),
  );
  const b = onePool(
    nodePool("", "").replace("template: {spec:", "template: {metadata: {annotations: {team: b}}, spec:"),
  );
  assert.deepEqual(a.annotations, { team: "a" });
  assert.notEqual(a.hash, b.hash);
});
