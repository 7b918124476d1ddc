/**
 * EC2NodeClass fields on the launch path, end to end: the provisioner launches through the real EC2 SDK client
 * against the AWS emulator, and the launch template and CreateFleet request the emulator received are inspected.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import type { Pod } from "../../lib/core/kube-objects.js";
import type { LaunchTemplateSnapshot } from "../../lib/twin/aws/index.js";
import { CLUSTER, type ControllerHarness, startControllerHarness, TYPES } from "../support/controller-harness.js";

const SELECTORS = `  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: ${CLUSTER}}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: ${CLUSTER}}}]
  role: KarpenterNodeRole`;

/** A NodePool named `name` on the EC2NodeClass `name`, limited to `types`. */
function poolAndClass(name: string, classSpec: string, types: string[]): string {
  return `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: ${name}}
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: ${name}}
      requirements:
        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
        - {key: node.kubernetes.io/instance-type, operator: In, values: [${types.join(", ")}]}
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: ${name}}
spec:
${SELECTORS}
${classSpec}
---
`;
}

const KUBELET = `  kubelet:
    maxPods: 40
    podsPerCore: 10
    systemReserved: {cpu: 100m, memory: 200Mi}
    kubeReserved: {cpu: 300m, memory: 400Mi}
    evictionHard: {memory.available: 300Mi}
    evictionSoft: {memory.available: 500Mi}
    evictionSoftGracePeriod: {memory.available: 1m30s}
    evictionMaxPodGracePeriod: 60
    imageGCHighThresholdPercent: 80
    imageGCLowThresholdPercent: 60
    cpuCFSQuota: false
    clusterDNS: [10.100.0.10]`;

const LEGACY = `apiVersion: karpenter.sh/v1alpha5
kind: Provisioner
metadata: {name: legacy}
spec:
  providerRef: {name: legacy}
  requirements:
    - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
    - {key: node.kubernetes.io/instance-type, operator: In, values: [m5.large]}
---
apiVersion: karpenter.k8s.aws/v1alpha1
kind: AWSNodeTemplate
metadata: {name: legacy}
spec:
  subnetSelector: {karpenter.sh/discovery: ${CLUSTER}}
  securityGroupSelector: {karpenter.sh/discovery: ${CLUSTER}}
  instanceProfile: LegacyNodeProfile
  detailedMonitoring: true
  context: ctx-legacy
  metadataOptions: {httpTokens: optional}
---
`;

const CONFIG =
  poolAndClass(
    "tuned",
    `  amiSelectorTerms: [{alias: al2023@latest}]
  metadataOptions: {httpEndpoint: enabled, httpProtocolIPv6: enabled, httpPutResponseHopLimit: 3, httpTokens: optional}
  detailedMonitoring: true
  associatePublicIPAddress: true
  context: ctx-0123456789
  instanceStorePolicy: RAID0
${KUBELET}`,
    ["m5.large"],
  ) +
  poolAndClass(
    "efa",
    `  amiSelectorTerms: [{alias: al2023@latest}]
  networkInterfaces:
    - {networkCardIndex: 0, deviceIndex: 0, interfaceType: interface}
    - {networkCardIndex: 1, deviceIndex: 0, interfaceType: efa-only}`,
    ["m5.large", "c5n.18xlarge", "m6idn.32xlarge"],
  ) +
  poolAndClass("dynefa", "  amiSelectorTerms: [{alias: al2023@latest}]", ["c5n.18xlarge", "m6idn.32xlarge"]) +
  poolAndClass("al2", `  amiSelectorTerms: [{alias: al2@latest}]\n${KUBELET}`, ["m5.large"]) +
  poolAndClass(
    "br",
    // Bottlerocket has no pods-per-core setting: podsPerCore is refused there.
    `  amiSelectorTerms: [{alias: bottlerocket@latest}]\n${KUBELET.replace("    podsPerCore: 10\n", "")}`,
    ["m5.large"],
  ) +
  poolAndClass(
    "custom",
    `  amiFamily: Custom
  amiSelectorTerms: [{alias: al2023@latest}]
  userData: |
    #!/bin/bash
    /opt/my-bootstrap --cluster ${CLUSTER}`,
    ["m5.large"],
  ) +
  LEGACY;

/** A pending pod for pool `pool`, with extra container requests. */
function podFor(h: ControllerHarness, name: string, pool: string, requests: Record<string, string> = {}): Pod {
  const limits = Object.keys(requests).length > 0 ? { limits: requests } : {};
  return h.pod(name, {
    extra: {
      nodeSelector: { "karpenter.sh/nodepool": pool },
      containers: [{ name: "app", image: "nginx", resources: { requests: { cpu: "500m", ...requests }, ...limits } }],
    },
  });
}

/** The launch template the instance of `pool` was launched from. */
function templateOf(h: ControllerHarness, pool: string): LaunchTemplateSnapshot {
  const t = h.aws.emulator.launchTemplates().find((x) => x.tags["karpenter.sh/nodepool"] === pool);
  assert.ok(t, `a launch template for ${pool}`);
  return t;
}

function userDataOf(t: LaunchTemplateSnapshot): string {
  return Buffer.from(t.userData ?? "", "base64").toString("utf8");
}

describe("EC2NodeClass launch fields through the emulator", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness({
      config: CONFIG,
      emulator: { instanceTypes: [...TYPES, "c5n.18xlarge", "m6idn.32xlarge"] },
    });
    podFor(h, "tuned-0", "tuned");
    podFor(h, "efa-0", "efa");
    podFor(h, "dynefa-0", "dynefa", { "vpc.amazonaws.com/efa": "1" });
    podFor(h, "al2-0", "al2");
    podFor(h, "br-0", "br");
    podFor(h, "custom-0", "custom");
    h.pod("legacy-0", { extra: { nodeSelector: { "karpenter.sh/provisioner-name": "legacy" } } });
    const r = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(r.launched.length, 7, JSON.stringify(r));
  });
  after(async () => {
    await h.close();
  });

  test("metadataOptions, detailedMonitoring and associatePublicIPAddress reach the launch template", () => {
    const data = templateOf(h, "tuned").data as Record<string, Record<string, unknown> & unknown[]>;
    assert.deepEqual(data.MetadataOptions, {
      HttpEndpoint: "enabled",
      HttpProtocolIpv6: "enabled",
      HttpPutResponseHopLimit: "3",
      HttpTokens: "optional",
      InstanceMetadataTags: "disabled",
    });
    assert.deepEqual(data.Monitoring, { Enabled: "true" });
    const nics = data.NetworkInterface as unknown as Record<string, unknown>[];
    assert.equal(nics.length, 1);
    assert.equal(nics[0].AssociatePublicIpAddress, "true");
    assert.equal(nics[0].DeviceIndex, "0");
    assert.equal(data.SecurityGroupId, undefined, "groups move onto the interface");
  });

  test("context is sent as the CreateFleet Context", () => {
    const fleets = [...h.aws.emulator.world.fleets.values()];
    assert.equal(fleets.filter((f) => f.context === "ctx-0123456789").length, 1);
    assert.equal(fleets.filter((f) => f.context === "ctx-legacy").length, 1);
    assert.equal(fleets.filter((f) => f.context !== undefined).length, 2, "only the classes with a context send one");
  });

  test("AWSNodeTemplate: instance profile, monitoring, metadata options (hop limit 2 by default) and user data", () => {
    const t = h.aws.emulator.launchTemplates().find((x) => x.tags["karpenter.sh/provisioner-name"] === "legacy");
    assert.ok(t);
    assert.deepEqual(t.data.IamInstanceProfile, { Name: "LegacyNodeProfile" });
    assert.deepEqual(t.data.Monitoring, { Enabled: "true" });
    assert.deepEqual(t.data.MetadataOptions, {
      HttpEndpoint: "enabled",
      HttpProtocolIpv6: "disabled",
      HttpPutResponseHopLimit: "2",
      HttpTokens: "optional",
      InstanceMetadataTags: "disabled",
    });
    assert.match(userDataOf(t), /\/etc\/eks\/bootstrap\.sh/, "AL2 by default, as Karpenter v0.31");
  });

  test("AL2023: every kubelet field and RAID0 are in the nodeadm NodeConfig", () => {
    const text = userDataOf(templateOf(h, "tuned"));
    for (const line of [
      "maxPods: 40",
      "podsPerCore: 10",
      "cpuCFSQuota: false",
      "evictionMaxPodGracePeriod: 60",
      "imageGCHighThresholdPercent: 80",
      "imageGCLowThresholdPercent: 60",
      "- 10.100.0.10",
      "memory.available: 300Mi",
      "memory.available: 500Mi",
      "memory.available: 1m30s",
      "strategy: RAID0",
    ]) {
      assert.ok(text.includes(line), `${line} in\n${text}`);
    }
    assert.match(text, /systemReserved:\n\s+cpu: 100m\n\s+memory: 200Mi/);
    assert.match(text, /kubeReserved:\n\s+cpu: 300m\n\s+memory: 400Mi/);
  });

  test("AL2: every kubelet field is a bootstrap.sh kubelet flag", () => {
    const text = userDataOf(templateOf(h, "al2"));
    for (const flag of [
      "--max-pods=40",
      "--pods-per-core=10",
      "--system-reserved=cpu=100m,memory=200Mi",
      "--kube-reserved=cpu=300m,memory=400Mi",
      "--eviction-hard=memory.available<300Mi",
      "--eviction-soft=memory.available<500Mi",
      "--eviction-soft-grace-period=memory.available=1m30s",
      "--eviction-max-pod-grace-period=60",
      "--image-gc-high-threshold=80",
      "--image-gc-low-threshold=60",
      "--cpu-cfs-quota=false",
      "--dns-cluster-ip '10.100.0.10'",
    ]) {
      assert.ok(text.includes(flag), `${flag} in\n${text}`);
    }
  });

  test("Bottlerocket: the kubelet fields are [settings.kubernetes] keys", () => {
    const text = userDataOf(templateOf(h, "br"));
    for (const line of [
      "max-pods = 40",
      'cluster-dns-ip = "10.100.0.10"',
      "eviction-max-pod-grace-period = 60",
      "image-gc-high-threshold-percent = 80",
      "image-gc-low-threshold-percent = 60",
      "cpu-cfs-quota-enforced = false",
      '[settings.kubernetes.system-reserved]\ncpu = "100m"\nmemory = "200Mi"',
      '[settings.kubernetes.kube-reserved]\ncpu = "300m"\nmemory = "400Mi"',
      '[settings.kubernetes.eviction-hard]\n"memory.available" = "300Mi"',
      '[settings.kubernetes.eviction-soft]\n"memory.available" = "500Mi"',
      '[settings.kubernetes.eviction-soft-grace-period]\n"memory.available" = "1m30s"',
    ]) {
      assert.ok(text.includes(line), `${line} in\n${text}`);
    }
  });

  test("amiFamily Custom with an alias: the alias's AMI, the user's user data verbatim", () => {
    const custom = templateOf(h, "custom");
    const al2023 = templateOf(h, "tuned");
    assert.equal(userDataOf(custom), `#!/bin/bash\n/opt/my-bootstrap --cluster ${CLUSTER}\n`);
    assert.equal(custom.data.ImageId, al2023.data.ImageId, "the al2023@latest AMI");
  });

  test("networkInterfaces: only types that can attach them launch, each interface in the template", async () => {
    // A launched claim keeps no options; its launch decision names them.
    const launch = (await h.state.listDecisions(0)).find((d) => d.action === "launch" && d.details.pool === "efa");
    const options = (launch?.details.options ?? []) as string[];
    assert.deepEqual(options, ["m6idn.32xlarge"], "one network card (m5, c5n) cannot take card 1");
    const nics = templateOf(h, "efa").data.NetworkInterface as unknown as Record<string, unknown>[];
    assert.deepEqual(
      nics.map((n) => [n.NetworkCardIndex, n.DeviceIndex, n.InterfaceType, n.AssociatePublicIpAddress]),
      [
        ["0", "0", "interface", undefined],
        ["1", "0", "efa-only", undefined],
      ],
    );
    for (const n of nics) assert.ok(Array.isArray(n.SecurityGroupId) && n.SecurityGroupId.length > 0);
  });

  test("a pod requesting EFA without NodeClass interfaces gets the type's EFA interfaces", async () => {
    const claim = (await h.claims()).find((c) => c.pool === "dynefa");
    assert.equal(claim?.efa, true);
    const templates = h.aws.emulator.launchTemplates().filter((x) => x.tags["karpenter.sh/nodepool"] === "dynefa");
    const shapes = templates
      .map((t) =>
        (t.data.NetworkInterface as unknown as Record<string, unknown>[]).map((n) => [
          n.NetworkCardIndex,
          n.DeviceIndex,
          n.InterfaceType,
        ]),
      )
      .sort((a, b) => a.length - b.length);
    assert.deepEqual(shapes, [
      [["0", "0", "efa"]],
      [
        ["0", "0", "efa"],
        ["1", "1", "efa"],
      ],
    ]);
  });
});
