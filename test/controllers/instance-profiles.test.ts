/**
 * EC2NodeClass `role` → a managed instance profile per class and role, through the twin harness: created, tagged,
 * given the role, named in the launch template and on the instance; a new role makes a new profile; garbage
 * collection deletes an unused profile only once no instance runs with it. IAM is the emulator's, reached through
 * the real `@aws-sdk/client-iam` client.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AwsCloudProvider } from "../../lib/cloud/aws/aws-cloud-provider.js";
import { loadClusterFacts } from "../../lib/cloud/aws/eks-cluster.js";
import { instanceProfileName } from "../../lib/cloud/aws/instance-profiles.js";
import { UnfulfillableLaunchError } from "../../lib/cloud/provider.js";
import { staticConfig } from "../../lib/controllers/deps.js";
import { GarbageCollector } from "../../lib/controllers/gc.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import {
  CLUSTER,
  type ControllerHarness,
  defaultConfigYaml,
  parseConfig,
  REGION,
  startControllerHarness,
} from "../support/controller-harness.js";

const MIN = 60_000;
const ROLE = "KarpenterNodeRole";

function profileOf(h: ControllerHarness, role: string) {
  return h.aws.emulator.world.iam.get(instanceProfileName(CLUSTER, REGION, "default", role));
}

function templateProfiles(h: ControllerHarness): string[] {
  return h.aws.emulator
    .launchTemplates()
    .map((t) => (t.data.IamInstanceProfile as { Name?: string } | undefined)?.Name ?? "")
    .sort();
}

describe("instance profiles of EC2NodeClass roles", () => {
  test("a role gets a tagged profile with the role, named in the launch template and on the instance", async () => {
    const h = await startControllerHarness();
    try {
      h.pod("web-0", { cpu: "1" });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const profile = profileOf(h, ROLE);
      assert.ok(profile, "the profile was created");
      assert.equal(profile.name, instanceProfileName(CLUSTER, REGION, "default", ROLE));
      assert.match(profile.name, new RegExp(`^${CLUSTER}_[0-9a-f]{16}$`));
      assert.equal(profile.path, `/stevedore/${REGION}/${CLUSTER}/`);
      assert.deepEqual(profile.roles, [ROLE]);
      assert.deepEqual(Object.fromEntries(profile.tags), {
        [`kubernetes.io/cluster/${CLUSTER}`]: "owned",
        "eks:eks-cluster-name": CLUSTER,
        "stevedore.dev/nodeclass": "default",
        "stevedore.dev/region": REGION,
      });
      assert.deepEqual([...new Set(templateProfiles(h))], [profile.name]);
      const [instance] = await h.cloud.list();
      assert.equal(instance.instanceProfile, profile.name);
      // A second launch reuses it: one profile, no second create.
      h.pod("web-1", { cpu: "3" });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.equal(h.aws.emulator.world.iam.all().length, 1);
    } finally {
      await h.close();
    }
  });

  test("a new role makes a new profile; gc deletes the old one only once no instance runs with it", async () => {
    const h = await startControllerHarness();
    try {
      h.pod("web-0", { cpu: "1" });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const old = profileOf(h, ROLE);
      assert.ok(old);
      const [oldInstance] = await h.cloud.list();
      const changed = parseConfig(defaultConfigYaml().replace(`role: ${ROLE}`, "role: NewNodeRole"));
      const deps = h.deps({ config: staticConfig(changed) });
      h.pod("web-1", { cpu: "3" });
      await new Provisioner(deps, { loopSeconds: 0 }).run();
      assert.deepEqual(profileOf(h, "NewNodeRole")?.roles, ["NewNodeRole"]);
      h.advance(11 * MIN);
      const kept = await new GarbageCollector(deps).run();
      assert.ok(!kept.deletedCloudResources.includes(old.name), "an instance still runs with the old profile");
      assert.ok(profileOf(h, ROLE));
      await h.cloud.delete(oldInstance.instanceId);
      h.advance(2 * MIN + 10 * MIN);
      const swept = await new GarbageCollector(deps).run();
      assert.ok(swept.deletedCloudResources.includes(old.name), JSON.stringify(swept.deletedCloudResources));
      assert.equal(profileOf(h, ROLE), undefined);
      assert.ok(profileOf(h, "NewNodeRole"), "the profile in use stays");
    } finally {
      await h.close();
    }
  });

  test("a role that does not exist fails the launch as unfulfillable", async () => {
    const h = await startControllerHarness({
      emulator: { iamRoles: [ROLE] },
      config: defaultConfigYaml().replace(`role: ${ROLE}`, "role: MissingRole"),
    });
    try {
      h.pod("web-0", { cpu: "1" });
      const r = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.equal(r.launched.length, 0);
      assert.equal(h.liveInstances().length, 0);
      const [claim] = await h.claims(true);
      assert.equal(claim?.lastError, "UnfulfillableLaunchError");
    } finally {
      await h.close();
    }
  });

  test("instanceProfile is used as named and no profile is created", async () => {
    const config = defaultConfigYaml().replace(`role: ${ROLE}`, "instanceProfile: MyNodeProfile");
    const h = await startControllerHarness({ config });
    try {
      h.pod("web-0", { cpu: "1" });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.deepEqual([...new Set(templateProfiles(h))], ["MyNodeProfile"]);
      assert.equal(h.aws.emulator.world.iam.all().length, 0);
    } finally {
      await h.close();
    }
  });

  test("without an IAM client a role is refused at launch, never replaced by another profile", async () => {
    const h = await startControllerHarness();
    try {
      const cloud = new AwsCloudProvider({
        ec2: h.aws.ec2,
        ssm: h.aws.ssm,
        pricing: h.aws.pricing,
        region: REGION,
        clusterName: CLUSTER,
        cluster: () => loadClusterFacts(h.aws.eks, CLUSTER),
        clock: h.clock,
        defaultInstanceProfile: "StackNodeProfile",
      });
      const pool = h.config.nodePools[0];
      const nodeClass = h.config.nodeClasses[0];
      const types = await cloud.getInstanceTypes(pool, nodeClass);
      const launch = cloud.create({
        claimId: "default-norole",
        pool,
        nodeClass,
        instanceTypes: types.filter((t) => t.name === "m5.large"),
        capacityTypes: ["on-demand"],
        zones: ["us-east-1a"],
        labels: {},
        taints: [],
        startupTaints: [],
      });
      await assert.rejects(
        launch,
        (err) => err instanceof UnfulfillableLaunchError && /no IAM client/.test(err.message),
      );
      assert.deepEqual(templateProfiles(h), []);
    } finally {
      await h.close();
    }
  });
});
