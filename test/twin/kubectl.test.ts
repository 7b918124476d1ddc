/**
 * kubectl, unmodified, against the fake kube-apiserver over HTTPS: discovery, `get`, `describe node`, `cordon` and a
 * PDB-respecting `drain`. kubectl runs as a child process on the kubeconfig the server writes (its generated CA,
 * its bearer token).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { FakeKubeApiServer } from "../../lib/twin/kube-apiserver/index.js";
import type { KubeObjectStore } from "../../lib/twin/kube-apiserver/store.js";
import { humanDuration } from "../../lib/twin/kube-apiserver/table.js";
import { kubectlPath, runKubectl } from "../support/kubectl.js";

function node(name: string) {
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name, "karpenter.sh/nodepool": "default" } },
    spec: { providerID: `aws:///us-east-1a/i-${name}` },
    status: {
      capacity: { cpu: "4", memory: "16Gi", pods: "110" },
      allocatable: { cpu: "3920m", memory: "15Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True" }],
      nodeInfo: { kubeletVersion: "v1.31.0" },
    },
  };
}

function pod(namespace: string, name: string, nodeName: string, app: string, owner: { kind: string; name: string }) {
  return {
    metadata: {
      name,
      namespace,
      labels: { app },
      ownerReferences: [{ apiVersion: "apps/v1", kind: owner.kind, name: owner.name, controller: true }],
    },
    spec: {
      nodeName,
      containers: [{ name: "app", image: "app", resources: { requests: { cpu: "500m", memory: "1Gi" } } }],
    },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
}

/** node-a: two web pods and a DaemonSet pod; node-b: the only db pod, which its PDB keeps. */
function populate(store: KubeObjectStore): void {
  store.create("nodes", node("node-a"));
  store.create("nodes", node("node-b"));
  store.create("daemonsets", {
    metadata: { name: "agent", namespace: "kube-system" },
    spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } } } },
  });
  store.create("pods", pod("kube-system", "agent-a", "node-a", "agent", { kind: "DaemonSet", name: "agent" }));
  store.create("pods", pod("shop", "web-1", "node-a", "web", { kind: "ReplicaSet", name: "web-5d8f" }));
  store.create("pods", pod("shop", "web-2", "node-a", "web", { kind: "ReplicaSet", name: "web-5d8f" }));
  store.create("pods", pod("shop", "db-0", "node-b", "db", { kind: "StatefulSet", name: "db" }));
  store.create("poddisruptionbudgets", {
    metadata: { name: "db", namespace: "shop" },
    spec: { minAvailable: 1, selector: { matchLabels: { app: "db" } } },
  });
}

let server: FakeKubeApiServer;
let dir: string;
let kubeconfig: string;
const exe = kubectlPath();

before(async () => {
  server = await FakeKubeApiServer.start({ tls: true, bookmarkIntervalMs: 0 });
  populate(server.store);
  dir = await mkdtemp(join(tmpdir(), "stevedore-kubectl-"));
  kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, server.kubeconfigText());
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const kubectl = (...args: string[]) => runKubectl(exe as string, kubeconfig, join(dir, "cache"), args);

/** kubectl is required in CI (.ci/run installs it); a newcomer's machine without it skips. */
function requireKubectl(t: { skip(message: string): void }): boolean {
  if (exe) return true;
  assert.ok(
    process.env.CI !== "true",
    "kubectl is required when CI=true (.ci/run installs it: apt-get install kubernetes-client)",
  );
  t.skip("no kubectl on this machine (apt-get install kubernetes-client to run these checks; required in CI)");
  return false;
}

test("discovery lists every group, pods/eviction under policy/v1, verbs and short names", async () => {
  // The test process does not trust the generated CA; discovery is checked over a plain-HTTP twin of the server.
  const plain = await FakeKubeApiServer.start({ bookmarkIntervalMs: 0 });
  try {
    const at = async (path: string) => {
      const res = await fetch(`${plain.url}${path}`, { headers: { authorization: `Bearer ${plain.token}` } });
      assert.equal(res.status, 200, path);
      return (await res.json()) as {
        groups?: { name: string; preferredVersion: { groupVersion: string } }[];
        resources?: Record<string, unknown>[];
      };
    };
    const groups = (await at("/apis")).groups ?? [];
    assert.deepEqual(groups.map((g) => g.preferredVersion.groupVersion).sort(), [
      "apps/v1",
      "policy/v1",
      "rbac.authorization.k8s.io/v1",
    ]);
    const core = (await at("/api/v1")).resources ?? [];
    const byName = new Map(core.map((r) => [r.name as string, r]));
    assert.deepEqual(byName.get("pods/eviction"), {
      name: "pods/eviction",
      singularName: "",
      namespaced: true,
      kind: "Eviction",
      verbs: ["create"],
      group: "policy",
      version: "v1",
    });
    assert.deepEqual(byName.get("nodes")?.shortNames, ["no"]);
    assert.equal(byName.get("nodes")?.namespaced, false);
    assert.ok(((byName.get("pods")?.verbs ?? []) as string[]).includes("watch"));
    const policy = (await at("/apis/policy/v1")).resources ?? [];
    assert.deepEqual(
      policy.map((r) => r.name),
      ["poddisruptionbudgets", "poddisruptionbudgets/status"],
    );
    const unknown = await fetch(`${plain.url}/apis/example.com/v1`, {
      headers: { authorization: `Bearer ${plain.token}` },
    });
    assert.equal(unknown.status, 404);
  } finally {
    await plain.close();
  }
  assert.ok(server.url.startsWith("https://127.0.0.1:"));
  assert.ok(server.caCertificate?.includes("BEGIN CERTIFICATE"));
});

test("kubectl get nodes,pods -A lists the cluster over HTTPS with the kubeconfig's CA and token", async (t) => {
  if (!requireKubectl(t)) return;
  const result = await kubectl("get", "nodes,pods", "-A");
  assert.equal(result.code, 0, result.stderr);
  for (const name of ["node/node-a", "node/node-b", "pod/web-1", "pod/web-2", "pod/db-0", "pod/agent-a"]) {
    assert.match(result.stdout, new RegExp(name.replace("/", "\\/")), name);
  }
  // Server-side printing: the columns kubectl shows against a real apiserver.
  assert.match(result.stdout, /NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
  assert.match(result.stdout, /node\/node-a\s+Ready\s+<none>\s+\d+s\s+v1\.31\.0/);
  assert.match(result.stdout, /NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
  assert.match(result.stdout, /shop\s+pod\/web-1\s+1\/1\s+Running\s+0\s+\d+s/);
  const wide = await kubectl("get", "pods", "-n", "shop", "-o", "wide");
  assert.match(wide.stdout, /web-1\s+1\/1\s+Running\s+0\s+\S+\s+<none>\s+node-a\s+<none>/);
  const calls = server.requests.filter((r) => r.path === "/api/v1/pods");
  assert.ok(calls.length > 0 && calls.every((r) => r.authorization === `Bearer ${server.token}`));
});

test("kubectl describe node lists the node's pods and its (empty) events", async (t) => {
  if (!requireKubectl(t)) return;
  const result = await kubectl("describe", "node", "node-a");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Name:\s+node-a/);
  assert.match(result.stdout, /Non-terminated Pods:\s+\(3 in total\)/);
  assert.match(result.stdout, /shop\s+web-1\s+500m/);
  assert.match(result.stdout, /Events:/);
});

test("kubectl cordon marks the node unschedulable through a patch", async (t) => {
  if (!requireKubectl(t)) return;
  const result = await kubectl("cordon", "node-b");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /node\/node-b cordoned/);
  assert.match((await kubectl("get", "node", "node-b")).stdout, /node-b\s+Ready,SchedulingDisabled\s/);
  assert.equal(
    (server.store.peek("nodes", "node-b")?.spec as { unschedulable?: boolean } | undefined)?.unschedulable,
    true,
  );
  assert.ok(server.requests.some((r) => r.method === "PATCH" && r.path === "/api/v1/nodes/node-b"));
});

test("kubectl drain evicts through policy/v1 Eviction, skips DaemonSet pods, and stops at a PDB", async (t) => {
  if (!requireKubectl(t)) return;
  const drained = await kubectl("drain", "node-a", "--ignore-daemonsets", "--timeout=30s");
  assert.equal(drained.code, 0, drained.stderr);
  assert.match(drained.stdout, /node\/node-a (drained|evicted)/);
  assert.equal(server.store.peek("pods", "web-1", "shop"), undefined);
  assert.equal(server.store.peek("pods", "web-2", "shop"), undefined);
  assert.ok(server.store.peek("pods", "agent-a", "kube-system"), "the DaemonSet pod stays");
  assert.ok(server.requests.some((r) => r.path === "/api/v1/namespaces/shop/pods/web-1/eviction" && r.status === 201));

  const blocked = await kubectl("drain", "node-b", "--ignore-daemonsets", "--timeout=2s");
  assert.notEqual(blocked.code, 0);
  assert.match(`${blocked.stdout}${blocked.stderr}`, /db-0/);
  assert.ok(server.store.peek("pods", "db-0", "shop"), "the PDB keeps db-0");
  assert.ok(server.requests.some((r) => r.path === "/api/v1/namespaces/shop/pods/db-0/eviction" && r.status === 429));
});

test("kubectl with a wrong token is refused", async (t) => {
  if (!requireKubectl(t)) return;
  const result = await kubectl("get", "nodes", "--token", "wrong");
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /Unauthorized|must be logged in/);
});

test("AGE reads as kubectl prints it (Go's HumanDuration)", () => {
  const cases: [number, string][] = [
    [59_000, "59s"],
    [119_000, "119s"],
    [150_000, "2m30s"],
    [45 * 60_000, "45m"],
    [(4 * 60 + 5) * 60_000, "4h5m"],
    [30 * 3_600_000, "30h"],
    [(3 * 24 + 2) * 3_600_000, "3d2h"],
    [40 * 24 * 3_600_000, "40d"],
  ];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
});
