import assert from "node:assert/strict";
import { test } from "node:test";
import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import {
  buildCreateFleetInput,
  classifyFleetErrors,
  classifyThrownError,
  fleetErrors,
  unavailableOfferingsOf,
} from "../../lib/cloud/aws/fleet.js";
import { InstanceRepository, parseProviderId } from "../../lib/cloud/aws/instances.js";
import { clientTokenFor } from "../../lib/cloud/aws/launcher.js";
import { ApiGate } from "../../lib/cloud/aws/retry.js";
import {
  InsufficientCapacityError,
  LaunchError,
  ThrottledError,
  UnauthorizedError,
  UnfulfillableLaunchError,
} from "../../lib/cloud/provider.js";
import { ManualClock } from "./fixtures.js";

test("CreateFleet input: instant, one override per type × zone, strategies per capacity type, tags on three types", () => {
  const spot = buildCreateFleetInput({
    clientToken: "default-abc",
    capacityType: "spot",
    launchTemplates: [
      {
        name: "stevedore/c/1",
        overrides: [
          { instanceType: "m5.large", zone: "us-east-1a", subnetId: "subnet-a", price: 0.03 },
          { instanceType: "m5.large", zone: "us-east-1b", subnetId: "subnet-b", price: 0.031 },
        ],
      },
    ],
    tags: { b: "2", a: "1" },
  });
  assert.deepEqual(spot, {
    Type: "instant",
    ClientToken: "default-abc",
    TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: "spot" },
    SpotOptions: { AllocationStrategy: "price-capacity-optimized" },
    LaunchTemplateConfigs: [
      {
        LaunchTemplateSpecification: { LaunchTemplateName: "stevedore/c/1", Version: "$Latest" },
        Overrides: [
          { InstanceType: "m5.large", SubnetId: "subnet-a", AvailabilityZone: "us-east-1a", Priority: 0.03 },
          { InstanceType: "m5.large", SubnetId: "subnet-b", AvailabilityZone: "us-east-1b", Priority: 0.031 },
        ],
      },
    ],
    TagSpecifications: ["instance", "volume", "fleet"].map((ResourceType) => ({
      ResourceType,
      Tags: [
        { Key: "a", Value: "1" },
        { Key: "b", Value: "2" },
      ],
    })),
  });
  const od = buildCreateFleetInput({ clientToken: "t", capacityType: "on-demand", launchTemplates: [], tags: {} });
  assert.deepEqual(od.OnDemandOptions, { AllocationStrategy: "lowest-price" });
  assert.equal(od.SpotOptions, undefined);
});

test("fleet errors: all insufficient capacity → InsufficientCapacityError with the offerings", () => {
  const errors = fleetErrors(
    [
      {
        ErrorCode: "InsufficientInstanceCapacity",
        ErrorMessage: "no capacity",
        Lifecycle: "spot",
        LaunchTemplateAndOverrides: { Overrides: { InstanceType: "m5.large", AvailabilityZone: "us-east-1a" } },
      },
      {
        ErrorCode: "MaxSpotInstanceCountExceeded",
        LaunchTemplateAndOverrides: { Overrides: { InstanceType: "m5.large", SubnetId: "subnet-b" } },
      },
      {
        ErrorCode: "InsufficientInstanceCapacity",
        Lifecycle: "spot",
        LaunchTemplateAndOverrides: { Overrides: { InstanceType: "m5.large", AvailabilityZone: "us-east-1a" } },
      },
    ],
    "spot",
    (subnet) => (subnet === "subnet-b" ? "us-east-1b" : undefined),
  );
  const err = classifyFleetErrors(errors, "claim x");
  assert.ok(err instanceof InsufficientCapacityError);
  assert.deepEqual(err.offerings, [
    { instanceType: "m5.large", zone: "us-east-1a", capacityType: "spot" },
    { instanceType: "m5.large", zone: "us-east-1b", capacityType: "spot" },
  ]);
  assert.match(err.message, /InsufficientInstanceCapacity \(spot\/m5.large\/us-east-1a\): no capacity/);
});

test("fleet errors: any non-capacity error decides the class", () => {
  const ice = {
    code: "InsufficientInstanceCapacity",
    message: "",
    instanceType: "m5.large",
    zone: "a",
    capacityType: "spot" as const,
  };
  const cases: [string, new (...a: never[]) => LaunchError][] = [
    ["UnauthorizedOperation", UnauthorizedError],
    ["AuthFailure.ServiceLinkedRoleCreationNotPermitted", UnauthorizedError],
    ["RequestLimitExceeded", ThrottledError],
    ["InvalidParameterValue", UnfulfillableLaunchError],
    ["InvalidLaunchTemplateName.NotFoundException", UnfulfillableLaunchError],
    ["InternalError", LaunchError],
  ];
  for (const [code, cls] of cases) {
    const err = classifyFleetErrors([ice, { code, message: "m" }], "ctx");
    assert.ok(err instanceof cls, `${code} → ${err.name}`);
    assert.ok(!(err instanceof InsufficientCapacityError) || cls === InsufficientCapacityError);
  }
  assert.equal(classifyFleetErrors([], "ctx").name, "LaunchError");
  assert.deepEqual(
    unavailableOfferingsOf([{ code: "InvalidParameterValue", message: "", instanceType: "x", zone: "z" }]),
    [],
  );
});

test("thrown errors: SDK service errors by code, network errors stay retryable LaunchErrors", () => {
  const sdk = (name: string) =>
    Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: 400 } });
  assert.ok(classifyThrownError(sdk("UnauthorizedOperation"), "x") instanceof UnauthorizedError);
  assert.ok(classifyThrownError(sdk("Throttling"), "x") instanceof ThrottledError);
  assert.ok(classifyThrownError(sdk("InvalidSubnetID.NotFound"), "x") instanceof UnfulfillableLaunchError);
  assert.ok(classifyThrownError(sdk("InsufficientInstanceCapacity"), "x") instanceof InsufficientCapacityError);
  const net = classifyThrownError(
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    "x",
  );
  assert.equal(net.constructor, LaunchError);
  assert.match(net.message, /ECONNREFUSED/);
  const already = new ThrottledError("t");
  assert.equal(classifyThrownError(already, "x"), already);
});

test("client tokens: the claim id first, a per-capacity-type token for the fallback, ≤ 64 characters", () => {
  assert.equal(clientTokenFor("default-abc", "spot", true), "default-abc");
  assert.equal(clientTokenFor("default-abc", "on-demand", false), "default-abc-on-demand");
  const long = "x".repeat(80);
  assert.equal(clientTokenFor(long, "spot", true).length, 64);
});

test("provider ids round-trip", () => {
  assert.deepEqual(parseProviderId("aws:///us-east-1a/i-0123456789abcdef0"), {
    zone: "us-east-1a",
    instanceId: "i-0123456789abcdef0",
  });
  assert.equal(parseProviderId("kind://docker/x"), undefined);
});

// Errors no server in the test setup produces: an IAM denial on a read, a socket timeout, and a non-AWS bug.
test("instance reads and terminations classify transport and permission failures (mocked SDK)", async () => {
  const ec2 = new EC2Client({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  });
  const mock = mockClient(ec2);
  const repo = new InstanceRepository(ec2, new ApiGate(new ManualClock()), "c");
  mock
    .on(DescribeInstancesCommand)
    .rejectsOnce(Object.assign(new Error("denied"), { name: "UnauthorizedOperation" }))
    .rejectsOnce(Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ETIMEDOUT" }))
    .resolves({ Reservations: [] });
  await assert.rejects(repo.list(), UnauthorizedError);
  await assert.rejects(repo.list(), (e: unknown) => e instanceof LaunchError && e.constructor === LaunchError);
  assert.deepEqual(await repo.list(), []);
  mock
    .on(TerminateInstancesCommand)
    .rejectsOnce(Object.assign(new Error("gone"), { name: "InvalidInstanceID.NotFound" }));
  await repo.terminate("i-1");
  mock.on(TerminateInstancesCommand).rejects(new TypeError("bug"));
  await assert.rejects(repo.terminate("i-1"), LaunchError);
  mock.restore();
});
