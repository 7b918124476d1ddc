import assert from "node:assert/strict";
import { test } from "node:test";
import {
  defaultBlockDeviceMappings,
  type LaunchTemplateSpec,
  launchTemplateData,
  launchTemplateName,
} from "../../lib/cloud/aws/launch-templates.js";
import { instanceTags, launchTemplateTags, toEc2Tags } from "../../lib/cloud/aws/tags.js";
import { nodeClass, nodePool } from "./fixtures.js";

const spec: LaunchTemplateSpec = {
  imageId: "ami-1",
  userData: "#!/bin/bash\n",
  instanceProfile: "NodeProfile",
  securityGroupIds: ["sg-b", "sg-a"],
  blockDeviceMappings: [],
  amiFamily: "AL2023",
  detailedMonitoring: true,
  tags: { "kubernetes.io/cluster/c": "owned" },
};

test("defaults: IMDSv2 required with hop limit 1, encrypted gp3 root, sorted security groups, base64 user data", () => {
  const data = launchTemplateData(spec);
  assert.deepEqual(data.MetadataOptions, {
    HttpEndpoint: "enabled",
    HttpProtocolIpv6: "disabled",
    HttpPutResponseHopLimit: 1,
    HttpTokens: "required",
    InstanceMetadataTags: "disabled",
  });
  assert.deepEqual(data.BlockDeviceMappings, [
    { DeviceName: "/dev/xvda", Ebs: { VolumeSize: 20, VolumeType: "gp3", Encrypted: true, DeleteOnTermination: true } },
  ]);
  assert.deepEqual(data.SecurityGroupIds, ["sg-a", "sg-b"]);
  assert.equal(Buffer.from(data.UserData ?? "", "base64").toString(), "#!/bin/bash\n");
  assert.deepEqual(data.IamInstanceProfile, { Name: "NodeProfile" });
  assert.deepEqual(data.Monitoring, { Enabled: true });
  assert.equal(data.TagSpecifications?.[0]?.ResourceType, "network-interface");
});

test("NodeClass block devices and metadata options are passed through; a public IP moves groups onto the NIC", () => {
  const data = launchTemplateData({
    ...spec,
    blockDeviceMappings: [
      {
        deviceName: "/dev/xvda",
        ebs: {
          volumeSize: "100Gi",
          volumeType: "io2",
          iops: 3000,
          kmsKeyID: "arn:kms",
          encrypted: true,
          snapshotID: "snap-1",
        },
      },
    ],
    metadataOptions: {
      httpEndpoint: "enabled",
      httpProtocolIPv6: "enabled",
      httpPutResponseHopLimit: 2,
      httpTokens: "optional",
    },
    associatePublicIPAddress: true,
  });
  assert.deepEqual(data.BlockDeviceMappings?.[0]?.Ebs, {
    VolumeSize: 100,
    VolumeType: "io2",
    Encrypted: true,
    DeleteOnTermination: true,
    Iops: 3000,
    KmsKeyId: "arn:kms",
    SnapshotId: "snap-1",
  });
  assert.equal(data.MetadataOptions?.HttpTokens, "optional");
  assert.equal(data.MetadataOptions?.HttpPutResponseHopLimit, 2);
  assert.equal(data.SecurityGroupIds, undefined);
  assert.deepEqual(data.NetworkInterfaces, [
    { DeviceIndex: 0, AssociatePublicIpAddress: true, Groups: ["sg-a", "sg-b"] },
  ]);
});

test("a placement group (by name or ID, with a partition) goes into the template's Placement", () => {
  assert.equal(launchTemplateData(spec).Placement, undefined);
  assert.deepEqual(launchTemplateData({ ...spec, placementGroup: { name: "analytics", partition: 2 } }).Placement, {
    GroupName: "analytics",
    PartitionNumber: 2,
  });
  assert.deepEqual(launchTemplateData({ ...spec, placementGroup: { id: "pg-0123abcd" } }).Placement, {
    GroupId: "pg-0123abcd",
  });
});

test("family default disks: Bottlerocket has a 4Gi OS and a 20Gi data volume; Custom has none", () => {
  assert.deepEqual(
    defaultBlockDeviceMappings("Bottlerocket").map((b) => [b.deviceName, b.ebs?.volumeSize]),
    [
      ["/dev/xvda", "4Gi"],
      ["/dev/xvdb", "20Gi"],
    ],
  );
  assert.deepEqual(defaultBlockDeviceMappings("Custom"), []);
});

test("names are a content hash: stable under reordering, different for any content change", () => {
  const a = launchTemplateName("c", spec);
  assert.match(a, /^stevedore\/c\/[0-9a-f]{16}$/);
  assert.equal(launchTemplateName("c", { ...spec, securityGroupIds: ["sg-a", "sg-b"] }), a);
  assert.notEqual(launchTemplateName("c", { ...spec, userData: "#!/bin/sh\n" }), a);
  assert.notEqual(launchTemplateName("c", { ...spec, imageId: "ami-2" }), a);
  assert.notEqual(launchTemplateName("c", { ...spec, tags: { x: "y" } }), a);
  assert.notEqual(launchTemplateName("other", spec), a);
});

test("tags: Karpenter's ownership scheme; NodeClass tags cannot override it", () => {
  const cls = nodeClass("c", { tags: { "eks:eks-cluster-name": "evil", Name: "custom-name", team: "t" } });
  const tags = instanceTags("c", nodePool(), cls, "default-1");
  assert.equal(tags["kubernetes.io/cluster/c"], "owned");
  assert.equal(tags["eks:eks-cluster-name"], "c");
  assert.equal(tags["karpenter.sh/nodepool"], "default");
  assert.equal(tags["stevedore.dev/claim"], "default-1");
  assert.equal(tags.Name, "custom-name", "a user Name tag wins, as in Karpenter");
  assert.equal(tags.team, "t");
  const legacy = launchTemplateTags("c", nodePool({ flavor: "v1alpha5" }), cls);
  assert.equal(legacy["karpenter.sh/provisioner-name"], "default");
  assert.equal(legacy["karpenter.sh/nodepool"], undefined);
  assert.equal(legacy["stevedore.dev/nodeclass"], "default");
  assert.deepEqual(
    toEc2Tags({ b: "2", a: "1" }).map((t) => t.Key),
    ["a", "b"],
  );
});
