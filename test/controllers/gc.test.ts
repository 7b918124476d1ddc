/**
 * Garbage collection against the fake kube-apiserver, dynalite and the AWS emulator: leaked instances go, vanished
 * instances close their claims and Nodes, old claims expire — and nothing Stevedore does not own is touched.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DescribeImagesCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { GarbageCollector } from "../../lib/controllers/gc.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { claimKey } from "../../lib/state/keys.js";
import type { NodeClaim } from "../../lib/state/types.js";
import type { KubeObject } from "../../lib/twin/kube-apiserver/index.js";
import { claim as claimFixture } from "../state/helpers.js";
import { CLUSTER, type ControllerHarness, startControllerHarness } from "../support/controller-harness.js";
import { localDynamoClient } from "../support/dynalite.js";

const MIN = 60_000;

async function runInstance(h: ControllerHarness, tags: Record<string, string>): Promise<string> {
  const images = await h.aws.ec2.send(new DescribeImagesCommand({}));
  const out = await h.aws.ec2.send(
    new RunInstancesCommand({
      ImageId: images.Images?.[0]?.ImageId,
      InstanceType: "m5.large",
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        { ResourceType: "instance", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      ],
    }),
  );
  return out.Instances?.[0]?.InstanceId ?? "";
}

function state(h: ControllerHarness, id: string): string | undefined {
  return h.aws.emulator.instance(id)?.state;
}

describe("garbage collection", () => {
  test("a leaked instance is terminated after the grace period; foreign instances are never touched", async () => {
    const h = await startControllerHarness();
    try {
      const owned = {
        [`kubernetes.io/cluster/${CLUSTER}`]: "owned",
        "eks:eks-cluster-name": CLUSTER,
        "karpenter.sh/nodepool": "default",
      };
      const leaked = await runInstance(h, { ...owned, "stevedore.dev/claim": "default-ghost" });
      const noClaimTag = await runInstance(h, owned); // e.g. launched by Karpenter itself
      const otherCluster = await runInstance(h, {
        "kubernetes.io/cluster/other": "owned",
        "eks:eks-cluster-name": "other",
        "stevedore.dev/claim": "default-other",
      });
      const untagged = await runInstance(h, { Name: "bastion" });
      h.advance(MIN);
      const early = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(early.terminatedInstances, [], "not within the grace period");
      h.advance(5 * MIN);
      const r = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(r.terminatedInstances, [leaked]);
      assert.notEqual(state(h, leaked), "running");
      for (const id of [noClaimTag, otherCluster, untagged]) assert.equal(state(h, id), "running", `${id} untouched`);
      const decisions = await h.state.listDecisions(0);
      assert.ok(decisions.some((d) => d.controller === "gc" && d.details.instanceId === leaked));
    } finally {
      await h.close();
    }
  });

  test("an instance whose claim was closed is terminated; a live claim's instance is kept", async () => {
    const h = await startControllerHarness();
    try {
      h.pod("web-0", { cpu: "1" });
      h.pod("web-1", { cpu: "7" });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const claims = await h.claims();
      assert.equal(claims.length, 2);
      // One claim is closed behind its instance's back (a lost race).
      await h.state.updateClaim(claims[0], { state: "Terminated", terminatedAt: h.clock.now() });
      h.advance(6 * MIN);
      const r = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(r.terminatedInstances, [claims[0].instanceId]);
      assert.equal(state(h, claims[1].instanceId ?? ""), "running");
    } finally {
      await h.close();
    }
  });

  test("claims stored in the old, full form: a closed one's instance goes, a live one's is kept", async () => {
    const h = await startControllerHarness();
    const client = localDynamoClient(h.dynalite.endpoint);
    try {
      h.pod("web-0", { cpu: "1" });
      h.pod("web-1", { cpu: "7" });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const [closed, live] = await h.claims();
      // Items as the store wrote them before claims were slimmed: every field, pod keys as a list.
      const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      const old = (c: NodeClaim) => ({ ...c, instanceTypeOptions: ["m5.large", "m5.xlarge"], zones: ["us-east-1a"] });
      const items = [
        { ...old(closed), state: "Terminated", terminatedAt: h.clock.now(), version: closed.version + 1 },
        old(live),
      ];
      for (const item of items) {
        await doc.send(new PutCommand({ TableName: h.state.tableName, Item: { ...item, ...claimKey(item.id) } }));
      }
      const read = await h.claims(true);
      assert.deepEqual(read.find((c) => c.id === live.id)?.instanceTypeOptions, ["m5.large", "m5.xlarge"]);
      h.advance(6 * MIN);
      const r = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(r.terminatedInstances, [closed.instanceId]);
      assert.equal(state(h, live.instanceId ?? ""), "running");
    } finally {
      client.destroy();
      await h.close();
    }
  });

  test("claims of vanished instances close; their Nodes and orphan Nodes go; other Nodes stay; old claims expire", async () => {
    const h = await startControllerHarness({ kubelets: false });
    try {
      h.pod("web-0", { cpu: "1" });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const [claim] = await h.claims();
      const nodeName = "ip-10-0-0-1.ec2.internal";
      const node = (name: string, providerID: string, labels: Record<string, string>) =>
        h.kube.server.store.create("nodes", {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name, labels },
          spec: { providerID },
          status: { conditions: [{ type: "Ready", status: "Unknown" }] },
        } as unknown as KubeObject);
      node(nodeName, claim.providerID ?? "", { "stevedore.dev/claim": claim.id });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run(); // registers
      node("foreign-node", "aws:///us-east-1a/i-00000000000000001", {});
      node("orphan-node", "aws:///us-east-1a/i-00000000000000002", { "stevedore.dev/claim": "default-long-gone" });
      h.aws.emulator.terminateInstance(claim.instanceId ?? "");
      h.advance(6 * MIN);
      const r = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(r.closedClaims, [claim.id]);
      assert.deepEqual(r.deletedNodes.sort(), [nodeName, "orphan-node"].sort());
      assert.deepEqual(
        h.nodes().map((n) => n.metadata.name),
        ["foreign-node"],
      );
      h.advance(5 * MIN);
      assert.deepEqual((await new GarbageCollector(h.deps()).run()).deletedClaims, [], "kept for its retention");
      h.advance(6 * MIN);
      const later = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(later.deletedClaims, [claim.id]);
      assert.equal((await h.claims(true)).length, 0);
    } finally {
      await h.close();
    }
  });
  test("a closed claim stays while a claim of its launch batch is still Pending (recovery reads the batch)", async () => {
    const h = await startControllerHarness();
    try {
      const { state } = h.deps();
      const closed = (id: string, batchId: string) =>
        state.createClaim(claimFixture(id, { batchId, state: "Terminated", terminatedAt: h.clock.now() }));
      await closed("closed-a", "batch-1");
      await closed("closed-b", "batch-2");
      await state.createClaim(claimFixture("pending-a", { batchId: "batch-1" }));
      h.advance(11 * MIN);
      const r = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(r.deletedClaims, ["closed-b"]);
      assert.ok(await state.getClaim("closed-a"));
    } finally {
      await h.close();
    }
  });
});
