import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Ami,
  amiForInstanceType,
  amiParameters,
  effectiveAmiFamily,
  parseAmiAlias,
} from "../../lib/cloud/aws/amis.js";
import { termFilters } from "../../lib/cloud/aws/selectors.js";
import type { InstanceType } from "../../lib/scheduling/types.js";
import { nodeClass } from "./fixtures.js";

test("SSM public parameter paths per family, architecture and accelerator", () => {
  const al2023 = amiParameters("AL2023", "1.31").map((p) => p.path);
  assert.ok(
    al2023.includes("/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id"),
  );
  assert.ok(
    al2023.includes("/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/arm64/standard/recommended/image_id"),
  );
  assert.ok(
    al2023.includes("/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/nvidia/recommended/image_id"),
  );
  assert.ok(
    al2023.includes("/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/neuron/recommended/image_id"),
  );
  assert.deepEqual(
    amiParameters("AL2", "1.29").map((p) => p.path),
    [
      "/aws/service/eks/optimized-ami/1.29/amazon-linux-2/recommended/image_id",
      "/aws/service/eks/optimized-ami/1.29/amazon-linux-2-arm64/recommended/image_id",
      "/aws/service/eks/optimized-ami/1.29/amazon-linux-2-gpu/recommended/image_id",
    ],
  );
  const br = amiParameters("Bottlerocket", "1.31").map((p) => p.path);
  assert.ok(br.includes("/aws/service/bottlerocket/aws-k8s-1.31/x86_64/latest/image_id"));
  assert.ok(br.includes("/aws/service/bottlerocket/aws-k8s-1.31-nvidia/arm64/latest/image_id"));
  assert.ok(
    amiParameters("Bottlerocket", "1.31", "v1.20.3")
      .map((p) => p.path)
      .includes("/aws/service/bottlerocket/aws-k8s-1.31/arm64/1.20.3/image_id"),
  );
  assert.ok(
    amiParameters("AL2023", "1.31", "v20240807")
      .map((p) => p.path)
      .includes(
        "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.31-v20240807/image_id",
      ),
  );
  assert.deepEqual(
    amiParameters("Bottlerocket", "1.31", "latest", true).map((p) => p.path),
    [
      "/aws/service/bottlerocket/aws-k8s-1.31-fips/x86_64/latest/image_id",
      "/aws/service/bottlerocket/aws-k8s-1.31-fips/arm64/latest/image_id",
      "/aws/service/bottlerocket/aws-k8s-1.31-nvidia-fips/x86_64/latest/image_id",
      "/aws/service/bottlerocket/aws-k8s-1.31-nvidia-fips/arm64/latest/image_id",
    ],
  );
  assert.deepEqual(amiParameters("Custom", "1.31"), []);
});

test("aliases decide the family", () => {
  assert.deepEqual(parseAmiAlias("al2023@latest"), { family: "AL2023", version: "latest", fips: false });
  assert.deepEqual(parseAmiAlias("Bottlerocket@v1.20.3"), { family: "Bottlerocket", version: "v1.20.3", fips: false });
  assert.deepEqual(parseAmiAlias("bottlerocket-fips@latest"), {
    family: "Bottlerocket",
    version: "latest",
    fips: true,
  });
  assert.equal(parseAmiAlias("windows2022@latest"), undefined);
  assert.equal(
    effectiveAmiFamily(nodeClass("c", { amiFamily: "AL2", amiSelectorTerms: [{ alias: "bottlerocket@latest" }] })),
    "Bottlerocket",
  );
});

const it = (name: string, arch: string, capacity: Record<string, number> = {}): InstanceType =>
  ({ name, arch, os: "linux", labels: {}, capacity, overhead: {}, allocatable: {}, offerings: [] }) as InstanceType;

test("each type gets the newest AMI matching its architecture and accelerator", () => {
  const amis: Ami[] = [
    { id: "ami-new-x86", arch: "amd64", variant: "standard" },
    { id: "ami-arm", arch: "arm64", variant: "standard" },
    { id: "ami-gpu", arch: "amd64", variant: "nvidia" },
  ];
  assert.equal(amiForInstanceType(amis, it("m5.large", "amd64"))?.id, "ami-new-x86");
  assert.equal(amiForInstanceType(amis, it("m6g.large", "arm64"))?.id, "ami-arm");
  assert.equal(amiForInstanceType(amis, it("g4dn.xlarge", "amd64", { "nvidia.com/gpu": 1 }))?.id, "ami-gpu");
  assert.equal(
    amiForInstanceType(amis, it("inf1.xlarge", "amd64", { "aws.amazon.com/neuron": 1 }))?.id,
    "ami-new-x86",
    "no neuron AMI → the standard one of its architecture",
  );
  assert.equal(amiForInstanceType([amis[0]], it("m6g.large", "arm64")), undefined);
  assert.equal(
    amiForInstanceType(
      [{ id: "ami-any", arch: "arm64", variant: "any" }],
      it("g5g.xlarge", "arm64", { "nvidia.com/gpu": 1 }),
    )?.id,
    "ami-any",
  );
});

test("selector terms become EC2 filters (ANDed inside a term, * = tag exists)", () => {
  assert.deepEqual(termFilters({ tags: { b: "*", a: "x" }, id: "subnet-1" }, { id: "subnet-id" }), [
    { Name: "tag:a", Values: ["x"] },
    { Name: "tag-key", Values: ["b"] },
    { Name: "subnet-id", Values: ["subnet-1"] },
  ]);
  assert.deepEqual(termFilters({ name: "nodes" }, { id: "group-id", name: "group-name" }), [
    { Name: "group-name", Values: ["nodes"] },
  ]);
  assert.deepEqual(termFilters({ name: "private" }, { id: "subnet-id" }), [{ Name: "tag:Name", Values: ["private"] }]);
});
