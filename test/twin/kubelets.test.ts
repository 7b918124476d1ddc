import assert from "node:assert/strict";
import { test } from "node:test";
import { renderUserData } from "../../lib/cloud/aws/user-data.js";
import type { Node } from "../../lib/core/kube-objects.js";
import type { InstanceSnapshot } from "../../lib/twin/aws/index.js";
import { Kubelets } from "../../lib/twin/kubelets.js";
import { MemoryTwinStore } from "../support/memory-twin-store.js";

function instance(state: InstanceSnapshot["state"], userData: string): InstanceSnapshot {
  return {
    instanceId: "i-1",
    providerID: "aws:///us-east-1a/i-1",
    instanceType: "m5.large",
    zone: "us-east-1a",
    zoneId: "use1-az1",
    subnetId: "subnet-1",
    capacityType: "on-demand",
    state,
    launchTimeMs: 0,
    runningAtMs: 10_000,
    imageId: "ami-1",
    architecture: "x86_64",
    tags: {},
    userData: Buffer.from(userData).toString("base64"),
    privateIpAddress: "10.0.0.1",
    privateDnsName: "ip-10-0-0-1.ec2.internal",
    securityGroupIds: [],
    pricePerHour: 0.096,
  };
}

test("kubelets register from user data after the boot time, drop startup taints, and leave with the instance", () => {
  const userData = renderUserData("AL2023", {
    clusterName: "twin",
    apiServerEndpoint: "http://127.0.0.1:1",
    caBundle: "Y2E=",
    serviceCidr: "10.100.0.0/16",
    labels: { "karpenter.sh/nodepool": "gpu", team: "ml" },
    taints: [
      { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" },
      { key: "example.com/driver-not-ready", effect: "NoSchedule" },
    ],
    maxPods: 29,
  });
  const store = new MemoryTwinStore();
  const kubelets = new Kubelets(store, {
    region: "us-east-1",
    bootTimeMs: 30_000,
    startupTaintKeys: (pool) => (pool === "gpu" ? ["example.com/driver-not-ready"] : []),
    startupTaintDelayMs: 15_000,
  });
  kubelets.reconcile(20_000, [instance("running", userData)]);
  assert.equal(store.list("nodes").length, 0, "not before the boot time");
  kubelets.reconcile(40_000, [instance("running", userData)]);
  const [node] = store.list<Node>("nodes");
  assert.equal(node.metadata.name, "ip-10-0-0-1.ec2.internal");
  assert.equal(node.spec?.providerID, "aws:///us-east-1a/i-1");
  assert.equal(node.metadata.labels?.team, "ml");
  assert.equal(node.metadata.labels?.["node.kubernetes.io/instance-type"], "m5.large");
  assert.equal(node.status?.allocatable?.pods, "29");
  assert.deepEqual(node.spec?.taints?.map((t) => t.key).sort(), ["example.com/driver-not-ready", "nvidia.com/gpu"]);
  kubelets.reconcile(50_000, [instance("running", userData)]);
  assert.equal(store.list<Node>("nodes")[0].spec?.taints?.length, 2, "startup taint kept until its delay");
  kubelets.reconcile(56_000, [instance("running", userData)]);
  assert.deepEqual(
    store.list<Node>("nodes")[0].spec?.taints?.map((t) => t.key),
    ["nvidia.com/gpu"],
  );
  kubelets.reconcile(60_000, [instance("shutting-down", userData)]);
  assert.equal(store.list("nodes").length, 0, "the node goes with its instance");
});
