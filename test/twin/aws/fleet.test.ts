import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type _InstanceType,
  CreateFleetCommand,
  type CreateFleetCommandInput,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  type Subnet,
} from "@aws-sdk/client-ec2";
import { ManualClock, type RunningAwsEmulator, startAwsEmulator } from "../../support/ec2-emulator.js";

const AMI_PARAM = "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id";

describe("AWS emulator: CreateFleet instant", () => {
  let aws: RunningAwsEmulator;
  let clock: ManualClock;
  let subnets: Subnet[];
  let template = "";
  let counter = 0;

  before(async () => {
    clock = new ManualClock();
    aws = await startAwsEmulator({ clock, spotPrices: { volatility: 0 } });
    const out = await aws.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "tag:karpenter.sh/discovery", Values: ["twin"] }] }),
    );
    subnets = (out.Subnets ?? []).sort((a, b) => String(a.AvailabilityZone).localeCompare(String(b.AvailabilityZone)));
    const groups = await aws.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "tag:karpenter.sh/discovery", Values: ["twin"] }] }),
    );
    await aws.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "stevedore/default",
        LaunchTemplateData: {
          ImageId: aws.emulator.getParameter(AMI_PARAM),
          UserData: Buffer.from("#!/bin/bash\necho hello\n").toString("base64"),
          SecurityGroupIds: [groups.SecurityGroups?.[0]?.GroupId as string],
          MetadataOptions: { HttpTokens: "required" },
          TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "from-template", Value: "yes" }] }],
        },
      }),
    );
    template = "stevedore/default";
  });

  after(async () => {
    await aws.close();
  });

  beforeEach(() => {
    aws.emulator.clearIce();
    aws.emulator.clearCapacityLimits();
  });

  function fleetInput(types: string[], capacityType: "spot" | "on-demand", zones = 3): CreateFleetCommandInput {
    counter += 1;
    return {
      Type: "instant",
      ClientToken: `claim-${counter}`,
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: capacityType },
      ...(capacityType === "spot"
        ? { SpotOptions: { AllocationStrategy: "price-capacity-optimized" } }
        : { OnDemandOptions: { AllocationStrategy: "lowest-price" } }),
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: { LaunchTemplateName: template, Version: "$Latest" },
          Overrides: types.flatMap((name) =>
            subnets.slice(0, zones).map((s) => ({
              InstanceType: name as _InstanceType,
              SubnetId: s.SubnetId,
              AvailabilityZone: s.AvailabilityZone,
            })),
          ),
        },
      ],
      TagSpecifications: [
        { ResourceType: "instance", Tags: [{ Key: "stevedore.dev/claim", Value: `claim-${counter}` }] },
        { ResourceType: "volume", Tags: [{ Key: "stevedore.dev/claim", Value: `claim-${counter}` }] },
        { ResourceType: "fleet", Tags: [{ Key: "stevedore.dev/claim", Value: `claim-${counter}` }] },
      ],
    };
  }

  it("launches the cheapest on-demand override, applies tags and resolves the launch template", async () => {
    const out = await aws.ec2.send(
      new CreateFleetCommand(fleetInput(["m5.xlarge", "m5.large", "c5.xlarge"], "on-demand")),
    );
    assert.deepEqual(out.Errors, []);
    assert.equal(out.Instances?.length, 1);
    const launched = out.Instances?.[0];
    assert.equal(launched?.InstanceType, "m5.large");
    assert.equal(launched?.Lifecycle, "on-demand");
    assert.equal(launched?.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone, "us-east-1a");
    const id = launched?.InstanceIds?.[0] as string;
    assert.match(id, /^i-[0-9a-f]{17}$/);

    const described = await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const instance = described.Reservations?.[0]?.Instances?.[0];
    assert.equal(instance?.State?.Name, "pending");
    assert.equal(instance?.InstanceLifecycle, undefined);
    assert.equal(instance?.ImageId, aws.emulator.getParameter(AMI_PARAM));
    assert.equal(instance?.MetadataOptions?.HttpTokens, "required");
    const tags = Object.fromEntries((instance?.Tags ?? []).map((t) => [t.Key, t.Value]));
    assert.equal(tags["stevedore.dev/claim"], `claim-${counter}`);
    assert.equal(tags["from-template"], "yes");
    assert.equal(tags["aws:ec2:fleet-id"], out.FleetId);
    const snapshot = aws.emulator.instance(id);
    assert.equal(Buffer.from(snapshot?.userData ?? "", "base64").toString(), "#!/bin/bash\necho hello\n");
    assert.equal(snapshot?.providerID, `aws:///us-east-1a/${id}`);
    assert.equal(snapshot?.pricePerHour, aws.emulator.onDemandPrice("m5.large"));
  });

  it("chooses the cheapest spot pool under price-capacity-optimized", async () => {
    for (const s of subnets) aws.emulator.setSpotPrice("m5.large", s.AvailabilityZone as string, 0.05);
    aws.emulator.setSpotPrice("m5.large", "us-east-1b", 0.021);
    for (const s of subnets) aws.emulator.setSpotPrice("c5.large", s.AvailabilityZone as string, 0.03);
    const out = await aws.ec2.send(new CreateFleetCommand(fleetInput(["c5.large", "m5.large"], "spot")));
    const launched = out.Instances?.[0];
    assert.equal(launched?.InstanceType, "m5.large");
    assert.equal(launched?.Lifecycle, "spot");
    assert.equal(launched?.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone, "us-east-1b");
    const instance = aws.emulator.instance(launched?.InstanceIds?.[0] as string);
    assert.equal(instance?.capacityType, "spot");
    assert.equal(instance?.pricePerHour, 0.021);
  });

  it("prefers deeper pools under price-capacity-optimized when capacity is finite", async () => {
    aws.emulator.setSpotPrice("m5.large", "us-east-1a", 0.02);
    aws.emulator.setSpotPrice("m5.large", "us-east-1b", 0.04);
    aws.emulator.setCapacity({ instanceType: "m5.large", zone: "us-east-1a", capacityType: "spot", capacity: 1 });
    aws.emulator.setCapacity({ instanceType: "m5.large", zone: "us-east-1b", capacityType: "spot", capacity: 50 });
    const out = await aws.ec2.send(new CreateFleetCommand(fleetInput(["m5.large"], "spot", 2)));
    assert.equal(out.Instances?.[0]?.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone, "us-east-1b");
  });

  it("returns the first response again for a repeated ClientToken without launching", async () => {
    const input = fleetInput(["m5.large"], "on-demand");
    const first = await aws.ec2.send(new CreateFleetCommand(input));
    const before = aws.emulator.instances().length;
    const again = await aws.ec2.send(new CreateFleetCommand(input));
    assert.equal(again.FleetId, first.FleetId);
    assert.deepEqual(again.Instances?.[0]?.InstanceIds, first.Instances?.[0]?.InstanceIds);
    assert.equal(aws.emulator.instances().length, before);
    await assert.rejects(
      aws.ec2.send(
        new CreateFleetCommand({
          ...input,
          TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: "on-demand" },
        }),
      ),
      (err: Error) => err.name === "IdempotentParameterMismatch",
    );
  });

  it("falls to the next override when the cheapest one has insufficient capacity, and reports it", async () => {
    aws.emulator.injectIce("m5.large", "us-east-1a", "on-demand", clock.now() + 60_000);
    const out = await aws.ec2.send(new CreateFleetCommand(fleetInput(["m5.large", "m5.xlarge"], "on-demand", 1)));
    assert.equal(out.Instances?.[0]?.InstanceType, "m5.xlarge");
    assert.equal(out.Errors?.length, 1);
    const error = out.Errors?.[0];
    assert.equal(error?.ErrorCode, "InsufficientInstanceCapacity");
    assert.equal(error?.Lifecycle, "on-demand");
    assert.match(
      error?.ErrorMessage ?? "",
      /We currently do not have sufficient m5.large capacity in the Availability Zone you requested \(us-east-1a\)/,
    );
    assert.equal(error?.LaunchTemplateAndOverrides?.Overrides?.InstanceType, "m5.large");
    assert.equal(error?.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone, "us-east-1a");
    assert.equal(error?.LaunchTemplateAndOverrides?.Overrides?.SubnetId, subnets[0]?.SubnetId);
    assert.equal(error?.LaunchTemplateAndOverrides?.LaunchTemplateSpecification?.LaunchTemplateName, template);

    clock.advance(61_000);
    const later = await aws.ec2.send(new CreateFleetCommand(fleetInput(["m5.large", "m5.xlarge"], "on-demand", 1)));
    assert.equal(later.Instances?.[0]?.InstanceType, "m5.large", "the injected shortage has ended");
  });

  it("returns an error per pool and no instance when every override has insufficient capacity", async () => {
    aws.emulator.injectIce("c5.*", undefined, "spot", clock.now() + 60_000);
    const before = aws.emulator.instances().length;
    const out = await aws.ec2.send(new CreateFleetCommand(fleetInput(["c5.large", "c5.xlarge"], "spot", 2)));
    assert.deepEqual(out.Instances, []);
    assert.equal(out.Errors?.length, 4);
    for (const e of out.Errors ?? []) {
      assert.equal(e.ErrorCode, "InsufficientInstanceCapacity");
      assert.equal(e.ErrorMessage, "There is no Spot capacity available that matches your request.");
      assert.equal(e.Lifecycle, "spot");
    }
    assert.deepEqual(
      (out.Errors ?? [])
        .map(
          (e) =>
            `${e.LaunchTemplateAndOverrides?.Overrides?.InstanceType}/${e.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone}`,
        )
        .sort(),
      ["c5.large/us-east-1a", "c5.large/us-east-1b", "c5.xlarge/us-east-1a", "c5.xlarge/us-east-1b"],
    );
    assert.equal(aws.emulator.instances().length, before);
  });

  it("exhausts a finite pool and gives the capacity back when an instance terminates", async () => {
    aws.emulator.setCapacity({ instanceType: "r5.large", capacity: 1 });
    const first = await aws.ec2.send(new CreateFleetCommand(fleetInput(["r5.large"], "on-demand", 1)));
    const id = first.Instances?.[0]?.InstanceIds?.[0] as string;
    const second = await aws.ec2.send(new CreateFleetCommand(fleetInput(["r5.large"], "on-demand", 1)));
    assert.deepEqual(second.Instances, []);
    assert.equal(second.Errors?.[0]?.ErrorCode, "InsufficientInstanceCapacity");
    aws.emulator.terminateInstance(id);
    const third = await aws.ec2.send(new CreateFleetCommand(fleetInput(["r5.large"], "on-demand", 1)));
    assert.equal(third.Instances?.[0]?.InstanceType, "r5.large");
  });

  it("reports an injected pool error per override in a successful response", async () => {
    aws.emulator.failNext(
      "CreateFleet",
      "UnfulfillableCapacity",
      1,
      "Unable to fulfill capacity due to your request configuration. Please adjust your request and try again.",
    );
    const out = await aws.ec2.send(new CreateFleetCommand(fleetInput(["m5.large"], "on-demand", 2)));
    assert.deepEqual(out.Instances, []);
    assert.deepEqual(
      out.Errors?.map((e) => e.ErrorCode),
      ["UnfulfillableCapacity", "UnfulfillableCapacity"],
    );
  });

  it("rejects overrides whose AMI architecture does not match the instance type", async () => {
    const out = await aws.ec2.send(new CreateFleetCommand(fleetInput(["m6g.large"], "on-demand", 1)));
    assert.deepEqual(out.Instances, []);
    assert.equal(out.Errors?.[0]?.ErrorCode, "InvalidParameterValue");
    assert.match(out.Errors?.[0]?.ErrorMessage ?? "", /architecture 'arm64'/);
  });

  it("fails the call for a launch template that does not exist", async () => {
    const input = fleetInput(["m5.large"], "on-demand");
    input.LaunchTemplateConfigs = [
      { LaunchTemplateSpecification: { LaunchTemplateName: "missing", Version: "$Latest" } },
    ];
    await assert.rejects(
      aws.ec2.send(new CreateFleetCommand(input)),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, "InvalidLaunchTemplateName.NotFoundException");
        assert.equal(err.$metadata?.httpStatusCode, 400);
        return true;
      },
    );
  });

  it("launches several units and rejects reserved tag keys", async () => {
    const input = fleetInput(["t3.micro"], "on-demand", 3);
    input.TargetCapacitySpecification = { TotalTargetCapacity: 3, DefaultTargetCapacityType: "on-demand" };
    const out = await aws.ec2.send(new CreateFleetCommand(input));
    assert.equal(out.Instances?.flatMap((i) => i.InstanceIds ?? []).length, 3);

    const bad = fleetInput(["t3.micro"], "on-demand", 1);
    bad.TagSpecifications = [{ ResourceType: "instance", Tags: [{ Key: "aws:custom", Value: "x" }] }];
    await assert.rejects(aws.ec2.send(new CreateFleetCommand(bad)), /reserved for internal use/);
  });
});
