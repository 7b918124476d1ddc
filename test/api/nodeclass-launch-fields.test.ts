import assert from "node:assert/strict";
import { test } from "node:test";
import { checkConfig } from "../../lib/api/config.js";
import { formatIssue, type NodeClass, parseDocuments } from "../../lib/api/index.js";
import { effectiveAmiFamily } from "../../lib/cloud/aws/amis.js";
import { ec2NodeClass, issuesOf, nodeTemplate, provisioner } from "./helpers.js";

const NC = 't.yaml: EC2NodeClass "default": ';

function oneClass(text: string): NodeClass {
  const r = parseDocuments(text, "t.yaml", { env: {} });
  assert.deepEqual(r.issues, []);
  return r.nodeClasses[0];
}

test("amiFamily Custom with an alias is accepted: the alias picks the AMI, the family stays Custom", () => {
  const nc = oneClass(ec2NodeClass('amiFamily: Custom, userData: "#!/bin/bash\\necho mine"'));
  assert.equal(nc.amiFamily, "Custom");
  assert.deepEqual(nc.amiSelectorTerms, [{ alias: "al2023@latest" }]);
  assert.equal(effectiveAmiFamily(nc), "Custom");
  assert.equal(effectiveAmiFamily(oneClass(ec2NodeClass(""))), "AL2023");
});

test("an amiFamily other than the alias's family or Custom is refused with the field path", () => {
  assert.deepEqual(issuesOf(ec2NodeClass("amiFamily: Bottlerocket")), [
    `${NC}spec.amiFamily: "Bottlerocket" does not match spec.amiSelectorTerms[0].alias (AL2023); with an alias it may only be AL2023 or Custom`,
  ]);
});

test("networkInterfaces: the primary interface plus EFA-only devices are read", () => {
  const nc = oneClass(
    ec2NodeClass(
      "networkInterfaces: [{networkCardIndex: 0, deviceIndex: 0, interfaceType: interface}, {networkCardIndex: 0, deviceIndex: 1, interfaceType: efa-only}, {networkCardIndex: 1, deviceIndex: 0, interfaceType: efa-only}]",
    ),
  );
  assert.deepEqual(nc.networkInterfaces, [
    { networkCardIndex: 0, deviceIndex: 0, interfaceType: "interface" },
    { networkCardIndex: 0, deviceIndex: 1, interfaceType: "efa-only" },
    { networkCardIndex: 1, deviceIndex: 0, interfaceType: "efa-only" },
  ]);
  const plain = oneClass(ec2NodeClass(""));
  assert.notEqual(nc.hash, plain.hash, "network interfaces are part of the drift hash");
});

test("networkInterfaces: a missing primary, duplicates, efa, and bad indexes are refused with field paths", () => {
  assert.deepEqual(
    issuesOf(ec2NodeClass("networkInterfaces: [{networkCardIndex: 0, deviceIndex: 1, interfaceType: efa-only}]")),
    [
      `${NC}spec.networkInterfaces: must include the primary interface: {networkCardIndex: 0, deviceIndex: 0, interfaceType: interface}`,
    ],
  );
  assert.deepEqual(
    issuesOf(
      ec2NodeClass(
        "networkInterfaces: [{networkCardIndex: 0, deviceIndex: 0, interfaceType: interface}, {networkCardIndex: 0, deviceIndex: 0, interfaceType: efa-only}, {networkCardIndex: 1, deviceIndex: 0, interfaceType: efa}, {networkCardIndex: -1, deviceIndex: 0, interfaceType: interface}]",
      ),
    ),
    [
      `${NC}spec.networkInterfaces[1]: duplicate networkCardIndex 0 and deviceIndex 0`,
      `${NC}spec.networkInterfaces[2].interfaceType: "efa" is not an EC2NodeClass interface type: use "interface" for the primary ENA interface and "efa-only" for EFA devices`,
      `${NC}spec.networkInterfaces[3].networkCardIndex: -1 must be at least 0`,
    ],
  );
});

test("context is read from EC2NodeClass and AWSNodeTemplate, and is part of the drift hash", () => {
  const nc = oneClass(ec2NodeClass("context: ctx-0123"));
  assert.equal(nc.context, "ctx-0123");
  assert.notEqual(nc.hash, oneClass(ec2NodeClass("")).hash);
  const nt = oneClass(nodeTemplate("{subnetSelector: {a: b}, securityGroupSelector: {a: b}, context: ctx-1}"));
  assert.equal(nt.context, "ctx-1");
  assert.deepEqual(issuesOf(ec2NodeClass('context: ""')), [`${NC}spec.context: must not be empty`]);
});

test("associatePublicIPAddress: true with several network interfaces is refused (EC2 cannot do it)", () => {
  assert.deepEqual(
    issuesOf(
      ec2NodeClass(
        "associatePublicIPAddress: true, networkInterfaces: [{networkCardIndex: 0, deviceIndex: 0, interfaceType: interface}, {networkCardIndex: 1, deviceIndex: 0, interfaceType: efa-only}]",
      ),
    ),
    [
      `${NC}spec.associatePublicIPAddress: cannot be true with more than one network interface (EC2 assigns public IPs only to single-interface launches)`,
    ],
  );
});

test("networkInterfaces need karpenter.k8s.aws/v1", () => {
  const beta = ec2NodeClass("networkInterfaces: []", "default", false)
    .replace("karpenter.k8s.aws/v1", "karpenter.k8s.aws/v1beta1")
    .replace(
      "spec: {",
      "spec: {amiFamily: AL2023, role: R, subnetSelectorTerms: [{id: subnet-1}], securityGroupSelectorTerms: [{id: sg-1}], ",
    );
  assert.deepEqual(issuesOf(beta), [
    `${NC}spec.networkInterfaces: not supported by Stevedore: network interfaces need karpenter.k8s.aws/v1`,
  ]);
});

test("podsPerCore with Bottlerocket is refused where it is written (class or pool), never silently dropped", () => {
  const classLevel = parseDocuments(
    ec2NodeClass(
      "amiSelectorTerms: [{alias: bottlerocket@latest}], role: R, subnetSelectorTerms: [{id: subnet-1}], securityGroupSelectorTerms: [{id: sg-1}], kubelet: {podsPerCore: 10}",
      "default",
      false,
    ),
    "t.yaml",
    { env: {} },
  );
  assert.deepEqual(classLevel.issues, []);
  const r1 = checkConfig(classLevel.nodePools, classLevel.nodeClasses);
  assert.deepEqual(r1.issues.map(formatIssue), [
    `${NC}spec.kubelet.podsPerCore: not supported with the Bottlerocket AMI family (Bottlerocket has no pods-per-core setting); use maxPods instead`,
  ]);
  const v1alpha5 = parseDocuments(
    `${provisioner("{providerRef: {name: default}, kubeletConfiguration: {podsPerCore: 4}}")}---\n${nodeTemplate("{amiFamily: Bottlerocket, subnetSelector: {a: b}, securityGroupSelector: {a: b}}")}`,
    "t.yaml",
    { env: {} },
  );
  assert.deepEqual(v1alpha5.issues, []);
  const r2 = checkConfig(v1alpha5.nodePools, v1alpha5.nodeClasses);
  assert.deepEqual(r2.issues.map(formatIssue), [
    't.yaml: Provisioner "default": spec.kubeletConfiguration.podsPerCore: not supported with the Bottlerocket AMI family (Bottlerocket has no pods-per-core setting); use maxPods instead',
  ]);
  const al2023 = parseDocuments(ec2NodeClass("kubelet: {podsPerCore: 10}"), "t.yaml", { env: {} });
  assert.deepEqual(checkConfig(al2023.nodePools, al2023.nodeClasses).issues, []);
});

test("enclaveOptions is refused with its reason", () => {
  assert.deepEqual(issuesOf(ec2NodeClass("enclaveOptions: {enabled: true}")), [
    `${NC}spec.enclaveOptions: not supported by Stevedore: Nitro Enclaves`,
  ]);
});
