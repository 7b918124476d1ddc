/**
 * The emulator's IAM instance profiles through the real `@aws-sdk/client-iam` client: IAM's rules (one role per
 * profile, no delete while a role is attached, unknown names and roles are NoSuchEntity) and its wire shapes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  ListInstanceProfilesCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import { type RunningAwsEmulator, startAwsEmulator } from "../../support/ec2-emulator.js";

describe("emulator: IAM instance profiles", () => {
  let aws: RunningAwsEmulator;
  before(async () => {
    aws = await startAwsEmulator({ iamRoles: ["NodeRole", "OtherRole"] });
  });
  after(async () => {
    await aws.close();
  });

  const rejectsWith = (p: Promise<unknown>, name: string) =>
    assert.rejects(p, (err: Error) => err.name === name || err.name === `${name}Exception`);

  test("create with path and tags, get, list by path prefix, tag", async () => {
    const created = await aws.iamClient.send(
      new CreateInstanceProfileCommand({
        InstanceProfileName: "c_0123",
        Path: "/stevedore/us-east-1/c/",
        Tags: [{ Key: "stevedore.dev/nodeclass", Value: "default" }],
      }),
    );
    assert.equal(
      created.InstanceProfile?.Arn,
      "arn:aws:iam::123456789012:instance-profile/stevedore/us-east-1/c/c_0123",
    );
    await aws.iamClient.send(new CreateInstanceProfileCommand({ InstanceProfileName: "elsewhere" }));
    await rejectsWith(
      aws.iamClient.send(new CreateInstanceProfileCommand({ InstanceProfileName: "c_0123" })),
      "EntityAlreadyExists",
    );
    await aws.iamClient.send(
      new TagInstanceProfileCommand({ InstanceProfileName: "c_0123", Tags: [{ Key: "team", Value: "a" }] }),
    );
    const got = await aws.iamClient.send(new GetInstanceProfileCommand({ InstanceProfileName: "c_0123" }));
    assert.equal(got.InstanceProfile?.Path, "/stevedore/us-east-1/c/");
    assert.deepEqual(
      got.InstanceProfile?.Tags?.map((t) => `${t.Key}=${t.Value}`),
      ["stevedore.dev/nodeclass=default", "team=a"],
    );
    assert.ok(got.InstanceProfile?.CreateDate instanceof Date);
    const listed = await aws.iamClient.send(new ListInstanceProfilesCommand({ PathPrefix: "/stevedore/" }));
    assert.deepEqual(
      listed.InstanceProfiles?.map((p) => p.InstanceProfileName),
      ["c_0123"],
    );
    await rejectsWith(
      aws.iamClient.send(new GetInstanceProfileCommand({ InstanceProfileName: "nope" })),
      "NoSuchEntity",
    );
  });

  test("one role per profile; unknown roles are NoSuchEntity; no delete while a role is attached", async () => {
    const name = "c_0123";
    await rejectsWith(
      aws.iamClient.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: "Ghost" })),
      "NoSuchEntity",
    );
    await aws.iamClient.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: "NodeRole" }));
    await rejectsWith(
      aws.iamClient.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: "OtherRole" })),
      "LimitExceeded",
    );
    const got = await aws.iamClient.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    assert.deepEqual(
      got.InstanceProfile?.Roles?.map((r) => r.RoleName),
      ["NodeRole"],
    );
    await rejectsWith(
      aws.iamClient.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })),
      "DeleteConflict",
    );
    await aws.iamClient.send(
      new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: "NodeRole" }),
    );
    await aws.iamClient.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }));
    assert.equal(aws.emulator.world.iam.get(name), undefined);
    assert.equal(aws.emulator.callCounts()["iam:DeleteInstanceProfile"], 2);
  });
});
