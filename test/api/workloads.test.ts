import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDocuments } from "../../lib/api/index.js";
import { deployment } from "./helpers.js";

const parse = (text: string) => {
  const r = parseDocuments(text, "w.yaml", { env: {} });
  assert.deepEqual(r.issues, []);
  return r;
};

test("a Deployment expands into replicas pending pods with deterministic names", () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, uid: d-1}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, annotations: {example.com/a: b}}
    spec:
      containers: [{name: web, resources: {requests: {cpu: 250m, memory: 256Mi}}}]
`;
  const a = parse(text);
  const b = parse(text);
  assert.equal(a.pendingPods.length, 3);
  assert.deepEqual(
    a.pendingPods.map((p) => p.metadata.name),
    b.pendingPods.map((p) => p.metadata.name),
  );
  const names = a.pendingPods.map((p) => p.metadata.name as string);
  for (const n of names) assert.match(n, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal(new Set(names).size, 3);
  const pod = a.pendingPods[0];
  const hash = pod.metadata.labels?.["pod-template-hash"] as string;
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  assert.deepEqual(pod, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: names[0],
      namespace: "shop",
      labels: { app: "web", "pod-template-hash": hash },
      annotations: { "example.com/a": "b" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: "web",
          uid: "d-1",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { containers: [{ name: "web", resources: { requests: { cpu: "250m", memory: "256Mi" } } }] },
    status: {
      phase: "Pending",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "expanded from Deployment shop/web by stevedore plan",
        },
      ],
    },
  });
  assert.notEqual(a.pendingPods[0].spec, a.pendingPods[1].spec, "each pod has its own spec object");
});

test("replicas default to 1 and the namespace to default; 0 replicas give no pods", () => {
  const one = parse(deployment("{containers: [{name: a}]}").replace("replicas: 2, ", ""));
  assert.equal(one.pendingPods.length, 1);
  assert.equal(one.pendingPods[0].metadata.namespace, "default");
  assert.equal(parse(deployment("{containers: [{name: a}]}", "web", 0)).pendingPods.length, 0);
});

test("a StatefulSet's pods are named <name>-<ordinal>", () => {
  const r = parse(
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {replicas: 3, selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: pg}]}}}\n",
  );
  assert.deepEqual(
    r.pendingPods.map((p) => p.metadata.name),
    ["db-0", "db-1", "db-2"],
  );
  assert.deepEqual(r.pendingPods[2].metadata.labels, {
    app: "db",
    "statefulset.kubernetes.io/pod-name": "db-2",
    "apps.kubernetes.io/pod-index": "2",
  });
  assert.equal(r.pendingPods[0].metadata.ownerReferences?.[0].kind, "StatefulSet");
});

test("a ReplicaSet expands like a Deployment", () => {
  const r = parse(
    "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec: {replicas: 2, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c}]}}}\n",
  );
  assert.equal(r.pendingPods.length, 2);
  assert.match(r.pendingPods[0].metadata.name as string, /^rs-[a-z0-9]{5}$/);
});

test("a Job runs min(parallelism, completions) pods; a suspended Job none", () => {
  const job = (spec: string) =>
    `apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {${spec}template: {spec: {restartPolicy: Never, containers: [{name: c}]}}}\n`;
  assert.equal(parse(job("")).pendingPods.length, 1);
  assert.equal(parse(job("parallelism: 5, ")).pendingPods.length, 5);
  assert.equal(parse(job("parallelism: 5, completions: 2, ")).pendingPods.length, 2);
  assert.equal(parse(job("parallelism: 5, suspend: true, ")).pendingPods.length, 0);
  assert.deepEqual(parse(job("")).pendingPods[0].metadata.labels, {
    "job-name": "j",
    "batch.kubernetes.io/job-name": "j",
  });
});

test("Pods: pending ones get PodScheduled=False, bound ones are returned separately, finished ones are ignored", () => {
  const r = parse(`apiVersion: v1
kind: Pod
metadata: {name: pending}
spec: {containers: [{name: a}]}
---
apiVersion: v1
kind: Pod
metadata: {name: waiting, namespace: ns}
spec: {containers: [{name: a}]}
status: {phase: Pending, conditions: [{type: PodScheduled, status: "False", reason: SchedulerError}]}
---
apiVersion: v1
kind: Pod
metadata: {name: running}
spec: {nodeName: ip-10-0-0-1, containers: [{name: a}]}
---
apiVersion: v1
kind: Pod
metadata: {name: done}
spec: {containers: [{name: a}]}
status: {phase: Succeeded}
`);
  assert.deepEqual(
    r.pendingPods.map((p) => [p.metadata.namespace, p.metadata.name, p.status?.conditions?.[0].reason]),
    [
      ["default", "pending", "Unschedulable"],
      ["ns", "waiting", "SchedulerError"],
    ],
  );
  assert.deepEqual(
    r.boundPods.map((p) => p.metadata.name),
    ["running"],
  );
  assert.deepEqual(r.warnings, [
    'w.yaml: Pod "done": pod is Succeeded; it neither needs nor occupies capacity and is ignored',
  ]);
});

test("DaemonSets, Nodes and PDBs are categorised; a List's items are read", () => {
  const r = parse(`apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: agent}
    spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, resources: {requests: {cpu: 50m}}}]}}}
  - apiVersion: v1
    kind: Node
    metadata: {name: ip-10-0-0-1, labels: {node.kubernetes.io/instance-type: m5.large}}
    spec: {taints: [{key: a, effect: NoSchedule}]}
    status: {allocatable: {cpu: 1930m, memory: 7Gi, pods: "29"}}
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: pdb}
    spec: {maxUnavailable: 25%, selector: {matchLabels: {a: b}}}
`);
  assert.deepEqual(
    r.daemonSets.map((d) => [d.metadata.namespace, d.metadata.name]),
    [["default", "agent"]],
  );
  assert.deepEqual(
    r.nodes.map((n) => n.metadata.name),
    ["ip-10-0-0-1"],
  );
  assert.deepEqual(
    r.pdbs.map((p) => [p.metadata.namespace, p.spec.maxUnavailable]),
    [["default", "25%"]],
  );
});

test("JSON input is read", () => {
  const r = parse(
    JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "j" }, spec: { containers: [{ name: "a" }] } }),
  );
  assert.equal(r.pendingPods[0].metadata.name, "j");
});

test("List items with problems are reported under items[i] when they have no name", () => {
  const r = parseDocuments(
    "apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Pod, metadata: {}, spec: {containers: [{name: a}]}}\n",
    "l.yaml",
  );
  assert.deepEqual(
    r.issues.map((i) => [i.kind, i.path, i.message]),
    [["Pod", "items[0].metadata.name", "is required"]],
  );
});

test("an expanded workload larger than the cap is an issue", () => {
  const r = parseDocuments(deployment("{containers: [{name: a}]}", "big", 1_000_000), "b.yaml");
  assert.deepEqual(
    r.issues.map((i) => i.message),
    ["1000000 is not between 0 and 100000"],
  );
});
