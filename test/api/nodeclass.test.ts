import assert from "node:assert/strict";
import { test } from "node:test";
import { type NodeClass, parseDocuments } from "../../lib/api/index.js";
import { ec2NodeClass, nodeTemplate } from "./helpers.js";

function oneClass(text: string): NodeClass {
  const r = parseDocuments(text, "t.yaml", { env: {} });
  assert.deepEqual(r.issues, []);
  assert.equal(r.nodeClasses.length, 1);
  const { hash } = r.nodeClasses[0];
  assert.match(hash, /^[0-9a-f]{16}$/);
  return r.nodeClasses[0];
}

const gp3 = (size: string) => ({ volumeSize: size, volumeType: "gp3", encrypted: true, deleteOnTermination: true });

test("EC2NodeClass v1: every field is read; the alias gives the family", () => {
  const { hash, ...nc } = oneClass(`apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: general}
spec:
  amiSelectorTerms: [{alias: al2023@v20240807}]
  subnetSelectorTerms:
    - tags: {karpenter.sh/discovery: prod}
    - id: subnet-0abc123
  securityGroupSelectorTerms:
    - {name: eks-nodes, tags: {team: a}}
  instanceProfile: NodeProfile
  userData: |
    #!/bin/bash
    echo hello
  tags: {team: web, karpenter.sh/discovery: prod}
  blockDeviceMappings:
    - deviceName: /dev/xvda
      rootVolume: true
      ebs: {volumeSize: 50Gi, volumeType: io2, iops: 3000, kmsKeyID: "arn:aws:kms:us-east-1:111122223333:key/abc", deleteOnTermination: false}
    - deviceName: /dev/xvdb
      ebs: {snapshotID: snap-0123}
  metadataOptions: {httpPutResponseHopLimit: 2}
  detailedMonitoring: true
  associatePublicIPAddress: false
  instanceStorePolicy: RAID0
  kubelet: {maxPods: 110, clusterDNS: ["fd00::a"], evictionHard: {memory.available: 200Mi}}
`);
  assert.deepEqual(nc, {
    name: "general",
    flavor: "v1",
    source: { file: "t.yaml", kind: "EC2NodeClass", apiVersion: "karpenter.k8s.aws/v1" },
    amiFamily: "AL2023",
    subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "prod" } }, { id: "subnet-0abc123" }],
    securityGroupSelectorTerms: [{ name: "eks-nodes", tags: { team: "a" } }],
    amiSelectorTerms: [{ alias: "al2023@v20240807" }],
    instanceProfile: "NodeProfile",
    userData: "#!/bin/bash\necho hello\n",
    tags: { team: "web", "karpenter.sh/discovery": "prod" },
    blockDeviceMappings: [
      {
        deviceName: "/dev/xvda",
        rootVolume: true,
        ebs: {
          volumeSize: "50Gi",
          volumeType: "io2",
          iops: 3000,
          encrypted: true,
          kmsKeyID: "arn:aws:kms:us-east-1:111122223333:key/abc",
          deleteOnTermination: false,
        },
      },
      { deviceName: "/dev/xvdb", ebs: { snapshotID: "snap-0123", volumeType: "gp3", deleteOnTermination: true } },
    ],
    metadataOptions: {
      httpEndpoint: "enabled",
      httpProtocolIPv6: "disabled",
      httpPutResponseHopLimit: 2,
      httpTokens: "required",
    },
    detailedMonitoring: true,
    associatePublicIPAddress: false,
    instanceStorePolicy: "RAID0",
    kubelet: { maxPods: 110, clusterDNS: ["fd00::a"], evictionHard: { "memory.available": "200Mi" } },
  });
});

test("EC2NodeClass v1 defaults: AL2023 20Gi gp3 root volume, IMDSv2 with hop limit 1", () => {
  const nc = oneClass(ec2NodeClass(""));
  assert.equal(nc.amiFamily, "AL2023");
  assert.equal(nc.role, "NodeRole");
  assert.deepEqual(nc.blockDeviceMappings, [{ deviceName: "/dev/xvda", rootVolume: true, ebs: gp3("20Gi") }]);
  assert.deepEqual(nc.metadataOptions, {
    httpEndpoint: "enabled",
    httpProtocolIPv6: "disabled",
    httpPutResponseHopLimit: 1,
    httpTokens: "required",
  });
  assert.equal(nc.detailedMonitoring, false);
  assert.deepEqual(nc.tags, {});
  assert.equal(nc.kubelet, undefined);
});

test("Bottlerocket defaults to a 4Gi OS volume and a 20Gi data volume", () => {
  const nc = oneClass(ec2NodeClass("").replace("al2023@latest", "bottlerocket@latest"));
  assert.equal(nc.amiFamily, "Bottlerocket");
  assert.deepEqual(nc.blockDeviceMappings, [
    { deviceName: "/dev/xvda", ebs: gp3("4Gi") },
    { deviceName: "/dev/xvdb", rootVolume: true, ebs: gp3("20Gi") },
  ]);
});

test("EC2NodeClass with amiFamily and AMI terms (no alias)", () => {
  const nc = oneClass(
    ec2NodeClass(
      "amiFamily: AL2, amiSelectorTerms: [{name: my-ami-*, owner: self}, {id: ami-0abc}, {ssmParameter: /my/ami}], role: R, subnetSelectorTerms: [{id: subnet-1}], securityGroupSelectorTerms: [{id: sg-1}]",
      "default",
      false,
    ),
  );
  assert.equal(nc.amiFamily, "AL2");
  assert.deepEqual(nc.amiSelectorTerms, [
    { name: "my-ami-*", owner: "self" },
    { id: "ami-0abc" },
    { ssmParameter: "/my/ami" },
  ]);
});

test("EC2NodeClass v1beta1: amiFamily required, AMI terms optional", () => {
  const nc = oneClass(
    "apiVersion: karpenter.k8s.aws/v1beta1\nkind: EC2NodeClass\nmetadata: {name: b}\nspec: {amiFamily: Bottlerocket, role: R, subnetSelectorTerms: [{tags: {a: b}}], securityGroupSelectorTerms: [{tags: {a: b}}]}\n",
  );
  assert.equal(nc.flavor, "v1");
  assert.equal(nc.amiFamily, "Bottlerocket");
  assert.deepEqual(nc.amiSelectorTerms, []);
});

test("AWSNodeTemplate: map selectors become terms; AL2 and hop limit 2 by default", () => {
  const { hash, ...nc } = oneClass(
    nodeTemplate(
      '{subnetSelector: {karpenter.sh/discovery: prod, zone: "a,b"}, securityGroupSelector: {aws-ids: "sg-1, sg-2"}, amiSelector: {aws::name: "eks-*", aws::owners: "self,amazon"}, instanceProfile: NodeProfile, userData: "echo hi", tags: {team: x}, detailedMonitoring: true}',
    ),
  );
  assert.deepEqual(nc, {
    name: "default",
    flavor: "v1alpha5",
    source: { file: "t.yaml", kind: "AWSNodeTemplate", apiVersion: "karpenter.k8s.aws/v1alpha1" },
    amiFamily: "AL2",
    subnetSelectorTerms: [
      { tags: { "karpenter.sh/discovery": "prod", zone: "a" } },
      { tags: { "karpenter.sh/discovery": "prod", zone: "b" } },
    ],
    securityGroupSelectorTerms: [{ id: "sg-1" }, { id: "sg-2" }],
    amiSelectorTerms: [
      { name: "eks-*", owner: "self" },
      { name: "eks-*", owner: "amazon" },
    ],
    instanceProfile: "NodeProfile",
    userData: "echo hi",
    tags: { team: "x" },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", rootVolume: true, ebs: gp3("20Gi") }],
    metadataOptions: {
      httpEndpoint: "enabled",
      httpProtocolIPv6: "disabled",
      httpPutResponseHopLimit: 2,
      httpTokens: "required",
    },
    detailedMonitoring: true,
  });
});

test("AWSNodeTemplate aws::ids with tags ANDs them in each term", () => {
  const nc = oneClass(
    nodeTemplate('{subnetSelector: {aws::ids: "subnet-1,subnet-2", tier: private}, securityGroupSelector: {a: "*"}}'),
  );
  assert.deepEqual(nc.subnetSelectorTerms, [
    { id: "subnet-1", tags: { tier: "private" } },
    { id: "subnet-2", tags: { tier: "private" } },
  ]);
  assert.deepEqual(nc.securityGroupSelectorTerms, [{ tags: { a: "*" } }]);
});

test("node class hash changes with what shapes an instance, not with the order of tags", () => {
  const a = oneClass(ec2NodeClass("tags: {a: x, b: y}"));
  const b = oneClass(ec2NodeClass("tags: {b: y, a: x}"));
  const c = oneClass(ec2NodeClass("tags: {a: x, b: y}, detailedMonitoring: true"));
  assert.equal(a.hash, b.hash);
  assert.notEqual(a.hash, c.hash);
});
