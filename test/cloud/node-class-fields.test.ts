/**
 * NodeClass fields, written in YAML and read by the real parser, reach what EC2 launches: the launch template
 * (block devices, metadata options, monitoring, instance profile, public IP, tags), the subnet and security groups
 * chosen, and the user data the node boots with (kubelet settings, the user's own part). One launch per API
 * generation (EC2NodeClass v1, AWSNodeTemplate v1alpha1) against the AWS emulator.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseConfigDocuments } from "../../lib/api/index.js";
import type { NodeClass, NodePool } from "../../lib/api/model.js";
import { AwsCloudProvider } from "../../lib/cloud/aws/aws-cloud-provider.js";
import { loadClusterFacts } from "../../lib/cloud/aws/eks-cluster.js";
import type { LaunchRequest } from "../../lib/cloud/provider.js";
import { type RunningAwsEmulator, startAwsEmulator } from "../support/ec2-emulator.js";
import { ManualClock } from "./fixtures.js";

const CLUSTER = "twin";
let aws: RunningAwsEmulator;
const clock = new ManualClock(Date.UTC(2026, 0, 1));

before(async () => {
  aws = await startAwsEmulator({
    clusterName: CLUSTER,
    clock,
    instanceTypes: ["m5.large"],
    zones: ["us-east-1a", "us-east-1b"],
  });
});
after(async () => {
  await aws?.close();
});

function parse(yaml: string): { pool: NodePool; nodeClass: NodeClass } {
  const r = parseConfigDocuments(yaml, "fields.yaml");
  assert.deepEqual(r.issues, []);
  const pool = r.nodePools[0];
  const nodeClass = r.nodeClasses[0];
  assert.ok(pool && nodeClass);
  return { pool, nodeClass };
}

/** The launch template data as the emulator keeps it (EC2 query parameters, values as sent: strings). */
interface TemplateData {
  IamInstanceProfile?: { Name?: string };
  Monitoring?: { Enabled?: string };
  NetworkInterface?: { AssociatePublicIpAddress?: string }[];
  MetadataOptions?: Record<string, string>;
  BlockDeviceMapping?: { DeviceName?: string; Ebs?: Record<string, string> }[];
}

async function launch(yaml: string, claimId: string) {
  const { pool, nodeClass } = parse(yaml);
  const p = new AwsCloudProvider({
    ec2: aws.ec2,
    ssm: aws.ssm,
    pricing: aws.pricing,
    region: "us-east-1",
    clusterName: CLUSTER,
    cluster: () => loadClusterFacts(aws.eks, CLUSTER),
    clock,
    gate: { random: () => 0 },
  });
  const req: LaunchRequest = {
    claimId,
    pool,
    nodeClass,
    instanceTypes: await p.getInstanceTypes(pool, nodeClass),
    capacityTypes: ["on-demand"],
    zones: ["us-east-1a", "us-east-1b"],
    labels: { "karpenter.sh/nodepool": pool.name },
    taints: [],
    startupTaints: [],
  };
  const created = await p.create(req);
  const instance = aws.emulator.instance(created.instanceId);
  assert.ok(instance?.launchTemplate);
  const template = aws.emulator
    .launchTemplates()
    .find((t) => t.launchTemplateId === instance.launchTemplate?.launchTemplateId);
  assert.ok(template);
  const userData = Buffer.from(instance.userData ?? "", "base64").toString("utf8");
  return { instance, data: template.data as TemplateData, userData };
}

test("EC2NodeClass v1 fields reach the launch template, the subnet and security group chosen, and the user data", async () => {
  const { instance, data, userData } = await launch(
    `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: general}
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: fields}
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: fields}
spec:
  amiSelectorTerms: [{alias: al2023@latest}]
  subnetSelectorTerms: [{tags: {Name: ${CLUSTER}-private-us-east-1b}}]
  securityGroupSelectorTerms: [{name: eks-cluster-sg-${CLUSTER}}]
  instanceProfile: FieldsProfile
  detailedMonitoring: true
  associatePublicIPAddress: false
  tags: {team: fields}
  metadataOptions: {httpEndpoint: enabled, httpProtocolIPv6: enabled, httpPutResponseHopLimit: 3, httpTokens: optional}
  blockDeviceMappings:
    - deviceName: /dev/xvda
      rootVolume: true
      ebs: {volumeSize: 80Gi, volumeType: io2, iops: 4000, encrypted: true, kmsKeyID: "arn:aws:kms:us-east-1:111122223333:key/k", deleteOnTermination: false, snapshotID: snap-0abc}
  kubelet: {maxPods: 42, clusterDNS: [10.0.0.10], systemReserved: {cpu: 100m}, kubeReserved: {memory: 300Mi}, evictionHard: {memory.available: 5%}, evictionSoft: {nodefs.available: 15%}, evictionSoftGracePeriod: {nodefs.available: 2m}, evictionMaxPodGracePeriod: 60, imageGCHighThresholdPercent: 80, imageGCLowThresholdPercent: 60, cpuCFSQuota: false, podsPerCore: 10}
  userData: |
    #!/bin/bash
    echo fields-user-part
`,
    "general-f0000001",
  );
  assert.equal(instance.zone, "us-east-1b", "subnetSelectorTerms picked the one subnet");
  const groups = [...aws.emulator.world.network.securityGroups.values()].filter(
    (g) => g.groupName === `eks-cluster-sg-${CLUSTER}`,
  );
  assert.deepEqual(
    instance.securityGroupIds,
    groups.map((g) => g.groupId),
    "securityGroupSelectorTerms by name",
  );
  assert.equal(instance.tags.team, "fields");
  assert.deepEqual(data.IamInstanceProfile, { Name: "FieldsProfile" });
  assert.deepEqual(data.Monitoring, { Enabled: "true" });
  assert.equal(data.NetworkInterface?.[0]?.AssociatePublicIpAddress, "false");
  assert.deepEqual(data.MetadataOptions, {
    HttpTokens: "optional",
    HttpPutResponseHopLimit: "3",
    HttpEndpoint: "enabled",
    HttpProtocolIpv6: "enabled",
    InstanceMetadataTags: "disabled",
  });
  assert.deepEqual(data.BlockDeviceMapping, [
    {
      DeviceName: "/dev/xvda",
      Ebs: {
        Encrypted: "true",
        DeleteOnTermination: "false",
        Iops: "4000",
        KmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/k",
        SnapshotId: "snap-0abc",
        VolumeSize: "80",
        VolumeType: "io2",
      },
    },
  ]);
  assert.match(userData, /#!\/bin\/bash\necho fields-user-part/);
  for (const line of [
    "maxPods: 42",
    "- 10.0.0.10",
    "podsPerCore: 10",
    "cpu: 100m",
    "memory: 300Mi",
    "memory.available: 5%",
    "nodefs.available: 15%",
    "nodefs.available: 2m",
    "evictionMaxPodGracePeriod: 60",
    "imageGCHighThresholdPercent: 80",
    "imageGCLowThresholdPercent: 60",
    "cpuCFSQuota: false",
  ]) {
    assert.ok(userData.includes(line), `kubelet setting ${line} in the NodeConfig`);
  }
});

test("AWSNodeTemplate v1alpha1 fields and Provisioner kubeletConfiguration reach the launch", async () => {
  const { instance, data, userData } = await launch(
    `apiVersion: karpenter.sh/v1alpha5
kind: Provisioner
metadata: {name: legacy}
spec:
  providerRef: {name: legacy}
  kubeletConfiguration:
    containerRuntime: containerd
    clusterDNS: [10.0.0.10]
    maxPods: 17
    podsPerCore: 10
    systemReserved: {cpu: 100m}
    kubeReserved: {memory: 300Mi}
    evictionHard: {memory.available: 5%}
    evictionSoft: {nodefs.available: 15%}
    evictionSoftGracePeriod: {nodefs.available: 2m}
    evictionMaxPodGracePeriod: 60
    imageGCHighThresholdPercent: 80
    imageGCLowThresholdPercent: 60
    cpuCFSQuota: false
---
apiVersion: karpenter.k8s.aws/v1alpha1
kind: AWSNodeTemplate
metadata: {name: legacy}
spec:
  subnetSelector: {Name: ${CLUSTER}-private-us-east-1a}
  securityGroupSelector: {karpenter.sh/discovery: ${CLUSTER}}
  instanceProfile: LegacyProfile
  tags: {team: legacy}
  blockDeviceMappings:
    - deviceName: /dev/xvda
      ebs: {volumeSize: 30Gi, volumeType: gp3, throughput: 250}
  metadataOptions: {httpTokens: optional}
  userData: |
    #!/bin/bash
    echo legacy-user-part
`,
    "legacy-f0000002",
  );
  assert.equal(instance.zone, "us-east-1a", "subnetSelector picked the one subnet");
  const groups = [...aws.emulator.world.network.securityGroups.values()]
    .filter((g) => g.tags.get("karpenter.sh/discovery") === CLUSTER)
    .map((g) => g.groupId);
  assert.deepEqual([...instance.securityGroupIds].sort(), [...groups].sort(), "securityGroupSelector by tag");
  assert.equal(instance.tags.team, "legacy");
  assert.equal(instance.tags["karpenter.sh/provisioner-name"], "legacy");
  assert.deepEqual(data.IamInstanceProfile, { Name: "LegacyProfile" });
  assert.deepEqual(data.Monitoring, { Enabled: "false" });
  assert.equal(data.MetadataOptions?.HttpTokens, "optional");
  assert.equal(data.MetadataOptions?.HttpPutResponseHopLimit, "2", "v1alpha1's default hop limit");
  assert.equal(data.BlockDeviceMapping?.[0]?.Ebs?.VolumeSize, "30");
  assert.equal(data.BlockDeviceMapping?.[0]?.Ebs?.Throughput, "250");
  assert.match(userData, /echo legacy-user-part/);
  assert.match(userData, /--container-runtime '?containerd/);
  assert.match(userData, /--dns-cluster-ip '?10\.0\.0\.10/);
  for (const flag of [
    "--max-pods=17",
    "--pods-per-core=10",
    "--system-reserved=cpu=100m",
    "--kube-reserved=memory=300Mi",
    "--eviction-hard=memory.available<5%",
    "--eviction-soft=nodefs.available<15%",
    "--eviction-soft-grace-period=nodefs.available=2m",
    "--eviction-max-pod-grace-period=60",
    "--image-gc-high-threshold=80",
    "--image-gc-low-threshold=60",
    "--cpu-cfs-quota=false",
  ]) {
    assert.ok(userData.includes(flag), `AL2 bootstrap gets the Provisioner's ${flag}`);
  }
});

test("selector terms by id, by AMI name and owner, and by AMI tags or id pick exactly those resources", async () => {
  const network = aws.emulator.world.network;
  const subnet = [...network.subnets.values()].find((s) => s.tags.get("Name") === `${CLUSTER}-private-us-east-1b`);
  const group = [...network.securityGroups.values()].find((g) => g.groupName === `${CLUSTER}-node`);
  const custom = [...aws.emulator.world.images.images.values()].find(
    (i) => i.name === `${CLUSTER}-custom-al2023-x86_64`,
  );
  assert.ok(subnet && group && custom);
  const yaml = (amiTerms: string, claim: string) =>
    launch(
      `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: general}
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: ids}
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: ids}
spec:
  amiFamily: AL2023
  amiSelectorTerms: ${amiTerms}
  instanceProfile: KarpenterNodeInstanceProfile
  subnetSelectorTerms: [{id: ${subnet.subnetId}}]
  securityGroupSelectorTerms: [{id: ${group.groupId}}]
`,
      claim,
    );
  const byName = await yaml(`[{name: ${CLUSTER}-custom-al2023-*, owner: self}]`, "general-f0000003");
  assert.equal(byName.instance.subnetId, subnet.subnetId);
  assert.deepEqual(byName.instance.securityGroupIds, [group.groupId]);
  assert.equal(byName.instance.imageId, custom.imageId);
  const byTags = await yaml("[{tags: {stevedore.dev/ami: custom}}]", "general-f0000004");
  assert.equal(byTags.instance.imageId, custom.imageId);
  const byId = await yaml(`[{id: ${custom.imageId}}]`, "general-f0000005");
  assert.equal(byId.instance.imageId, custom.imageId);
});
