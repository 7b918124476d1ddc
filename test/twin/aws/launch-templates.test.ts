import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
} from "@aws-sdk/client-ec2";
import { type RunningAwsEmulator, startAwsEmulator } from "../../support/ec2-emulator.js";

describe("AWS emulator: launch templates, subnets, security groups, images", () => {
  let aws: RunningAwsEmulator;

  before(async () => {
    aws = await startAwsEmulator({ clusterName: "prod" });
  });

  after(async () => {
    await aws.close();
  });

  it("creates, finds, versions and deletes launch templates", async () => {
    const userData = Buffer.from('[settings.kubernetes]\nnode-labels = { team = "a" }\n').toString("base64");
    const created = await aws.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "karpenter.k8s.aws/12345",
        LaunchTemplateData: {
          ImageId: "ami-0123456789abcdef0",
          UserData: userData,
          SecurityGroupIds: ["sg-1", "sg-2"],
          IamInstanceProfile: { Name: "node-profile" },
          MetadataOptions: { HttpTokens: "required", HttpPutResponseHopLimit: 2, HttpEndpoint: "enabled" },
          BlockDeviceMappings: [
            {
              DeviceName: "/dev/xvda",
              Ebs: { VolumeSize: 20, VolumeType: "gp3", Encrypted: true, DeleteOnTermination: true },
            },
          ],
          TagSpecifications: [
            { ResourceType: "network-interface", Tags: [{ Key: "eks:eks-cluster-name", Value: "prod" }] },
          ],
          NetworkInterfaces: [{ DeviceIndex: 0, Groups: ["sg-3"], AssociatePublicIpAddress: false }],
        },
        TagSpecifications: [
          { ResourceType: "launch-template", Tags: [{ Key: "eks:eks-cluster-name", Value: "prod" }] },
        ],
      }),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId as string;
    assert.match(id, /^lt-[0-9a-f]{17}$/);
    assert.equal(created.LaunchTemplate?.LatestVersionNumber, 1);

    await assert.rejects(
      aws.ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: "karpenter.k8s.aws/12345",
          LaunchTemplateData: { ImageId: "ami-1" },
        }),
      ),
      (err: Error) => {
        assert.equal(err.name, "InvalidLaunchTemplateName.AlreadyExistsException");
        assert.equal(err.message, "Launch template name already in use.");
        return true;
      },
    );
    await assert.rejects(
      aws.ec2.send(
        new CreateLaunchTemplateCommand({ LaunchTemplateName: "x", LaunchTemplateData: { ImageId: "ami-1" } }),
      ),
      (err: Error) => err.name === "InvalidLaunchTemplateName.MalformedException",
    );
    await assert.rejects(
      aws.ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: "bad-user-data",
          LaunchTemplateData: { UserData: "not base64!" },
        }),
      ),
      (err: Error) => err.name === "InvalidUserData.Malformed",
    );

    const byName = await aws.ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ["karpenter.k8s.aws/12345"] }),
    );
    assert.equal(byName.LaunchTemplates?.[0]?.LaunchTemplateId, id);
    const byTag = await aws.ec2.send(
      new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag:eks:eks-cluster-name", Values: ["prod"] }] }),
    );
    assert.deepEqual(
      byTag.LaunchTemplates?.map((t) => t.LaunchTemplateId),
      [id],
    );
    await assert.rejects(
      aws.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ["nope"] })),
      (err: Error) => err.name === "InvalidLaunchTemplateName.NotFoundException",
    );

    const versions = await aws.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ["$Latest"] }),
    );
    const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    assert.equal(versions.LaunchTemplateVersions?.[0]?.VersionNumber, 1);
    assert.equal(versions.LaunchTemplateVersions?.[0]?.DefaultVersion, true);
    assert.equal(data?.UserData, userData);
    assert.equal(data?.ImageId, "ami-0123456789abcdef0");
    assert.deepEqual(data?.SecurityGroupIds, ["sg-1", "sg-2"]);
    assert.equal(data?.IamInstanceProfile?.Name, "node-profile");
    assert.deepEqual(data?.MetadataOptions, {
      HttpTokens: "required",
      HttpPutResponseHopLimit: 2,
      HttpEndpoint: "enabled",
    });
    assert.deepEqual(data?.BlockDeviceMappings, [
      {
        DeviceName: "/dev/xvda",
        Ebs: { VolumeSize: 20, VolumeType: "gp3", Encrypted: true, DeleteOnTermination: true },
      },
    ]);
    assert.deepEqual(data?.TagSpecifications, [
      { ResourceType: "network-interface", Tags: [{ Key: "eks:eks-cluster-name", Value: "prod" }] },
    ]);
    assert.deepEqual(data?.NetworkInterfaces, [{ DeviceIndex: 0, Groups: ["sg-3"], AssociatePublicIpAddress: false }]);
    assert.equal(aws.emulator.launchTemplates()[0]?.userData, userData);

    const deleted = await aws.ec2.send(
      new DeleteLaunchTemplateCommand({ LaunchTemplateName: "karpenter.k8s.aws/12345" }),
    );
    assert.equal(deleted.LaunchTemplate?.LaunchTemplateId, id);
    await assert.rejects(
      aws.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id })),
      (err: Error) => err.name === "InvalidLaunchTemplateId.NotFound",
    );
  });

  it("is idempotent per CreateLaunchTemplate ClientToken", async () => {
    const input = {
      LaunchTemplateName: "retry-me",
      LaunchTemplateData: { ImageId: "ami-0123456789abcdef0" },
      ClientToken: "t-1",
    };
    const a = await aws.ec2.send(new CreateLaunchTemplateCommand(input));
    const b = await aws.ec2.send(new CreateLaunchTemplateCommand(input));
    assert.equal(a.LaunchTemplate?.LaunchTemplateId, b.LaunchTemplate?.LaunchTemplateId);
  });

  it("selects subnets and security groups by tag", async () => {
    const discovered = await aws.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "tag:karpenter.sh/discovery", Values: ["prod"] }] }),
    );
    assert.equal(discovered.Subnets?.length, 6);
    assert.ok(
      discovered.Subnets?.every((s) => s.MapPublicIpOnLaunch === false && (s.AvailableIpAddressCount ?? 0) > 4000),
    );
    const all = await aws.ec2.send(new DescribeSubnetsCommand({}));
    assert.equal(all.Subnets?.length, 12, "public subnets exist but lack the discovery tag");
    const owned = await aws.ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: "tag:kubernetes.io/cluster/prod", Values: ["owned"] },
          { Name: "availability-zone", Values: ["us-east-1c"] },
        ],
      }),
    );
    assert.equal(owned.Subnets?.length, 1);
    await assert.rejects(
      aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-0000"] })),
      (err: Error) => err.name === "InvalidSubnetID.NotFound",
    );

    const groups = await aws.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "tag-key", Values: ["karpenter.sh/discovery"] }] }),
    );
    assert.deepEqual(
      groups.SecurityGroups?.map((g) => g.GroupName),
      ["prod-node"],
    );
    const cluster = await aws.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "tag:aws:eks:cluster-name", Values: ["prod"] }] }),
    );
    assert.equal(cluster.SecurityGroups?.length, 1);
    const byName = await aws.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["default"] }] }),
    );
    assert.equal(byName.SecurityGroups?.[0]?.GroupName, "default");
  });

  it("describes seeded AMIs by owner, name, architecture and tag", async () => {
    const al2023 = await aws.ec2.send(
      new DescribeImagesCommand({
        Owners: ["amazon"],
        Filters: [
          { Name: "name", Values: ["amazon-eks-node-al2023-*-standard-1.31-*"] },
          { Name: "architecture", Values: ["arm64"] },
        ],
      }),
    );
    assert.equal(al2023.Images?.length, 1);
    assert.equal(
      al2023.Images?.[0]?.ImageId,
      aws.emulator.getParameter(
        "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/arm64/standard/recommended/image_id",
      ),
    );
    const own = await aws.ec2.send(
      new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "tag:stevedore.dev/ami", Values: ["custom"] }] }),
    );
    assert.deepEqual(own.Images?.map((i) => i.Architecture).sort(), ["arm64", "x86_64"]);
    await assert.rejects(
      aws.ec2.send(new DescribeImagesCommand({ ImageIds: ["ami-00000000000000000"] })),
      (err: Error) => err.name === "InvalidAMIID.NotFound",
    );
  });
});
