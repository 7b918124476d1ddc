/**
 * Windows nodes through the twin: the AMI comes from the Windows Server SSM parameter, the user data is PowerShell
 * calling the EKS bootstrap script, the node registers as `kubernetes.io/os=windows` with its Windows build, and only
 * amd64 types are launched.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { CLUSTER, startControllerHarness } from "../support/controller-harness.js";

function config(alias: string): string {
  return `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: windows}
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: windows}
      requirements:
        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
        - {key: kubernetes.io/os, operator: In, values: [windows]}
      taints: [{key: os, value: windows, effect: NoSchedule}]
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: windows}
spec:
  amiSelectorTerms: [{alias: ${alias}}]
  role: KarpenterNodeRole
  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: ${CLUSTER}}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: ${CLUSTER}}}]
`;
}

describe("Windows node classes", () => {
  for (const [alias, server, build] of [
    ["windows2022@latest", "2022", "10.0.20348"],
    ["windows2025@latest", "2025", "10.0.26100"],
  ] as const) {
    test(`${alias}: launches the Windows Server ${server} EKS AMI and registers a Windows node`, async () => {
      const h = await startControllerHarness({
        config: config(alias),
        emulator: { instanceTypes: ["m5.large", "m5.xlarge", "m6g.large", "m6g.xlarge"] },
      });
      try {
        h.pod("iis-0", {
          cpu: "500m",
          extra: {
            nodeSelector: { "kubernetes.io/os": "windows" },
            tolerations: [{ key: "os", operator: "Equal", value: "windows", effect: "NoSchedule" }],
          },
        });
        await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
        h.advance(30_000);
        await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
        const [claim] = await h.claims();
        assert.ok(claim, "a node was launched");
        assert.ok(!claim.instanceType?.startsWith("m6g"), "no arm64 type for Windows");
        const [instance] = h.liveInstances();
        const param = `/aws/service/ami-windows-latest/Windows_Server-${server}-English-Core-EKS_Optimized-1.31/image_id`;
        const ami = h.aws.emulator.world.parameters.get(param);
        assert.ok(ami, `${param} is published`);
        assert.equal(instance.imageId, ami);
        const userData = Buffer.from(instance.userData ?? "", "base64").toString("utf8");
        assert.match(userData, /^<powershell>/);
        assert.match(userData, /Start-EKSBootstrap\.ps1/);
        assert.match(userData, /--register-with-taints="os=windows:NoSchedule,karpenter\.sh\/unregistered:NoExecute"/);
        const node = h.nodes().find((n) => n.metadata.name === claim.nodeName);
        assert.equal(node?.metadata.labels?.["kubernetes.io/os"], "windows");
        assert.equal(node?.metadata.labels?.["kubernetes.io/arch"], "amd64");
        assert.equal(node?.metadata.labels?.["node.kubernetes.io/windows-build"], build);
        h.settle(); // kube-scheduler binds once registration has lifted the unregistered taint
        assert.equal(h.pods().find((p) => p.metadata.name === "iis-0")?.spec.nodeName, claim.nodeName);
      } finally {
        await h.close();
      }
    });
  }
});
