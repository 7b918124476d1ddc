import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { builtinInstanceTypeRecords } from "../../lib/cloud/aws/builtin-catalog.js";
import { instanceTypeLabels, parseInstanceTypeName } from "../../lib/scheduling/catalog/instance-type-labels.js";

function labels(name: string) {
  const r = builtinInstanceTypeRecords().find((x) => x.name === name);
  assert.ok(r, name);
  return instanceTypeLabels(r, { region: "us-east-1" });
}

describe("well-known labels", () => {
  it("m5.large", () => {
    assert.deepEqual(labels("m5.large"), {
      "node.kubernetes.io/instance-type": "m5.large",
      "topology.kubernetes.io/region": "us-east-1",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/os": "linux",
      "karpenter.k8s.aws/instance-category": "m",
      "karpenter.k8s.aws/instance-generation": "5",
      "karpenter.k8s.aws/instance-family": "m5",
      "karpenter.k8s.aws/instance-size": "large",
      "karpenter.k8s.aws/instance-capability-flex": "false",
      "karpenter.k8s.aws/instance-cpu": "2",
      "karpenter.k8s.aws/instance-cpu-manufacturer": "intel",
      "karpenter.k8s.aws/instance-memory": "8192",
      "karpenter.k8s.aws/instance-hypervisor": "nitro",
      "karpenter.k8s.aws/instance-network-bandwidth": "750",
      "karpenter.k8s.aws/instance-ebs-bandwidth": "4750",
    });
  });

  it("g5.xlarge has GPU and local NVMe labels", () => {
    const l = labels("g5.xlarge");
    assert.equal(l["karpenter.k8s.aws/instance-gpu-name"], "a10g");
    assert.equal(l["karpenter.k8s.aws/instance-gpu-manufacturer"], "nvidia");
    assert.equal(l["karpenter.k8s.aws/instance-gpu-count"], "1");
    assert.equal(l["karpenter.k8s.aws/instance-gpu-memory"], "22888");
    assert.equal(l["karpenter.k8s.aws/instance-local-nvme"], "250");
    assert.equal(l["karpenter.k8s.aws/instance-cpu-manufacturer"], "amd");
  });

  it("a1.medium is arm64 on AWS CPUs", () => {
    const l = labels("a1.medium");
    assert.equal(l["kubernetes.io/arch"], "arm64");
    assert.equal(l["karpenter.k8s.aws/instance-cpu-manufacturer"], "aws");
    assert.equal(l["karpenter.k8s.aws/instance-generation"], "1");
    assert.equal(l["karpenter.k8s.aws/instance-gpu-name"], undefined);
  });

  it("accelerators, bare metal and Windows", () => {
    const inf = labels("inf2.xlarge");
    assert.equal(inf["karpenter.k8s.aws/instance-accelerator-name"], "inferentia2");
    assert.equal(inf["karpenter.k8s.aws/instance-accelerator-count"], "1");
    assert.equal(labels("c5.metal")["karpenter.k8s.aws/instance-hypervisor"], "");
    const r = builtinInstanceTypeRecords().find((x) => x.name === "m5.large");
    assert.ok(r);
    assert.equal(
      instanceTypeLabels(r, { region: "us-east-1", amiFamily: "Windows2022" })["kubernetes.io/os"],
      "windows",
    );
  });

  it("partial records fall back to the name regex; flex types are marked", () => {
    const r = builtinInstanceTypeRecords().find((x) => x.name === "c7g-flex.large");
    assert.ok(r && r.category === undefined);
    const l = instanceTypeLabels(r, { region: "us-east-1" });
    assert.equal(l["karpenter.k8s.aws/instance-category"], "c");
    assert.equal(l["karpenter.k8s.aws/instance-generation"], "7");
    assert.equal(l["karpenter.k8s.aws/instance-family"], "c7g-flex");
    assert.equal(l["karpenter.k8s.aws/instance-capability-flex"], "true");
    assert.deepEqual(parseInstanceTypeName("u-6tb1.metal"), { category: "u", generation: "1" });
    assert.deepEqual(parseInstanceTypeName("weird"), {});
  });

  it("every complete type's category and generation agree with the name regex", () => {
    for (const r of builtinInstanceTypeRecords()) {
      if (r.category === undefined) continue;
      const p = parseInstanceTypeName(r.name);
      assert.equal(p.category, r.category, r.name);
      assert.equal(p.generation, String(r.generation), r.name);
    }
  });
});
