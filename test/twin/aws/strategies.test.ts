import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  type FleetLaunchTemplateOverridesRequest,
} from "@aws-sdk/client-ec2";
import { ManualClock, type RunningAwsEmulator, startAwsEmulator } from "../../support/ec2-emulator.js";

const AMI_PARAM = "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id";

describe("AWS emulator: allocation strategies", () => {
  let aws: RunningAwsEmulator;

  before(async () => {
    aws = await startAwsEmulator({
      clock: new ManualClock(),
      spotPrices: { volatility: 0 },
      zones: ["us-east-1a", "us-east-1b"],
    });
    await aws.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "strategies",
        LaunchTemplateData: { ImageId: aws.emulator.getParameter(AMI_PARAM) },
      }),
    );
  });

  after(async () => {
    await aws.close();
  });

  async function launch(
    capacityType: "spot" | "on-demand",
    strategy: string,
    overrides: FleetLaunchTemplateOverridesRequest[],
  ): Promise<string | undefined> {
    const out = await aws.ec2.send(
      new CreateFleetCommand({
        Type: "instant",
        TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: capacityType },
        ...(capacityType === "spot"
          ? { SpotOptions: { AllocationStrategy: strategy as "lowest-price" } }
          : { OnDemandOptions: { AllocationStrategy: strategy as "lowest-price" } }),
        LaunchTemplateConfigs: [
          {
            LaunchTemplateSpecification: { LaunchTemplateName: "strategies", Version: "$Latest" },
            Overrides: overrides,
          },
        ],
      }),
    );
    const o = out.Instances?.[0]?.LaunchTemplateAndOverrides?.Overrides;
    return o && `${o.InstanceType}/${o.AvailabilityZone}`;
  }

  it("prioritized on-demand follows Priority, not price", async () => {
    const chosen = await launch("on-demand", "prioritized", [
      { InstanceType: "m5.large", AvailabilityZone: "us-east-1a", Priority: 2 },
      { InstanceType: "m5.2xlarge", AvailabilityZone: "us-east-1a", Priority: 1 },
    ]);
    assert.equal(chosen, "m5.2xlarge/us-east-1a");
  });

  it("capacity-optimized spot picks the deepest pool, lowest-price the cheapest", async () => {
    aws.emulator.setSpotPrice("c5.large", "us-east-1a", 0.02);
    aws.emulator.setSpotPrice("c5.large", "us-east-1b", 0.03);
    aws.emulator.setCapacity({ instanceType: "c5.large", zone: "us-east-1a", capacityType: "spot", capacity: 3 });
    aws.emulator.setCapacity({ instanceType: "c5.large", zone: "us-east-1b", capacityType: "spot", capacity: 9 });
    const overrides = [
      { InstanceType: "c5.large" as const, AvailabilityZone: "us-east-1a" },
      { InstanceType: "c5.large" as const, AvailabilityZone: "us-east-1b" },
    ];
    assert.equal(await launch("spot", "capacity-optimized", overrides), "c5.large/us-east-1b");
    assert.equal(await launch("spot", "lowest-price", overrides), "c5.large/us-east-1a");
    assert.equal(
      await launch("spot", "price-capacity-optimized", overrides),
      "c5.large/us-east-1b",
      "1a (2 left) is under half of 1b (8 left)",
    );
  });

  it("rejects strategies EC2 does not have", async () => {
    await assert.rejects(
      launch("on-demand", "cheapest", [{ InstanceType: "m5.large" }]),
      (err: Error) => err.name === "InvalidParameterValue",
    );
  });
});
