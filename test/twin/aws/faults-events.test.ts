import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateFleetCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { AwsEvent } from "../../../lib/twin/aws/index.js";
import { ManualClock, type RunningAwsEmulator, startAwsEmulator } from "../../support/ec2-emulator.js";

const AMI_PARAM = "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id";

type SdkError = Error & { $metadata?: { httpStatusCode?: number; attempts?: number } };

describe("AWS emulator: faults and events", () => {
  let aws: RunningAwsEmulator;
  let clock: ManualClock;
  let ami = "";
  const events: AwsEvent[] = [];

  before(async () => {
    clock = new ManualClock();
    aws = await startAwsEmulator({ clock, bootDelayMs: 5_000, shutdownDelayMs: 10_000 });
    aws.emulator.onEvent((e) => events.push(e));
    ami = aws.emulator.getParameter(AMI_PARAM) as string;
  });

  after(async () => {
    await aws.close();
  });

  async function launch(spot: boolean): Promise<string> {
    const out = await aws.ec2.send(
      new RunInstancesCommand({
        ImageId: ami,
        InstanceType: "m5.large",
        MinCount: 1,
        MaxCount: 1,
        Placement: { AvailabilityZone: "us-east-1b" },
        ...(spot ? { InstanceMarketOptions: { MarketType: "spot" } } : {}),
      }),
    );
    return out.Instances?.[0]?.InstanceId as string;
  }

  it("throttles with RequestLimitExceeded (503), which the SDK retries as throttling", async () => {
    aws.emulator.setThrottle({ rate: 1, actions: ["DescribeSubnets"] });
    await assert.rejects(aws.ec2.send(new DescribeSubnetsCommand({})), (err: SdkError) => {
      assert.equal(err.name, "RequestLimitExceeded");
      assert.equal(err.message, "Request limit exceeded.");
      assert.equal(err.$metadata?.httpStatusCode, 503);
      return true;
    });
    aws.emulator.setThrottle({});

    aws.emulator.failNext("DescribeSubnets", "RequestLimitExceeded", 1, "Request limit exceeded.");
    const retrying = new EC2Client({ ...aws.clientConfig, maxAttempts: 2 });
    try {
      const out = await retrying.send(new DescribeSubnetsCommand({}));
      assert.equal(out.$metadata.attempts, 2, "the SDK classified the error as retryable and retried");
    } finally {
      retrying.destroy();
    }
  });

  it("limits calls with a token bucket refilled on the emulator clock", async () => {
    aws.emulator.setThrottle({ buckets: { DescribeInstances: { capacity: 2, refillPerSecond: 1 } } });
    await aws.ec2.send(new DescribeInstancesCommand({}));
    await aws.ec2.send(new DescribeInstancesCommand({}));
    await assert.rejects(
      aws.ec2.send(new DescribeInstancesCommand({})),
      (err: Error) => err.name === "RequestLimitExceeded",
    );
    clock.advance(1_000);
    await aws.ec2.send(new DescribeInstancesCommand({}));
    await aws.ec2.send(new DescribeSubnetsCommand({}));
    aws.emulator.setThrottle({});
    assert.ok((aws.emulator.callCounts()["ec2:DescribeInstances"] ?? 0) >= 4, "failed calls are counted too");
  });

  it("fails the next calls of an action, including JSON services", async () => {
    aws.emulator.failNext("ssm:GetParameter", "ThrottlingException", 2, "Rate exceeded");
    for (let i = 0; i < 2; i++) {
      await assert.rejects(aws.ssm.send(new GetParameterCommand({ Name: AMI_PARAM })), (err: SdkError) => {
        assert.equal(err.name, "ThrottlingException");
        return true;
      });
    }
    const ok = await aws.ssm.send(new GetParameterCommand({ Name: AMI_PARAM }));
    assert.equal(ok.Parameter?.Value, ami);
    aws.emulator.failNext(
      "RunInstances",
      "UnauthorizedOperation",
      1,
      "You are not authorized to perform this operation.",
    );
    await assert.rejects(launch(false), (err: SdkError) => {
      assert.equal(err.name, "UnauthorizedOperation");
      assert.equal(err.$metadata?.httpStatusCode, 403);
      return true;
    });
  });

  it("fails every call during an outage, with errors or dropped connections", async () => {
    aws.emulator.outage(clock.now() + 30_000);
    await assert.rejects(aws.ec2.send(new DescribeSubnetsCommand({})), (err: SdkError) => {
      assert.equal(err.name, "Unavailable");
      assert.equal(err.$metadata?.httpStatusCode, 503);
      return true;
    });
    await assert.rejects(
      aws.ssm.send(new GetParameterCommand({ Name: AMI_PARAM })),
      (err: SdkError) => err.$metadata?.httpStatusCode === 503,
    );
    clock.advance(30_000);
    await aws.ec2.send(new DescribeSubnetsCommand({}));

    aws.emulator.outage(clock.now() + 1_000, { mode: "reset", services: ["ec2"] });
    await assert.rejects(aws.ec2.send(new DescribeSubnetsCommand({})), (err: Error) =>
      /socket hang up|ECONNRESET/.test(`${err.message} ${(err as { code?: string }).code}`),
    );
    await aws.ssm.send(new GetParameterCommand({ Name: AMI_PARAM }));
    aws.emulator.endOutage();
  });

  it("answers a successful DryRun with DryRunOperation", async () => {
    await assert.rejects(
      aws.ec2.send(
        new CreateFleetCommand({
          DryRun: true,
          Type: "instant",
          LaunchTemplateConfigs: [],
          TargetCapacitySpecification: { TotalTargetCapacity: 1 },
        }),
      ),
      (err: SdkError) => err.name === "DryRunOperation" && err.$metadata?.httpStatusCode === 412,
    );
  });

  it("warns of a spot interruption with the EventBridge event AWS sends, then terminates two minutes later", async () => {
    const id = await launch(true);
    clock.advance(5_000);
    const warning = aws.emulator.interruptSpot(id);
    assert.deepEqual(warning, {
      version: "0",
      id: warning.id,
      "detail-type": "EC2 Spot Instance Interruption Warning",
      source: "aws.ec2",
      account: "123456789012",
      time: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      region: "us-east-1",
      resources: [`arn:aws:ec2:us-east-1b:instance/${id}`],
      detail: { "instance-id": id, "instance-action": "terminate" },
    });
    assert.match(warning.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(events.includes(warning), "subscribers received it");
    assert.equal(aws.emulator.nextTransitionAt(), clock.now() + 120_000);
    clock.advance(119_000);
    assert.equal(aws.emulator.instance(id)?.state, "running");
    clock.advance(1_000);
    const shutting = aws.emulator.instance(id);
    assert.equal(shutting?.state, "shutting-down");
    const described = await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    assert.equal(described.Reservations?.[0]?.Instances?.[0]?.StateReason?.Code, "Server.SpotInstanceTermination");
    const change = events.find((e) => e.detail["instance-id"] === id && e.detail.state === "shutting-down");
    assert.equal(change?.time, new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"));

    const od = await launch(false);
    assert.throws(() => aws.emulator.interruptSpot(od), /not a spot instance/);
  });

  it("emits rebalance recommendations and scheduled-retirement health events", async () => {
    const id = await launch(false);
    const rebalance = aws.emulator.recommendRebalance(id);
    assert.equal(rebalance["detail-type"], "EC2 Instance Rebalance Recommendation");
    assert.deepEqual(rebalance.detail, { "instance-id": id });
    assert.deepEqual(rebalance.resources, [`arn:aws:ec2:us-east-1:123456789012:instance/${id}`]);

    const health = aws.emulator.scheduleRetirement([id], clock.now() + 600_000);
    assert.equal(health.source, "aws.health");
    assert.equal(health["detail-type"], "AWS Health Event");
    assert.equal(health.detail.service, "EC2");
    assert.equal(health.detail.eventTypeCategory, "scheduledChange");
    assert.deepEqual(health.detail.affectedEntities, [{ entityValue: id }]);
    clock.advance(600_000);
    assert.equal(aws.emulator.instance(id)?.state, "shutting-down");
  });
});
