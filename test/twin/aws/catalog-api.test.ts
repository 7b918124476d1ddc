import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  DescribeSpotPriceHistoryCommand,
  paginateDescribeInstanceTypeOfferings,
  paginateDescribeInstanceTypes,
  paginateDescribeSpotPriceHistory,
} from "@aws-sdk/client-ec2";
import { builtinInstanceTypeRecords, onDemandPriceTable } from "../../../lib/cloud/aws/builtin-catalog.js";
import { isCompleteRecord } from "../../../lib/scheduling/catalog/catalog-record.js";
import { ManualClock, type RunningAwsEmulator, startAwsEmulator } from "../../support/ec2-emulator.js";

const PRICED_TYPES = builtinInstanceTypeRecords().filter(
  (r) => isCompleteRecord(r) && (onDemandPriceTable("us-east-1").prices[r.name] ?? 0) > 0,
).length;

describe("AWS emulator: instance types, offerings, spot prices, zones", () => {
  let aws: RunningAwsEmulator;
  let clock: ManualClock;

  before(async () => {
    clock = new ManualClock();
    aws = await startAwsEmulator({
      clock,
      spotPrices: { stepMs: 600_000, volatility: 0.05 },
      offeringExclusions: [{ instanceType: "p5.*", zone: "us-east-1f" }],
    });
  });

  after(async () => {
    await aws.close();
  });

  it("describes every catalog type, 100 per page, with Karpenter's filters", async () => {
    let pages = 0;
    let count = 0;
    const arches = new Set<string>();
    for await (const page of paginateDescribeInstanceTypes(
      { client: aws.ec2 },
      {
        Filters: [
          { Name: "supported-virtualization-type", Values: ["hvm"] },
          { Name: "processor-info.supported-architecture", Values: ["x86_64", "arm64"] },
        ],
      },
    )) {
      pages += 1;
      assert.ok((page.InstanceTypes?.length ?? 0) <= 100);
      count += page.InstanceTypes?.length ?? 0;
      for (const t of page.InstanceTypes ?? [])
        for (const a of t.ProcessorInfo?.SupportedArchitectures ?? []) arches.add(a);
    }
    assert.equal(count, PRICED_TYPES);
    assert.equal(pages, Math.ceil(PRICED_TYPES / 100));
    assert.deepEqual([...arches].sort(), ["arm64", "x86_64"]);

    const arm = await aws.ec2.send(
      new DescribeInstanceTypesCommand({
        Filters: [
          { Name: "instance-type", Values: ["m6g.*"] },
          { Name: "processor-info.supported-architecture", Values: ["arm64"] },
        ],
      }),
    );
    assert.ok((arm.InstanceTypes?.length ?? 0) >= 7);
    assert.ok(arm.InstanceTypes?.every((t) => t.InstanceType?.startsWith("m6g.")));
  });

  it("fills in vCPU, memory, network cards, usage classes and GPUs from the catalog data", async () => {
    const out = await aws.ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: ["m5.large", "p4d.24xlarge", "c5.metal"] }),
    );
    const byName = new Map(out.InstanceTypes?.map((t) => [t.InstanceType, t]));
    const m5 = byName.get("m5.large");
    assert.equal(m5?.VCpuInfo?.DefaultVCpus, 2);
    assert.equal(m5?.MemoryInfo?.SizeInMiB, 8192);
    assert.equal(m5?.Hypervisor, "nitro");
    assert.equal(m5?.BareMetal, false);
    assert.deepEqual(m5?.SupportedUsageClasses, ["on-demand", "spot"]);
    assert.equal(m5?.NetworkInfo?.MaximumNetworkInterfaces, 3);
    assert.equal(m5?.NetworkInfo?.Ipv4AddressesPerInterface, 10);
    assert.equal(m5?.NetworkInfo?.DefaultNetworkCardIndex, 0);
    assert.deepEqual(
      m5?.NetworkInfo?.NetworkCards?.map((c) => c.MaximumNetworkInterfaces),
      [3],
    );
    const p4d = byName.get("p4d.24xlarge");
    assert.equal(p4d?.GpuInfo?.Gpus?.[0]?.Count, 8);
    assert.equal(p4d?.GpuInfo?.Gpus?.[0]?.Manufacturer, "NVIDIA");
    assert.equal(p4d?.NetworkInfo?.NetworkCards?.length, 4);
    assert.equal(p4d?.NetworkInfo?.NetworkCards?.[0]?.MaximumNetworkInterfaces, 15);
    assert.equal(p4d?.NetworkInfo?.EfaInfo?.MaximumEfaInterfaces, 4);
    const metal = byName.get("c5.metal");
    assert.equal(metal?.BareMetal, true);
    assert.equal(metal?.Hypervisor, undefined);

    await assert.rejects(
      aws.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["m5.huge" as "m5.large"] })),
      (err: Error) => err.name === "InvalidInstanceType",
    );
  });

  it("lists zone offerings, 1000 per page, honouring exclusions", async () => {
    let total = 0;
    let pages = 0;
    for await (const page of paginateDescribeInstanceTypeOfferings(
      { client: aws.ec2 },
      { LocationType: "availability-zone" },
    )) {
      pages += 1;
      total += page.InstanceTypeOfferings?.length ?? 0;
    }
    const p5 = await aws.ec2.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: "availability-zone",
        Filters: [{ Name: "instance-type", Values: ["p5.48xlarge"] }],
      }),
    );
    const zones = p5.InstanceTypeOfferings?.map((o) => o.Location).sort();
    assert.deepEqual(zones, ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e"]);
    const p5Types = builtinInstanceTypeRecords().filter(
      (r) => r.family === "p5" && isCompleteRecord(r) && onDemandPriceTable("us-east-1").prices[r.name],
    ).length;
    assert.equal(total, PRICED_TYPES * 6 - p5Types);
    assert.equal(pages, Math.ceil(total / 1000));
    const ids = await aws.ec2.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: "availability-zone-id",
        Filters: [{ Name: "instance-type", Values: ["m5.large"] }],
      }),
    );
    assert.deepEqual(
      ids.InstanceTypeOfferings?.map((o) => o.Location),
      ["use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6"],
    );
  });

  it("prices spot per type and zone, moves prices over time and keeps history", async () => {
    const now = await aws.ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: ["m5.large"],
        ProductDescriptions: ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"],
        StartTime: new Date(clock.now()),
      }),
    );
    assert.equal(now.SpotPriceHistory?.length, 6);
    const od = aws.emulator.onDemandPrice("m5.large") as number;
    for (const p of now.SpotPriceHistory ?? []) {
      assert.equal(p.ProductDescription, "Linux/UNIX");
      const price = Number(p.SpotPrice);
      assert.ok(price >= od * 0.25 && price <= od * 0.45, `${price} is a plausible spot discount`);
    }
    const before = Number(now.SpotPriceHistory?.find((p) => p.AvailabilityZone === "us-east-1a")?.SpotPrice);

    clock.advance(3 * 600_000);
    const later = await aws.ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: ["m5.large"],
        AvailabilityZone: "us-east-1a",
        StartTime: new Date(clock.now()),
      }),
    );
    assert.equal(later.SpotPriceHistory?.length, 1);
    assert.notEqual(Number(later.SpotPriceHistory?.[0]?.SpotPrice), before, "the random walk moved the price");
    assert.equal(Number(later.SpotPriceHistory?.[0]?.SpotPrice), aws.emulator.spotPrice("m5.large", "us-east-1a"));

    const history = await aws.ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: ["m5.large"],
        AvailabilityZone: "us-east-1a",
        StartTime: new Date(clock.now() - 3 * 600_000),
      }),
    );
    assert.equal(history.SpotPriceHistory?.length, 4, "initial price and three steps");
    const times = history.SpotPriceHistory?.map((p) => p.Timestamp?.getTime() ?? 0) ?? [];
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      "newest first",
    );

    const vpcOnly = await aws.ec2.send(
      new DescribeSpotPriceHistoryCommand({ ProductDescriptions: ["Linux/UNIX (Amazon VPC)"] }),
    );
    assert.equal(vpcOnly.SpotPriceHistory?.length, 0);

    let rows = 0;
    for await (const page of paginateDescribeSpotPriceHistory(
      { client: aws.ec2, pageSize: 1000 },
      {
        Filters: [
          { Name: "instance-type", Values: ["m5.*", "c5.*"] },
          { Name: "product-description", Values: ["Linux/UNIX"] },
        ],
      },
    )) {
      rows += page.SpotPriceHistory?.length ?? 0;
    }
    const families = builtinInstanceTypeRecords().filter(
      (r) => (r.family === "m5" || r.family === "c5") && isCompleteRecord(r),
    ).length;
    assert.equal(rows, families * 6);
  });

  it("describes the region's zones", async () => {
    const out = await aws.ec2.send(new DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(
      out.AvailabilityZones?.map((z) => `${z.ZoneName}=${z.ZoneId}`),
      [
        "us-east-1a=use1-az1",
        "us-east-1b=use1-az2",
        "us-east-1c=use1-az3",
        "us-east-1d=use1-az4",
        "us-east-1e=use1-az5",
        "us-east-1f=use1-az6",
      ],
    );
    assert.equal(out.AvailabilityZones?.[0]?.State, "available");
  });
});
