import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  type Instance,
  paginateDescribeInstances,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import type { AwsEvent } from "../../../lib/twin/aws/index.js";
import { ManualClock, type RunningAwsEmulator, startAwsEmulator } from "../../support/ec2-emulator.js";

const AMI_PARAM = "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id";

describe("AWS emulator: instances", () => {
  let aws: RunningAwsEmulator;
  let clock: ManualClock;
  let ami = "";
  const events: AwsEvent[] = [];

  before(async () => {
    clock = new ManualClock();
    aws = await startAwsEmulator({
      clock,
      bootDelayMs: 10_000,
      shutdownDelayMs: 20_000,
      terminatedRetentionMs: 3_600_000,
      // These tests make many calls at one frozen instant; EC2's rate limits have their own test (rate-limits.test.ts).
      ec2RateLimits: false,
    });
    aws.emulator.onEvent((e) => events.push(e));
    ami = aws.emulator.getParameter(AMI_PARAM) as string;
  });

  after(async () => {
    await aws.close();
  });

  async function run(count: number, tags: Record<string, string>, type = "m5.large"): Promise<string[]> {
    const out = await aws.ec2.send(
      new RunInstancesCommand({
        ImageId: ami,
        InstanceType: type as "m5.large",
        MinCount: count,
        MaxCount: count,
        UserData: Buffer.from("user-data").toString("base64"),
        TagSpecifications: [
          { ResourceType: "instance", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        ],
      }),
    );
    return (out.Instances ?? []).map((i) => i.InstanceId as string);
  }

  async function describe1(id: string): Promise<Instance | undefined> {
    const out = await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    return out.Reservations?.[0]?.Instances?.[0];
  }

  it("moves pending → running → shutting-down → terminated on the injected clock, then forgets the instance", async () => {
    const [id] = (await run(1, { team: "lifecycle" })) as [string];
    assert.equal((await describe1(id))?.State?.Name, "pending");
    clock.advance(9_999);
    assert.equal((await describe1(id))?.State?.Name, "pending");
    clock.advance(1);
    assert.equal((await describe1(id))?.State?.Name, "running");

    const term = await aws.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(term.TerminatingInstances?.[0]?.PreviousState, { Code: 16, Name: "running" });
    assert.deepEqual(term.TerminatingInstances?.[0]?.CurrentState, { Code: 32, Name: "shutting-down" });
    clock.advance(20_000);
    const terminated = await describe1(id);
    assert.equal(terminated?.State?.Name, "terminated");
    assert.equal(terminated?.StateReason?.Code, "Client.UserInitiatedShutdown");
    const again = await aws.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(again.TerminatingInstances?.[0]?.CurrentState, { Code: 48, Name: "terminated" });

    clock.advance(3_600_000);
    await assert.rejects(aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })), (err: Error) => {
      assert.equal(err.name, "InvalidInstanceID.NotFound");
      assert.match(err.message, new RegExp(`The instance ID '${id}' does not exist`));
      return true;
    });

    const states = events.filter((e) => e.detail["instance-id"] === id).map((e) => e.detail.state);
    assert.deepEqual(states, ["pending", "running", "shutting-down", "terminated"]);
    const running = events.find((e) => e.detail["instance-id"] === id && e.detail.state === "running") as AwsEvent;
    assert.deepEqual(Object.keys(running).sort(), [
      "account",
      "detail",
      "detail-type",
      "id",
      "region",
      "resources",
      "source",
      "time",
      "version",
    ]);
    assert.equal(running["detail-type"], "EC2 Instance State-change Notification");
    assert.equal(running.source, "aws.ec2");
    assert.equal(running.version, "0");
    assert.equal(running.time, "2025-01-01T00:00:10Z");
    assert.deepEqual(running.resources, [`arn:aws:ec2:us-east-1:123456789012:instance/${id}`]);
  });

  it("filters DescribeInstances by tag, state, type, zone and client token, and paginates", async () => {
    const ids = await run(7, { "stevedore.dev/pool": "paging" }, "c5.large");
    await run(2, { "stevedore.dev/pool": "other" }, "c5.large");
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances(
      { client: aws.ec2, pageSize: 5 },
      {
        Filters: [
          { Name: "tag:stevedore.dev/pool", Values: ["paging"] },
          { Name: "instance-state-name", Values: ["pending", "running"] },
          { Name: "instance-type", Values: ["c5.*"] },
        ],
      },
    )) {
      pages += 1;
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) seen.push(i.InstanceId as string);
    }
    assert.equal(pages, 2);
    assert.deepEqual(seen.sort(), [...ids].sort());

    const byKey = await aws.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "tag-key", Values: ["stevedore.dev/pool"] }] }),
    );
    assert.equal(byKey.Reservations?.flatMap((r) => r.Instances ?? []).length, 9);
    assert.equal(byKey.Reservations?.length, 2, "one reservation per RunInstances call");

    const zone = await aws.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "availability-zone", Values: ["us-east-1b"] }] }),
    );
    assert.equal(zone.Reservations?.length ?? 0, 0);

    const token = await aws.ec2.send(
      new RunInstancesCommand({
        ImageId: ami,
        InstanceType: "t3.small",
        MinCount: 1,
        MaxCount: 1,
        ClientToken: "my-token",
      }),
    );
    const byToken = await aws.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "client-token", Values: ["my-token"] }] }),
    );
    assert.equal(byToken.Reservations?.[0]?.Instances?.[0]?.InstanceId, token.Instances?.[0]?.InstanceId);
    const repeat = await aws.ec2.send(
      new RunInstancesCommand({
        ImageId: ami,
        InstanceType: "t3.small",
        MinCount: 1,
        MaxCount: 1,
        ClientToken: "my-token",
      }),
    );
    assert.equal(
      repeat.Instances?.[0]?.InstanceId,
      token.Instances?.[0]?.InstanceId,
      "RunInstances is idempotent per token",
    );

    await assert.rejects(
      aws.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "no-such-filter", Values: ["x"] }] })),
      /The filter 'no-such-filter' is invalid/,
    );
    await assert.rejects(aws.ec2.send(new DescribeInstancesCommand({ MaxResults: 3 })), /maxResults/);
  });

  it("creates and deletes tags and rejects reserved keys", async () => {
    const [id] = (await run(1, { a: "1" })) as [string];
    await aws.ec2.send(
      new CreateTagsCommand({
        Resources: [id],
        Tags: [
          { Key: "Name", Value: "node-1" },
          { Key: "b", Value: "2" },
        ],
      }),
    );
    await aws.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: "a", Value: "wrong" }, { Key: "b" }] }));
    const tags = Object.fromEntries(((await describe1(id))?.Tags ?? []).map((t) => [t.Key, t.Value]));
    assert.deepEqual(tags, { a: "1", Name: "node-1" });
    await assert.rejects(
      aws.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "aws:x", Value: "1" }] })),
      (err: Error) => err.name === "InvalidParameterValue",
    );
    await assert.rejects(
      aws.ec2.send(new CreateTagsCommand({ Resources: ["i-0123456789abcdef0"], Tags: [{ Key: "k", Value: "v" }] })),
      (err: Error) => err.name === "InvalidInstanceID.NotFound",
    );
  });

  it("hands out the same frozen snapshot while an instance is unchanged, and a new one after any change", async () => {
    const [id] = (await run(1, { team: "a" })) as [string];
    const snap = () => aws.emulator.instance(id);
    const first = snap();
    assert.ok(first && Object.isFrozen(first) && Object.isFrozen(first.tags));
    assert.equal(snap(), first, "unchanged: the remembered snapshot");
    await aws.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "team", Value: "b" }] }));
    const retagged = snap();
    assert.notEqual(retagged, first);
    assert.equal(retagged?.tags.team, "b", "a changed tag value is shown");
    await aws.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "extra", Value: "1" }] }));
    assert.equal(snap()?.tags.extra, "1", "an added tag is shown");
    clock.advance(10_000);
    assert.equal(snap()?.state, "running", "a state transition is shown");
    aws.emulator.terminateInstance(id);
    assert.equal(snap()?.state, "shutting-down");
    assert.equal(first.tags.team, "a", "a snapshot handed out earlier is left as it was");
  });

  it("returns user data through DescribeInstanceAttribute", async () => {
    const [id] = (await run(1, {})) as [string];
    const out = await aws.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "userData" }));
    assert.equal(Buffer.from(out.UserData?.Value ?? "", "base64").toString(), "user-data");
  });

  it("fails RunInstances with InsufficientInstanceCapacity (HTTP 500) when the pool is empty", async () => {
    aws.emulator.injectIce("m5.2xlarge", undefined, undefined, clock.now() + 1000);
    await assert.rejects(
      aws.ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: "m5.2xlarge", MinCount: 1, MaxCount: 1 })),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, "InsufficientInstanceCapacity");
        assert.equal(err.$metadata?.httpStatusCode, 500);
        return true;
      },
    );
  });

  it("accounts hourly and total cost from running time, spot at the moving price", async () => {
    const own = new ManualClock();
    const solo = await startAwsEmulator({ clock: own, bootDelayMs: 60_000, spotPrices: { volatility: 0 } });
    try {
      const image = solo.emulator.getParameter(AMI_PARAM) as string;
      const od = await solo.ec2.send(
        new RunInstancesCommand({ ImageId: image, InstanceType: "m5.4xlarge", MinCount: 1, MaxCount: 1 }),
      );
      solo.emulator.setSpotPrice("m5.large", "us-east-1a", 0.03);
      await solo.ec2.send(
        new RunInstancesCommand({
          ImageId: image,
          InstanceType: "m5.large",
          MinCount: 1,
          MaxCount: 1,
          Placement: { AvailabilityZone: "us-east-1a" },
          InstanceMarketOptions: { MarketType: "spot" },
        }),
      );
      const price = solo.emulator.onDemandPrice("m5.4xlarge") as number;
      assert.equal(solo.emulator.hourlyCost(), price + 0.03);
      own.advance(60_000 + 1_800_000);
      solo.emulator.setSpotPrice("m5.large", "us-east-1a", 0.05);
      own.advance(1_800_000);
      assert.ok(Math.abs(solo.emulator.totalCost() - (price + 0.015 + 0.025)) < 1e-9, "billing starts when running");
      solo.emulator.terminateInstance(od.Instances?.[0]?.InstanceId as string);
      assert.equal(solo.emulator.hourlyCost(), 0.05);
      own.advance(3_600_000 * 3);
      assert.ok(
        Math.abs(solo.emulator.totalCost() - (price + 0.04 + 0.15)) < 1e-9,
        "terminated instances stop accruing",
      );
    } finally {
      await solo.close();
    }
  });
});
