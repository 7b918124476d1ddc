/**
 * Garbage collection of the cloud resources of node classes, against the AWS emulator: launch templates of a
 * NodeClass that no longer exists, or whose hash changed, are deleted by the GC controller; the template the current
 * NodeClass launches with is kept; and the templates are listed at most once per interval, across invocations.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CreateLaunchTemplateCommand } from "@aws-sdk/client-ec2";
import { CLOUD_GC_INTERVAL_MS, GarbageCollector } from "../../lib/controllers/gc.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import {
  TAG_EKS_CLUSTER_NAME,
  TAG_STEVEDORE_NODECLASS,
  TAG_STEVEDORE_NODECLASS_HASH,
} from "../../lib/core/well-known.js";
import { CLUSTER, type ControllerHarness, startControllerHarness } from "../support/controller-harness.js";

const MIN = 60_000;
const PREFIX = `stevedore/${CLUSTER}/`;

/** A template as the AWS provider names and tags them, for `nodeClass` at `hash`. */
async function createTemplate(h: ControllerHarness, suffix: string, nodeClass: string, hash: string): Promise<string> {
  const name = `${PREFIX}${suffix}`;
  const tags = {
    [TAG_EKS_CLUSTER_NAME]: CLUSTER,
    [TAG_STEVEDORE_NODECLASS]: nodeClass,
    [TAG_STEVEDORE_NODECLASS_HASH]: hash,
  };
  await h.aws.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: { InstanceType: "m5.large" },
      TagSpecifications: [
        { ResourceType: "launch-template", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      ],
    }),
  );
  return name;
}

function templateNames(h: ControllerHarness): string[] {
  return h.aws.emulator
    .launchTemplates()
    .map((t) => t.launchTemplateName)
    .filter((n) => n.startsWith(PREFIX))
    .sort();
}

describe("garbage collection of launch templates", () => {
  test("templates of a removed or changed NodeClass are deleted; the current one is kept; at most once per interval", async () => {
    const h = await startControllerHarness();
    try {
      const nodeClass = h.config.nodeClasses[0];
      h.pod("web-0", { cpu: "1" });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const current = templateNames(h);
      assert.ok(current.length > 0, "the launch made templates");
      const removedClass = await createTemplate(h, "removed-class", "retired", "0123456789abcdef");
      const changedHash = await createTemplate(h, "changed-hash", nodeClass.name, `${nodeClass.hash}-old`);
      h.advance(2 * MIN);
      const young = await createTemplate(h, "young", "retired", "0123456789abcdef");

      h.advance(9 * MIN);
      const first = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(first.deletedCloudResources.sort(), [changedHash, removedClass].sort());
      assert.deepEqual(templateNames(h), [...current, young].sort(), "the current and a too-young template stay");

      h.advance(2 * MIN);
      const rateLimited = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(rateLimited.deletedCloudResources, [], "not listed again within the interval");
      assert.ok(templateNames(h).includes(young));

      h.advance(CLOUD_GC_INTERVAL_MS);
      const later = await new GarbageCollector(h.deps()).run();
      assert.deepEqual(later.deletedCloudResources, [young]);
      assert.deepEqual(templateNames(h), current);
    } finally {
      await h.close();
    }
  });

  test("without a configuration in force nothing is deleted", async () => {
    const h = await startControllerHarness();
    try {
      const stale = await createTemplate(h, "stale", "retired", "0123456789abcdef");
      h.advance(11 * MIN);
      const noConfig = {
        load: async () => {
          throw new Error("no configuration");
        },
      };
      const r = await new GarbageCollector(h.deps({ config: noConfig })).run();
      assert.deepEqual(r.deletedCloudResources, []);
      assert.deepEqual(templateNames(h), [stale]);
    } finally {
      await h.close();
    }
  });
});
