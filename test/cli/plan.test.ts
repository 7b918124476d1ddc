import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { CommandIO } from "../../bin/commands/io.js";
import { run } from "../../bin/commands/plan.js";
import type { PlanDocument } from "../../lib/plan/plan-document.js";
import { type FakeKube, startFakeKube } from "../support/kube.js";

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CommandIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: process.cwd() };
  return { io: value, out: () => out.join(""), err: () => err.join("") };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "stevedore-plan-"));
});

const POOL = `apiVersion: karpenter.sh/v1alpha5
kind: Provisioner
metadata: { name: default }
spec:
  requirements:
    - { key: karpenter.sh/capacity-type, operator: In, values: [on-demand] }
    - { key: node.kubernetes.io/instance-type, operator: In, values: [m5.large, m5.xlarge, c5.large] }
`;

const PODS = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: nginx, resources: { requests: { cpu: 500m, memory: 1Gi } } }]
---
apiVersion: v1
kind: Pod
metadata: { name: huge-0, namespace: default }
spec:
  containers: [{ name: c, image: x, resources: { requests: { cpu: "900" } } }]
`;

test("plan -o json prints the Plan document", async () => {
  await writeFile(join(dir, "pool.yaml"), POOL);
  await writeFile(join(dir, "pods.yaml"), PODS);
  const c = io();
  const code = await run(["-f", join(dir, "pool.yaml"), "-f", join(dir, "pods.yaml"), "-o", "json", "--bound"], c.io);
  assert.equal(code, 0, c.err());
  const plan = JSON.parse(c.out()) as PlanDocument;
  assert.equal(plan.apiVersion, "stevedore.dev/v1");
  assert.equal(plan.kind, "Plan");
  assert.equal(plan.region, "us-east-1");
  assert.equal(plan.summary.pods, 4);
  assert.equal(plan.summary.scheduled, 3);
  assert.ok(plan.newNodes.length >= 1);
  const node = plan.newNodes[0];
  assert.equal(node.provisioner, "default");
  assert.equal(node.capacityType, "on-demand");
  assert.ok(["m5.large", "m5.xlarge", "c5.large"].includes(node.instanceType));
  assert.equal(node.instanceTypeOptions[0], node.instanceType, "options are price-ordered, chosen first");
  assert.equal(node.labels["node.kubernetes.io/instance-type"], node.instanceType);
  assert.equal(node.labels["karpenter.sh/provisioner-name"], "default");
  assert.equal(node.labels["topology.kubernetes.io/zone"], node.zone);
  assert.match(node.allocatable.cpu, /^\d+m?$/);
  assert.ok(node.pods.every((p) => p.startsWith("shop/web-")));
  const cost = plan.newNodes.reduce((s, n) => s + n.pricePerHour, 0);
  assert.ok(Math.abs(plan.summary.costPerHour - cost) < 1e-6);
  assert.ok(
    plan.summary.lowerBoundPerHour !== undefined && plan.summary.lowerBoundPerHour <= plan.summary.costPerHour + 1e-9,
  );
  assert.deepEqual(
    plan.unschedulable.map((u) => u.pod),
    ["default/huge-0"],
  );
  assert.match(plan.unschedulable[0].reason, /900/);
});

test("plan table output lists nodes, totals and unschedulable pods with reasons", async () => {
  const c = io();
  assert.equal(await run(["-f", dir], c.io), 0);
  const text = c.out();
  assert.match(text, /NODE\s+POOL\s+TYPE\s+OPTIONS\s+CAPACITY\s+ZONE\s+\$\/HOUR\s+PODS/);
  assert.match(text, /3\/4 pods scheduled/);
  assert.match(text, /UNSCHEDULABLE POD\s+REASON/);
  assert.match(text, /default\/huge-0/);
});

test("invalid input exits 2 with file, object, field path and rule, and no stack trace", async () => {
  const bad = join(dir, "bad");
  await import("node:fs/promises").then((fs) => fs.mkdir(bad, { recursive: true }));
  await writeFile(
    join(bad, "provisioners.yaml"),
    POOL.replace("operator: In, values: [on-demand]", "operator: Within, values: [on-demand]"),
  );
  const c = io();
  assert.equal(await run(["-f", bad], c.io), 2);
  assert.match(
    c.err(),
    /provisioners\.yaml: Provisioner "default": spec\.requirements\[0\]\.operator: "Within" is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt/,
  );
  assert.doesNotMatch(c.err(), /\n\s+at /);
  const missing = io();
  assert.equal(await run(["-f", join(dir, "nope.yaml")], missing.io), 2);
  assert.equal(await run(["-o", "xml", "-f", dir], io().io), 2);
});

test("--catalog replaces the built-in catalog", async () => {
  const catalog = {
    zones: ["test-zone-1", "test-zone-2"],
    instanceTypes: [
      {
        name: "fake-it-0",
        arch: "amd64",
        os: "linux",
        capacity: { cpu: "4", memory: "8Gi", pods: "10" },
        overhead: { cpu: "100m", memory: "10Mi" },
        offerings: [{ zone: "test-zone-1", capacityType: "on-demand", price: 0.3, available: true }],
      },
    ],
  };
  await writeFile(join(dir, "catalog.json"), JSON.stringify(catalog));
  const pool = POOL.replace(/ {4}- \{ key: node\.kubernetes\.io\/instance-type.*\n/, "");
  const cdir = join(dir, "c");
  await import("node:fs/promises").then((fs) => fs.mkdir(cdir, { recursive: true }));
  await writeFile(join(cdir, "pool.yaml"), pool);
  await writeFile(join(cdir, "pods.yaml"), PODS.split("---")[0]);
  const c = io();
  assert.equal(await run(["-f", cdir, "--catalog", join(dir, "catalog.json"), "-o", "json"], c.io), 0, c.err());
  const plan = JSON.parse(c.out()) as PlanDocument;
  assert.deepEqual([...new Set(plan.newNodes.map((n) => n.instanceType))], ["fake-it-0"]);
  assert.equal(plan.newNodes[0].zone, "test-zone-1");
  assert.equal(plan.newNodes[0].pricePerHour, 0.3);
  await writeFile(
    join(dir, "bad-catalog.json"),
    JSON.stringify({ instanceTypes: [{ name: "x", capacity: { cpu: "lots" } }] }),
  );
  const bad = io();
  assert.equal(await run(["-f", cdir, "--catalog", join(dir, "bad-catalog.json")], bad.io), 2);
  assert.match(bad.err(), /instanceTypes\[0\]\.capacity\.cpu/);
});

let kube: FakeKube;
before(async () => {
  kube = await startFakeKube();
});
after(async () => {
  await kube.close();
});

test("--kubeconfig plans the live cluster's pending pods against its nodes (read-only)", async () => {
  const store = kube.server.store;
  store.create("nodes", {
    metadata: { name: "n1", labels: { "kubernetes.io/hostname": "n1", "topology.kubernetes.io/zone": "us-east-1a" } },
    status: { allocatable: { cpu: "2", memory: "4Gi", pods: "20" }, conditions: [{ type: "Ready", status: "True" }] },
  } as never);
  const pending = (name: string, cpu: string) => ({
    metadata: { name, namespace: "default" },
    spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu } } }] },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
  });
  store.create("pods", pending("small", "500m") as never);
  store.create("pods", pending("big", "3") as never);
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, kube.server.kubeconfigText());
  const c = io();
  assert.equal(await run(["--kubeconfig", kubeconfig, "-f", join(dir, "pool.yaml"), "-o", "json"], c.io), 0, c.err());
  const plan = JSON.parse(c.out()) as PlanDocument;
  assert.deepEqual(plan.existingNodes, [{ name: "n1", pods: ["default/small"] }]);
  assert.deepEqual(
    plan.newNodes.flatMap((n) => n.pods),
    ["default/big"],
  );
  const before = kube.server.requests.filter((r) => r.method !== "GET").length;
  assert.equal(before, 0, "plan never writes to the cluster");
  const badCtx = io();
  assert.equal(
    await run(["--kubeconfig", kubeconfig, "--context", "nope", "-f", join(dir, "pool.yaml")], badCtx.io),
    2,
  );
  assert.match(badCtx.err(), /context "nope" not found/);
});

test("the CLI process prints no stack trace for invalid input and exits 2", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bin/stevedore.ts", "plan", "-f", join(dir, "bad")], {
    encoding: "utf8",
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /spec\.requirements\[0\]\.operator/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

const MIN_VALUES_POOL = `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: { name: spread }
spec:
  template:
    spec:
      nodeClassRef: { group: karpenter.k8s.aws, kind: EC2NodeClass, name: default }
      requirements:
        - { key: kubernetes.io/arch, operator: In, values: [amd64] }
        - { key: karpenter.k8s.aws/instance-category, operator: In, values: [c, m, r] }
        - { key: karpenter.k8s.aws/instance-family, operator: Exists, minValues: 5 }
        - { key: node.kubernetes.io/instance-type, operator: Exists, minValues: 10 }
`;

test("plan: a minValues: 5 instance-family pool gives nodes whose options span at least 5 families", async () => {
  const d = await mkdtemp(join(tmpdir(), "stevedore-plan-minvalues-"));
  await writeFile(join(d, "pool.yaml"), MIN_VALUES_POOL);
  await writeFile(join(d, "pods.yaml"), PODS.split("---")[0]);
  const c = io();
  assert.equal(await run(["-f", d, "-o", "json"], c.io), 0, c.err());
  const plan = JSON.parse(c.out()) as PlanDocument;
  assert.ok(plan.newNodes.length >= 1);
  for (const n of plan.newNodes) {
    const families = new Set(n.instanceTypeOptions.map((t) => t.split(".")[0]));
    assert.ok(families.size >= 5, `${n.name}: ${[...families].join(", ")}`);
    assert.equal(n.optionFamilies, families.size);
    assert.ok(n.instanceTypeOptions.length >= 10 && n.instanceTypeOptions.length <= 60);
  }
  const table = io();
  assert.equal(await run(["-f", d], table.io), 0);
  assert.match(table.out(), /spread-0001\s+spread\s+\S+\s+\d+ types\/(\d+) families/);
});

test("plan: a pod narrowing a minValues pool is refused under Strict and planned under BestEffort", async () => {
  const d = await mkdtemp(join(tmpdir(), "stevedore-plan-minvalues-"));
  await writeFile(join(d, "pool.yaml"), MIN_VALUES_POOL);
  await writeFile(
    join(d, "pod.yaml"),
    `apiVersion: v1
kind: Pod
metadata: { name: narrow-0, namespace: default }
spec:
  nodeSelector: { karpenter.k8s.aws/instance-family: m5 }
  containers: [{ name: c, image: x, resources: { requests: { cpu: "1" } } }]
`,
  );
  const strict = io();
  assert.equal(await run(["-f", d, "-o", "json"], strict.io), 0, strict.err());
  const refused = JSON.parse(strict.out()) as PlanDocument;
  assert.equal(refused.newNodes.length, 0);
  assert.match(refused.unschedulable[0].reason, /minValues not met/);
  const relaxed = io();
  assert.equal(await run(["-f", d, "-o", "json", "--min-values-policy", "BestEffort"], relaxed.io), 0);
  const planned = JSON.parse(relaxed.out()) as PlanDocument;
  assert.equal(planned.newNodes.length, 1);
  assert.equal(planned.newNodes[0].minValuesRelaxed?.[0].key, "karpenter.k8s.aws/instance-family");
  assert.equal(await run(["-f", d, "--min-values-policy", "Lax"], io().io), 2);
});

test("plan: a static pool (replicas: 2) shows two nodes, and pending pods use them before opening others", async () => {
  const d = await mkdtemp(join(tmpdir(), "stevedore-plan-static-"));
  await writeFile(
    join(d, "pool.yaml"),
    `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: { name: fixed }
spec:
  replicas: 2
  limits: { nodes: 4 }
  template:
    spec:
      nodeClassRef: { group: karpenter.k8s.aws, kind: EC2NodeClass, name: default }
      requirements:
        - { key: node.kubernetes.io/instance-type, operator: In, values: [m5.xlarge] }
`,
  );
  await writeFile(join(d, "pods.yaml"), PODS.split("---")[0]);
  const c = io();
  assert.equal(await run(["-f", d, "-o", "json"], c.io), 0, c.err());
  const plan = JSON.parse(c.out()) as PlanDocument;
  assert.deepEqual(
    plan.newNodes.map((n) => [n.provisioner, n.instanceType]),
    [
      ["fixed", "m5.xlarge"],
      ["fixed", "m5.xlarge"],
    ],
  );
  assert.equal(plan.summary.scheduled, 3, "the three web pods run on the static nodes");
  assert.ok(plan.newNodes.every((n) => n.pods.every((p) => p.startsWith("shop/web-"))));
});
