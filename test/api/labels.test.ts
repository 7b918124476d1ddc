import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isRestrictedLabel,
  isWellKnownLabel,
  normalizeLabelKey,
  poolLabelKey,
  restrictedLabelReason,
  restrictedTagReason,
} from "../../lib/api/index.js";

test("beta label aliases normalise to their current names", () => {
  assert.equal(normalizeLabelKey("failure-domain.beta.kubernetes.io/zone"), "topology.kubernetes.io/zone");
  assert.equal(normalizeLabelKey("failure-domain.beta.kubernetes.io/region"), "topology.kubernetes.io/region");
  assert.equal(normalizeLabelKey("beta.kubernetes.io/arch"), "kubernetes.io/arch");
  assert.equal(normalizeLabelKey("beta.kubernetes.io/os"), "kubernetes.io/os");
  assert.equal(normalizeLabelKey("beta.kubernetes.io/instance-type"), "node.kubernetes.io/instance-type");
  assert.equal(normalizeLabelKey("team"), "team");
  assert.ok(isWellKnownLabel("beta.kubernetes.io/arch"));
  assert.ok(isWellKnownLabel("karpenter.k8s.aws/instance-family"));
  assert.ok(!isWellKnownLabel("team"));
});

test("pool label key per flavour", () => {
  assert.equal(poolLabelKey("v1alpha5"), "karpenter.sh/provisioner-name");
  assert.equal(poolLabelKey("v1"), "karpenter.sh/nodepool");
});

test("restricted label domains per flavour", () => {
  const table: [string, boolean, boolean][] = [
    // key, restricted in v1alpha5, restricted in v1
    ["team", false, false],
    ["example.com/team", false, false],
    ["kubernetes.io/hostname", true, true],
    ["kubernetes.io/arch", false, false],
    ["beta.kubernetes.io/arch", false, false],
    ["topology.kubernetes.io/zone", false, false],
    ["kubernetes.io/custom", true, false],
    ["node-role.kubernetes.io/worker", true, false],
    ["k8s.io/thing", true, false],
    ["node.kubernetes.io/role", false, false],
    ["sub.node.kubernetes.io/role", false, false],
    ["node-restriction.kubernetes.io/x", false, false],
    ["kops.k8s.io/instancegroup", false, false],
    ["karpenter.sh/capacity-type", false, false],
    ["karpenter.sh/custom", true, true],
    ["x.karpenter.sh/custom", true, true],
    ["karpenter.k8s.aws/instance-family", false, false],
    ["karpenter.k8s.aws/custom", true, true],
    ["karpenter.k8s.aws/ec2nodeclass", true, true],
    ["stevedore.dev/claim", true, true],
  ];
  for (const [key, alpha, v1] of table) {
    assert.equal(isRestrictedLabel(key, "v1alpha5"), alpha, `${key} v1alpha5`);
    assert.equal(isRestrictedLabel(key, "v1"), v1, `${key} v1`);
  }
  assert.equal(
    restrictedLabelReason("karpenter.sh/custom", "v1"),
    'label "karpenter.sh/custom" is restricted (domain karpenter.sh is reserved and the key is not a well-known label)',
  );
});

test("restricted EC2 tag keys", () => {
  assert.ok(restrictedTagReason("kubernetes.io/cluster/prod", "v1"));
  assert.ok(restrictedTagReason("karpenter.sh/nodepool", "v1"));
  assert.ok(restrictedTagReason("eks:eks-cluster-name", "v1"));
  assert.ok(restrictedTagReason("karpenter.k8s.aws/ec2nodeclass", "v1"));
  assert.ok(restrictedTagReason("karpenter.sh/nodeclaim", "v1"));
  assert.ok(restrictedTagReason("karpenter.sh/provisioner-name", "v1alpha5"));
  assert.ok(restrictedTagReason("stevedore.dev/claim", "v1alpha5"));
  assert.equal(restrictedTagReason("team", "v1"), undefined);
  assert.equal(restrictedTagReason("karpenter.sh/discovery", "v1"), undefined);
});
