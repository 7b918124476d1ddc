import assert from "node:assert/strict";
import { test } from "node:test";
import type { InstanceTypeInfo } from "@aws-sdk/client-ec2";
import { builtinInstanceTypeRecords } from "../../lib/cloud/aws/builtin-catalog.js";
import { pricingRegionFor } from "../../lib/cloud/aws/clients.js";
import { recordFromInstanceTypeInfo } from "../../lib/cloud/aws/instance-types.js";
import { onDemandFilters, parsePriceListItem } from "../../lib/cloud/aws/pricing.js";
import { computeResources } from "../../lib/scheduling/catalog/allocatable.js";
import type { CompleteInstanceTypeRecord } from "../../lib/scheduling/catalog/catalog-record.js";

const g4dn: InstanceTypeInfo = {
  InstanceType: "g4dn.xlarge",
  SupportedUsageClasses: ["on-demand", "spot"],
  BareMetal: false,
  Hypervisor: "nitro",
  ProcessorInfo: { SupportedArchitectures: ["x86_64"], Manufacturer: "Intel" },
  VCpuInfo: { DefaultVCpus: 4 },
  MemoryInfo: { SizeInMiB: 16384 },
  GpuInfo: { Gpus: [{ Name: "T4", Manufacturer: "NVIDIA", Count: 1, MemoryInfo: { SizeInMiB: 16384 } }] },
  NetworkInfo: {
    MaximumNetworkInterfaces: 3,
    Ipv4AddressesPerInterface: 10,
    MaximumNetworkCards: 1,
    DefaultNetworkCardIndex: 0,
    NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: 3 }],
    EfaInfo: undefined,
  },
  EbsInfo: { EbsOptimizedSupport: "default", EbsOptimizedInfo: { MaximumBandwidthInMbps: 3500 } },
  InstanceStorageInfo: { TotalSizeInGB: 125, NvmeSupport: "required" },
};

test("a DescribeInstanceTypes entry becomes a record with the facts allocatable and labels need", () => {
  const base = builtinInstanceTypeRecords().find((r) => r.name === "g4dn.xlarge");
  const rec = recordFromInstanceTypeInfo(g4dn, base);
  assert.equal(rec.arch, "amd64");
  assert.equal(rec.vcpu, 4);
  assert.equal(rec.memoryMiB, 16384);
  assert.equal(rec.cpuManufacturer, "intel");
  assert.equal(rec.gpuName, "t4");
  assert.equal(rec.gpuManufacturer, "nvidia");
  assert.equal(rec.gpuCount, 1);
  assert.equal(rec.defaultCardNetworkInterfaces, 3);
  assert.equal(rec.ipv4PerEni, 10);
  assert.equal(rec.ebsBandwidthMbps, 3500);
  assert.equal(rec.localNvmeGB, 125);
  assert.equal(rec.category, "g");
  assert.equal(rec.generation, 4);
  assert.equal(rec.networkBandwidthMbps, base?.networkBandwidthMbps, "bandwidth comes from the bundled table");
  const res = computeResources(rec as CompleteInstanceTypeRecord);
  assert.equal(res.capacity.pods, 29);
  assert.equal(res.capacity["nvidia.com/gpu"], 1);
  const withoutBase = recordFromInstanceTypeInfo({
    ...g4dn,
    InstanceType: "zz9.large" as InstanceTypeInfo["InstanceType"],
  });
  assert.equal(withoutBase.family, "zz9");
  assert.equal(withoutBase.size, "large");
});

test("discovered records reproduce Karpenter's allocatable for m5.large", () => {
  const m5: InstanceTypeInfo = {
    InstanceType: "m5.large",
    ProcessorInfo: { SupportedArchitectures: ["x86_64"], Manufacturer: "Intel" },
    VCpuInfo: { DefaultVCpus: 2 },
    MemoryInfo: { SizeInMiB: 8192 },
    NetworkInfo: {
      MaximumNetworkInterfaces: 3,
      Ipv4AddressesPerInterface: 10,
      NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: 3 }],
    },
  };
  const rec = recordFromInstanceTypeInfo(m5) as CompleteInstanceTypeRecord;
  const res = computeResources(rec);
  assert.equal(res.allocatable.cpu, 1930);
  assert.equal(res.allocatable.memory, 6903 * 2 ** 20);
  assert.equal(res.capacity.pods, 29);
});

test("Price List documents: the on-demand USD price of the instance type", () => {
  const doc = JSON.stringify({
    product: { attributes: { instanceType: "m5.large", regionCode: "us-east-1" } },
    terms: {
      OnDemand: {
        "X.JRTCKXETXF": { priceDimensions: { "X.JRTCKXETXF.6YS6EN2CT7": { pricePerUnit: { USD: "0.0960000000" } } } },
      },
    },
  });
  assert.deepEqual(parsePriceListItem(doc), { instanceType: "m5.large", price: 0.096 });
  const zero = doc.replace("0.0960000000", "0.0000000000");
  assert.equal(parsePriceListItem(zero), undefined, "a zero price is skipped");
  assert.equal(parsePriceListItem("{"), undefined);
  assert.deepEqual(
    onDemandFilters("eu-west-1", "Dedicated").map((f) => `${f.Field}=${f.Value}`),
    [
      "regionCode=eu-west-1",
      "preInstalledSw=NA",
      "operatingSystem=Linux",
      "capacitystatus=Used",
      "marketoption=OnDemand",
      "tenancy=Dedicated",
      "productFamily=Compute Instance (bare metal)",
    ],
  );
});

test("the Pricing endpoint region follows Karpenter's prefix rule", () => {
  assert.equal(pricingRegionFor("us-west-2"), "us-east-1");
  assert.equal(pricingRegionFor("eu-west-1"), "eu-central-1");
  assert.equal(pricingRegionFor("ap-southeast-2"), "ap-south-1");
  assert.equal(pricingRegionFor("cn-north-1"), "cn-northwest-1");
});
