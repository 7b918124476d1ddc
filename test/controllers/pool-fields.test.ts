/**
 * Pool fields through the controllers (fake kube-apiserver, dynalite, AWS emulator): what a NodePool or a
 * v1alpha5 Provisioner asks of its nodes shows on the registered Node (labels, taints, startup taints, the pool
 * label), and the v1alpha5 disruption fields (`ttlSecondsAfterEmpty`, `ttlSecondsUntilExpired`,
 * `consolidation.enabled`) drive the disruptor.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseNodeRegistration } from "../../lib/cloud/aws/node-registration.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import {
  CLUSTER,
  type ControllerHarness,
  defaultConfigYaml,
  type PodSpecOptions,
  startControllerHarness,
} from "../support/controller-harness.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

const MIN = 60_000;

/** A v1alpha5 Provisioner + AWSNodeTemplate selecting the emulator's discovery-tagged subnets and groups. */
function provisionerYaml(spec: string): string {
  return `apiVersion: karpenter.sh/v1alpha5
kind: Provisioner
metadata: {name: legacy}
spec:
  providerRef: {name: legacy}
${spec}
---
apiVersion: karpenter.k8s.aws/v1alpha1
kind: AWSNodeTemplate
metadata: {name: legacy}
spec:
  instanceProfile: KarpenterNodeInstanceProfile
  subnetSelector: {karpenter.sh/discovery: ${CLUSTER}}
  securityGroupSelector: {karpenter.sh/discovery: ${CLUSTER}}
`;
}

async function launchFor(h: ControllerHarness, pod: string, tolerations = true): Promise<void> {
  h.pod(pod, {
    cpu: "1",
    extra: tolerations
      ? { tolerations: [{ key: "dedicated", operator: "Equal", value: "batch", effect: "NoSchedule" }] }
      : {},
  });
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
}

describe("pool fields on nodes", () => {
  test("NodePool template labels, taints and startup taints are on the Node the kubelet registers", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml({
        template: "    metadata: {labels: {team: payments}}",
        templateSpec: [
          "      taints: [{key: dedicated, value: batch, effect: NoSchedule}]",
          "      startupTaints: [{key: example.com/agent-not-ready, effect: NoSchedule}]",
        ].join("\n"),
      }),
    });
    try {
      await launchFor(h, "batch-0");
      const [node] = h.nodes();
      assert.ok(node, "a node registered");
      assert.equal(node.metadata.labels?.team, "payments");
      assert.equal(node.metadata.labels?.["karpenter.sh/nodepool"], "default");
      assert.ok(
        node.spec?.taints?.some((t) => t.key === "dedicated" && t.value === "batch" && t.effect === "NoSchedule"),
      );
      const [instance] = h.liveInstances();
      const reg = parseNodeRegistration("AL2023", Buffer.from(instance.userData ?? "", "base64").toString("utf8"));
      assert.ok(
        reg.taints.some((t) => t.key === "example.com/agent-not-ready"),
        "the startup taint is registered with the node",
      );
    } finally {
      await h.close();
    }
  });

  test("Provisioner labels, annotations, taints and startup taints are on the Node; the pool label is provisioner-name", async () => {
    const h = await startControllerHarness({
      config: provisionerYaml(
        [
          "  labels: {team: legacy}",
          "  annotations: {example.com/owner: platform}",
          "  taints: [{key: dedicated, value: batch, effect: NoSchedule}]",
          "  startupTaints: [{key: example.com/agent-not-ready, effect: NoSchedule}]",
        ].join("\n"),
      ),
    });
    try {
      await launchFor(h, "batch-0");
      const [node] = h.nodes();
      assert.ok(node, "a node registered");
      assert.equal(node.metadata.labels?.team, "legacy");
      assert.equal(node.metadata.labels?.["karpenter.sh/provisioner-name"], "legacy");
      assert.equal(node.metadata.annotations?.["example.com/owner"], "platform", "applied at registration");
      assert.ok(node.spec?.taints?.some((t) => t.key === "dedicated" && t.effect === "NoSchedule"));
      const [instance] = h.liveInstances();
      const reg = parseNodeRegistration("AL2", Buffer.from(instance.userData ?? "", "base64").toString("utf8"));
      assert.ok(reg.taints.some((t) => t.key === "example.com/agent-not-ready"));
    } finally {
      await h.close();
    }
  });

  test("Provisioner ttlSecondsAfterEmpty removes an empty node after that many seconds, not before", async () => {
    const h = await startControllerHarness({ config: provisionerYaml("  ttlSecondsAfterEmpty: 300") });
    try {
      await launchFor(h, "job-0", false);
      assert.equal(h.liveInstances().length, 1);
      h.deletePod("job-0");
      const memory = {};
      await invokeDisruptor(h, { memory });
      h.advance(4 * MIN);
      await invokeDisruptor(h, { memory });
      assert.equal(h.liveInstances().length, 1, "not before the TTL");
      h.advance(MIN + 30_000);
      const r = await invokeDisruptor(h, { memory, until: (run) => run.commands.length > 0, max: 3 });
      assert.deepEqual(
        r.commands.map((c) => c.method),
        ["Emptiness"],
      );
      assert.equal(h.liveInstances().length, 0);
    } finally {
      await h.close();
    }
  });

  test("Provisioner ttlSecondsUntilExpired expires a node after that many seconds", async () => {
    const h = await startControllerHarness({ config: provisionerYaml("  ttlSecondsUntilExpired: 3600") });
    try {
      await launchFor(h, "api-0", false);
      h.advance(30 * MIN);
      const early = await invokeDisruptor(h, { max: 3 });
      assert.deepEqual(early.commands, [], "not expired at 30 minutes");
      h.advance(31 * MIN);
      const r = await invokeDisruptor(h, { until: (run) => run.commands.length > 0, max: 3 });
      assert.deepEqual(
        r.commands.map((c) => c.method),
        ["Expiration"],
      );
    } finally {
      await h.close();
    }
  });

  test("Provisioner consolidation.enabled consolidates two under-used nodes into one", async () => {
    const h = await startControllerHarness({ config: provisionerYaml("  consolidation: {enabled: true}") });
    try {
      const spread: PodSpecOptions = {
        cpu: "1",
        labels: { app: "spread" },
        extra: {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { app: "spread" } }, topologyKey: "kubernetes.io/hostname" },
              ],
            },
          },
        },
      };
      h.pod("spread-0", spread);
      h.pod("spread-1", spread);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      h.advance(10_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const nodes = h.nodes().map((n) => n.metadata.name ?? "");
      assert.equal(nodes.length, 2);
      h.deletePod("spread-0");
      h.deletePod("spread-1");
      for (const [i, nodeName] of nodes.entries()) h.pod(`small-${i}`, { cpu: "250m", nodeName });
      const run = await invokeDisruptor(h, {
        max: 6,
        until: () => h.liveInstances().length <= 1,
        between: () => new Provisioner(h.deps(), { loopSeconds: 0 }).run(),
      });
      const methods = run.commands.map((c) => c.method);
      assert.ok(
        methods.some((m) => m.endsWith("Consolidation")),
        `consolidated: ${methods.join(",")}`,
      );
    } finally {
      await h.close();
    }
  });
});
