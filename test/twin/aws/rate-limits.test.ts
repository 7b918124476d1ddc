/**
 * The emulator enforces EC2's documented request and resource buckets on its clock (RequestLimitExceeded beyond
 * them), and the client-side gate, following the same table, keeps a burst under them.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { ApiGate, awsErrorCode, ec2Call } from "../../../lib/cloud/aws/retry.js";
import { TestClock } from "../../support/controller-harness.js";
import { type RunningAwsEmulator, startAwsEmulator } from "../../support/ec2-emulator.js";

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return awsErrorCode(err) ?? String(err);
  }
}

describe("AWS emulator: EC2's documented rate limits", () => {
  let clock: TestClock;
  let aws: RunningAwsEmulator;
  beforeEach(async () => {
    clock = new TestClock();
    aws = await startAwsEmulator({ clock });
  });
  afterEach(async () => {
    await aws.close();
  });

  test("a burst beyond a non-mutating bucket (100, 20/s) is throttled, and refills on the clock", async () => {
    const results: string[] = [];
    for (let i = 0; i < 101; i++) results.push(await outcome(aws.ec2.send(new DescribeSubnetsCommand({}))));
    assert.equal(results.filter((r) => r === "ok").length, 100);
    assert.equal(results[100], "RequestLimitExceeded");
    clock.advance(50);
    assert.equal(await outcome(aws.ec2.send(new DescribeSubnetsCommand({}))), "ok", "one token after 50 ms");
  });

  test("unfiltered DescribeInstances uses the smaller bucket (50, 10/s); filtered calls use their own", async () => {
    const results: string[] = [];
    for (let i = 0; i < 51; i++) results.push(await outcome(aws.ec2.send(new DescribeInstancesCommand({}))));
    assert.equal(results.filter((r) => r === "ok").length, 50);
    assert.equal(results[50], "RequestLimitExceeded");
    const filtered = new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: ["running"] }] });
    assert.equal(await outcome(aws.ec2.send(filtered)), "ok");
  });

  test("RunInstances: 5 requests at once, then 2/s; TerminateInstances takes a resource token per instance", async () => {
    const image = aws.emulator.world.images.images.keys().next().value as string;
    const run = () =>
      aws.ec2.send(new RunInstancesCommand({ ImageId: image, InstanceType: "m5.large", MinCount: 1, MaxCount: 1 }));
    const results: string[] = [];
    for (let i = 0; i < 6; i++) results.push(await outcome(run()));
    assert.deepEqual(results, ["ok", "ok", "ok", "ok", "ok", "RequestLimitExceeded"]);
    const ids = aws.emulator.instances().map((i) => i.instanceId);
    assert.equal(await outcome(aws.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }))), "ok");
  });

  test("the gate keeps a burst of 150 CreateTags under the bucket (100, 10/s): no RequestLimitExceeded", async () => {
    const image = aws.emulator.world.images.images.keys().next().value as string;
    await aws.ec2.send(new RunInstancesCommand({ ImageId: image, InstanceType: "m5.large", MinCount: 1, MaxCount: 1 }));
    const [instance] = aws.emulator.instances();
    const gate = new ApiGate(clock, { maxAttempts: 1 });
    const tag = (i: number) =>
      gate.call(ec2Call("CreateTags"), () =>
        aws.ec2.send(
          new CreateTagsCommand({ Resources: [instance.instanceId], Tags: [{ Key: "n", Value: String(i) }] }),
        ),
      );
    const start = clock.now();
    for (let i = 0; i < 150; i++) await tag(i);
    assert.equal(gate.throttled, 0);
    assert.equal(clock.now() - start, 5000, "50 calls beyond the burst at 10 per second");
    assert.equal(aws.emulator.callCounts()["ec2:CreateTags"], 150);
  });
});
