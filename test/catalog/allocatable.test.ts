import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { builtinInstanceTypeRecords } from "../../lib/cloud/aws/builtin-catalog.js";
import {
  computeResources,
  eniLimitedPods,
  kubeReservedCpuMillis,
  resolveEphemeralStorageBytes,
} from "../../lib/scheduling/catalog/allocatable.js";
import { type CompleteInstanceTypeRecord, isCompleteRecord } from "../../lib/scheduling/catalog/catalog-record.js";

const MI = 2 ** 20;
const GI = 2 ** 30;

function rec(name: string): CompleteInstanceTypeRecord {
  const r = builtinInstanceTypeRecords().find((x) => x.name === name);
  assert.ok(r && isCompleteRecord(r), `${name} in data`);
  return r;
}

describe("allocatable formulas", () => {
  it("m5.large: the worked example of the reference", () => {
    const r = computeResources(rec("m5.large"));
    assert.equal(r.capacity.memory, 7577 * MI);
    assert.equal(r.kubeReserved.memory, 574 * MI);
    assert.equal(r.allocatable.memory, 6903 * MI);
    assert.equal(r.allocatable.cpu, 1930);
    assert.equal(r.allocatable["ephemeral-storage"], 17 * GI);
    assert.equal(r.allocatable.pods, 29);
    assert.equal(r.capacity["vpc.amazonaws.com/pod-eni"], 9);
  });

  it("a1.medium: arm64 loses 64 MiB before the VM overhead", () => {
    const r = computeResources(rec("a1.medium"));
    assert.equal(r.capacity.memory, 1835 * MI);
    assert.equal(r.allocatable.memory, 1392 * MI);
    assert.equal(r.allocatable.cpu, 940);
  });

  it("tiered kube-reserved CPU truncates each tier", () => {
    assert.equal(kubeReservedCpuMillis(1), 60);
    assert.equal(kubeReservedCpuMillis(2), 70);
    assert.equal(kubeReservedCpuMillis(4), 80);
    assert.equal(kubeReservedCpuMillis(5), 82); // 2.5m truncated to 2
    assert.equal(kubeReservedCpuMillis(96), 310);
  });

  it("maxPods overrides capacity but AL2023 kube-reserved memory keeps ENI-limited pods", () => {
    const r = computeResources(rec("m5.large"), { kubelet: { maxPods: 110 } });
    assert.equal(r.capacity.pods, 110);
    assert.equal(r.kubeReserved.memory, (11 * 29 + 255) * MI);
  });

  it("Bottlerocket reserves memory for the actual pods and ignores podsPerCore", () => {
    const r = computeResources(rec("m5.large"), {
      amiFamily: "Bottlerocket",
      kubelet: { maxPods: 110, podsPerCore: 4 },
    });
    assert.equal(r.capacity.pods, 110);
    assert.equal(r.kubeReserved.memory, (11 * 110 + 255) * MI);
  });

  it("podsPerCore caps pods on AL2023", () => {
    const r = computeResources(rec("m5.xlarge"), { kubelet: { podsPerCore: 5 } });
    assert.equal(r.capacity.pods, 20);
  });

  it("Windows uses 110 pods and exposes private IPv4 addresses", () => {
    const r = computeResources(rec("m5.large"), { amiFamily: "Windows2022" });
    assert.equal(r.capacity.pods, 110);
    assert.equal(r.kubeReserved.memory, (11 * 110 + 255) * MI);
    assert.equal(r.capacity["vpc.amazonaws.com/PrivateIPv4Address"], 9);
  });

  it("kubeReserved and systemReserved override / add per key", () => {
    const r = computeResources(rec("m5.large"), {
      kubelet: { kubeReserved: { cpu: "200m" }, systemReserved: { memory: "1Gi", cpu: "100m" } },
    });
    assert.equal(r.kubeReserved.cpu, 200);
    assert.equal(r.kubeReserved.memory, 574 * MI);
    assert.equal(r.allocatable.cpu, 2000 - 200 - 100);
    assert.equal(r.allocatable.memory, (7577 - 574 - 100 - 1024) * MI);
  });

  it("evictionHard as quantity and as percentage (100 % disables)", () => {
    const q = computeResources(rec("m5.large"), { kubelet: { evictionHard: { "memory.available": "500Mi" } } });
    assert.equal(q.evictionThreshold.memory, 500 * MI);
    const p = computeResources(rec("m5.large"), {
      kubelet: { evictionHard: { "memory.available": "10%", "nodefs.available": "100%" } },
    });
    assert.equal(p.evictionThreshold.memory, Math.ceil((7577 * MI) / 10));
    assert.equal(p.evictionThreshold["ephemeral-storage"], 0);
    const soft = computeResources(rec("m5.large"), { kubelet: { evictionSoft: { "memory.available": "2Gi" } } });
    assert.equal(soft.evictionThreshold.memory, 100 * MI, "evictionSoft does not change allocatable");
  });

  it("GPU, Neuron and EFA extended resources", () => {
    assert.equal(computeResources(rec("g5.xlarge")).capacity["nvidia.com/gpu"], 1);
    assert.equal(computeResources(rec("p4d.24xlarge")).capacity["vpc.amazonaws.com/efa"], 4);
    const inf2 = computeResources(rec("inf2.xlarge")).capacity;
    assert.equal(inf2["aws.amazon.com/neuron"], 1);
    assert.equal(inf2["aws.amazon.com/neuroncore"], 2);
    const amd = builtinInstanceTypeRecords().find((x) => x.gpuManufacturer === "amd" && isCompleteRecord(x));
    assert.ok(amd && isCompleteRecord(amd));
    assert.equal(computeResources(amd).capacity["amd.com/gpu"], amd.gpuCount);
    assert.equal(computeResources(rec("m5.large")).capacity["nvidia.com/gpu"], undefined);
  });

  it("ENI-limited pods honour reserved ENIs", () => {
    assert.equal(eniLimitedPods(rec("m5.large")), 29);
    assert.equal(eniLimitedPods(rec("m5.large"), 1), 20);
    assert.equal(computeResources(rec("m5.large"), { reservedENIs: 1 }).capacity.pods, 20);
  });

  it("ephemeral storage: root volume, family device, RAID0, Custom, defaults", () => {
    const m5 = rec("m5.large");
    assert.equal(resolveEphemeralStorageBytes(m5), 20 * GI);
    const root = [{ deviceName: "/dev/xvdz", rootVolume: true, ebs: { volumeSize: "100Gi" } }];
    assert.equal(resolveEphemeralStorageBytes(m5, { blockDeviceMappings: root }), 100 * GI);
    const xvda = [{ deviceName: "/dev/xvda", ebs: { volumeSize: "50Gi" } }];
    assert.equal(resolveEphemeralStorageBytes(m5, { blockDeviceMappings: xvda }), 50 * GI);
    assert.equal(resolveEphemeralStorageBytes(m5, { amiFamily: "Bottlerocket", blockDeviceMappings: xvda }), 20 * GI);
    const two = [...xvda, { deviceName: "/dev/xvdb", ebs: { volumeSize: "80Gi" } }];
    assert.equal(resolveEphemeralStorageBytes(m5, { amiFamily: "Custom", blockDeviceMappings: two }), 80 * GI);
    assert.equal(resolveEphemeralStorageBytes(rec("g5.xlarge"), { instanceStorePolicy: "RAID0" }), 250e9);
    const r = computeResources(m5, { ephemeralStorageBytes: 100 * GI });
    assert.equal(r.allocatable["ephemeral-storage"], 100 * GI - GI - 10 * GI);
  });
});
