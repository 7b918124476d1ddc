/** The fake kube-apiserver's REST verbs, spoken to by the real @kubernetes/client-node. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AppsV1Api, CoreV1Api, type KubeConfig, PolicyV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import type { FakeKubeApiServer } from "../../lib/twin/kube-apiserver/index.js";
import { apiFailure, startFakeKube } from "../support/kube.js";

const pod = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { containers: [{ name: "c", image: "busybox" }] },
});

describe("fake kube-apiserver: REST verbs", () => {
  let server: FakeKubeApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let close: () => Promise<void>;

  before(async () => {
    const kube = await startFakeKube();
    server = kube.server;
    kc = kube.kubeConfig;
    close = kube.close;
    core = kc.makeApiClient(CoreV1Api);
  });
  after(() => close());

  it("creates, reads, replaces and deletes a pod with increasing resourceVersions", async () => {
    const created = await core.createNamespacedPod({ namespace: "crud", body: pod("web-0") });
    assert.equal(created.metadata?.namespace, "crud");
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);
    assert.equal(created.status?.phase, "Pending");
    const rv1 = Number(created.metadata?.resourceVersion);
    assert.ok(server.store.get("namespaces", "crud"), "the namespace is created implicitly");

    const read = await core.readNamespacedPod({ name: "web-0", namespace: "crud" });
    assert.equal(read.metadata?.resourceVersion, String(rv1));

    read.metadata!.labels = { app: "web" };
    const replaced = await core.replaceNamespacedPod({ name: "web-0", namespace: "crud", body: read });
    assert.ok(Number(replaced.metadata?.resourceVersion) > rv1);
    assert.deepEqual(replaced.metadata?.labels, { app: "web" });
    assert.equal(replaced.metadata?.uid, created.metadata?.uid);

    const deleted = await core.deleteNamespacedPod({ name: "web-0", namespace: "crud" });
    assert.equal(deleted.metadata?.name, "web-0");
    const gone = await apiFailure(core.readNamespacedPod({ name: "web-0", namespace: "crud" }));
    assert.equal(gone.code, 404);
    assert.deepEqual(gone.status, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'pods "web-0" not found',
      reason: "NotFound",
      details: { name: "web-0", kind: "pods" },
      code: 404,
    });
  });

  it("answers 409 AlreadyExists and 409 Conflict on a stale resourceVersion", async () => {
    await core.createNamespacedPod({ namespace: "default", body: pod("dup") });
    const exists = await apiFailure(core.createNamespacedPod({ namespace: "default", body: pod("dup") }));
    assert.equal(exists.code, 409);
    assert.equal(exists.status.reason, "AlreadyExists");
    assert.equal(exists.status.message, 'pods "dup" already exists');

    const v1 = await core.readNamespacedPod({ name: "dup", namespace: "default" });
    const stale = structuredClone(v1);
    v1.metadata!.labels = { a: "1" };
    await core.replaceNamespacedPod({ name: "dup", namespace: "default", body: v1 });
    stale.metadata!.labels = { a: "2" };
    const conflict = await apiFailure(core.replaceNamespacedPod({ name: "dup", namespace: "default", body: stale }));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.status.reason, "Conflict");
    assert.match(
      String(conflict.status.message),
      /Operation cannot be fulfilled on pods "dup": the object has been modified/,
    );
  });

  it("answers 422 Invalid for a bad name and keeps a no-op update from bumping the resourceVersion", async () => {
    const bad = await apiFailure(core.createNamespacedPod({ namespace: "default", body: pod("Bad_Name") }));
    assert.equal(bad.code, 422);
    assert.equal(bad.status.reason, "Invalid");
    const details = bad.status.details as { kind: string; causes: { field: string; reason: string }[] };
    assert.equal(details.kind, "Pod");
    assert.equal(details.causes[0].field, "metadata.name");
    assert.equal(details.causes[0].reason, "FieldValueInvalid");

    const node = await core.createNode({ body: { metadata: { name: "noop-node" } } });
    const again = await core.replaceNode({ name: "noop-node", body: node });
    assert.equal(again.metadata?.resourceVersion, node.metadata?.resourceVersion);
  });

  it("fills generateName names", async () => {
    const a = await core.createNamespacedPod({
      namespace: "default",
      body: { metadata: { generateName: "gen-" }, spec: pod("x").spec },
    });
    const b = await core.createNamespacedPod({
      namespace: "default",
      body: { metadata: { generateName: "gen-" }, spec: pod("x").spec },
    });
    assert.match(a.metadata!.name!, /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata?.name, b.metadata?.name);
  });

  it("keeps status on main writes and the rest on status writes (pods/status, nodes/status)", async () => {
    const n = await core.createNode({
      body: { metadata: { name: "status-node" }, status: { capacity: { cpu: "2" } } },
    });
    n.status = { capacity: { cpu: "64" } };
    n.metadata!.labels = { zone: "a" };
    const afterMain = await core.replaceNode({ name: "status-node", body: n });
    assert.deepEqual(afterMain.status?.capacity, { cpu: "2" }, "main write keeps status");
    assert.deepEqual(afterMain.metadata?.labels, { zone: "a" });
    afterMain.status = { capacity: { cpu: "4" } };
    afterMain.metadata!.labels = { zone: "ignored" };
    const afterStatus = await core.replaceNodeStatus({ name: "status-node", body: afterMain });
    assert.deepEqual(afterStatus.status?.capacity, { cpu: "4" });
    assert.deepEqual(afterStatus.metadata?.labels, { zone: "a" }, "status write keeps metadata");
    const readStatus = await core.readNodeStatus({ name: "status-node" });
    assert.deepEqual(readStatus.status?.capacity, { cpu: "4" });

    await core.createNamespacedPod({ namespace: "default", body: pod("status-pod") });
    const p = await core.readNamespacedPod({ name: "status-pod", namespace: "default" });
    p.status = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
    const ps = await core.replaceNamespacedPodStatus({ name: "status-pod", namespace: "default", body: p });
    assert.equal(ps.status?.phase, "Running");
  });

  it("holds objects with finalizers until the last one is removed", async () => {
    await core.createNode({ body: { metadata: { name: "fin-node", finalizers: ["karpenter.sh/termination"] } } });
    await core.deleteNode({ name: "fin-node" });
    const held = await core.readNode({ name: "fin-node" });
    assert.ok(held.metadata?.deletionTimestamp, "deletionTimestamp set");
    held.metadata!.finalizers = [];
    await core.replaceNode({ name: "fin-node", body: held });
    assert.equal((await apiFailure(core.readNode({ name: "fin-node" }))).code, 404);
  });

  it("honours delete preconditions", async () => {
    const n = await core.createNode({ body: { metadata: { name: "pre-node" } } });
    const failed = await apiFailure(
      core.deleteNode({ name: "pre-node", body: { preconditions: { resourceVersion: "1" } } }),
    );
    assert.equal(failed.code, 409);
    await core.deleteNode({ name: "pre-node", body: { preconditions: { uid: n.metadata?.uid } } });
    assert.equal(server.store.get("nodes", "pre-node"), undefined);
  });

  it("deletes collections by selector", async () => {
    await core.createNamespacedPod({ namespace: "coll", body: pod("a", { tier: "x" }) });
    await core.createNamespacedPod({ namespace: "coll", body: pod("b", { tier: "y" }) });
    await core.deleteCollectionNamespacedPod({ namespace: "coll", labelSelector: "tier=x" });
    assert.deepEqual(
      server.store.list("pods", "coll").map((p) => p.metadata.name),
      ["b"],
    );
  });

  it("stores configmaps, events, deployments, daemonsets, PDBs and RBAC objects", async () => {
    await core.createNamespacedConfigMap({
      namespace: "kube-system",
      body: { metadata: { name: "aws-auth" }, data: { mapRoles: "- rolearn: x\n" } },
    });
    const cm = await core.readNamespacedConfigMap({ name: "aws-auth", namespace: "kube-system" });
    assert.equal(cm.data?.mapRoles, "- rolearn: x\n");
    await core.createNamespacedEvent({
      namespace: "default",
      body: {
        metadata: { name: "web.1" },
        involvedObject: { kind: "Pod", name: "web" },
        reason: "Nominated",
        type: "Normal",
      },
    });
    const events = await core.listNamespacedEvent({ namespace: "default", fieldSelector: "involvedObject.name=web" });
    assert.equal(events.items.length, 1);

    const apps = kc.makeApiClient(AppsV1Api);
    const template = { metadata: { labels: { app: "d" } }, spec: pod("x").spec };
    await apps.createNamespacedDeployment({
      namespace: "default",
      body: { metadata: { name: "d" }, spec: { selector: { matchLabels: { app: "d" } }, template } },
    });
    await apps.createNamespacedDaemonSet({
      namespace: "kube-system",
      body: { metadata: { name: "ds" }, spec: { selector: { matchLabels: { app: "d" } }, template } },
    });
    assert.equal((await apps.listDaemonSetForAllNamespaces()).items[0].metadata?.name, "ds");
    assert.equal(
      (await apps.readNamespacedDeployment({ name: "d", namespace: "default" })).spec?.selector.matchLabels?.app,
      "d",
    );

    const policy = kc.makeApiClient(PolicyV1Api);
    await policy.createNamespacedPodDisruptionBudget({
      namespace: "default",
      body: { metadata: { name: "pdb" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "none" } } } },
    });
    assert.equal((await policy.listPodDisruptionBudgetForAllNamespaces()).items.length, 1);

    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: { metadata: { name: "stevedore" }, rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }] },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: "stevedore" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "stevedore" },
        subjects: [{ kind: "Group", name: "stevedore" }],
      },
    });
    assert.equal((await rbac.readClusterRoleBinding({ name: "stevedore" })).roleRef.name, "stevedore");
  });

  it("lists namespaces, including the implicit defaults", async () => {
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    for (const n of ["default", "kube-system", "kube-public", "kube-node-lease"]) assert.ok(names.includes(n));
  });

  it("rejects a wrong token with 401 and unknown paths with 404", async () => {
    const res = await fetch(`${server.url}/api/v1/nodes`, { headers: { Authorization: "Bearer wrong" } });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { reason: string }).reason, "Unauthorized");
    const unknown = await fetch(`${server.url}/apis/example.com/v1/widgets`, {
      headers: { Authorization: `Bearer ${server.token}` },
    });
    assert.equal(unknown.status, 404);
    const version = await fetch(`${server.url}/version`, { headers: { Authorization: `Bearer ${server.token}` } });
    assert.equal(((await version.json()) as { major: string }).major, "1");
  });
});
