import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeClusterCommand, ListClustersCommand } from "@aws-sdk/client-eks";
import { type Filter, GetProductsCommand, paginateGetProducts } from "@aws-sdk/client-pricing";
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
  paginateGetParametersByPath,
} from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { ManualClock, type RunningAwsEmulator, startAwsEmulator } from "../../support/ec2-emulator.js";

/** How the adapter reads an on-demand price from a price-list entry. */
function onDemandUsd(entry: unknown): { type: string; usd: number } {
  const doc = JSON.parse(String(entry)) as {
    product: { attributes: { instanceType: string } };
    terms: { OnDemand: Record<string, { priceDimensions: Record<string, { pricePerUnit: { USD: string } }> }> };
  };
  const offer = Object.values(doc.terms.OnDemand)[0];
  const dimension = Object.values(offer?.priceDimensions ?? {})[0];
  return { type: doc.product.attributes.instanceType, usd: Number(dimension?.pricePerUnit.USD) };
}

describe("AWS emulator: SSM, Pricing, EKS, STS", () => {
  let aws: RunningAwsEmulator;
  let clock: ManualClock;

  before(async () => {
    clock = new ManualClock();
    aws = await startAwsEmulator({
      clock,
      clusterName: "demo",
      kubernetesVersions: ["1.30", "1.31"],
      eksCluster: { endpoint: "https://127.0.0.1:9443", authenticationMode: "API", version: "1.31" },
    });
  });

  after(async () => {
    await aws.close();
  });

  it("serves the EKS-optimised AMI public parameters for every family", async () => {
    const names = [
      "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id",
      "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/arm64/standard/recommended/image_id",
      "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/nvidia/recommended/image_id",
      "/aws/service/eks/optimized-ami/1.31/amazon-linux-2/recommended/image_id",
      "/aws/service/eks/optimized-ami/1.31/amazon-linux-2-arm64/recommended/image_id",
      "/aws/service/eks/optimized-ami/1.31/amazon-linux-2-gpu/recommended/image_id",
      "/aws/service/bottlerocket/aws-k8s-1.31/x86_64/latest/image_id",
      "/aws/service/bottlerocket/aws-k8s-1.31/arm64/latest/image_id",
      "/aws/service/bottlerocket/aws-k8s-1.31-nvidia/x86_64/latest/image_id",
    ];
    const out = await aws.ssm.send(
      new GetParametersCommand({
        Names: [...names, "/aws/service/eks/optimized-ami/1.99/amazon-linux-2/recommended/image_id"],
      }),
    );
    assert.equal(out.Parameters?.length, 9);
    assert.deepEqual(out.InvalidParameters, [
      "/aws/service/eks/optimized-ami/1.99/amazon-linux-2/recommended/image_id",
    ]);
    const ids = new Set(out.Parameters?.map((p) => p.Value));
    assert.equal(ids.size, 9);
    for (const p of out.Parameters ?? []) {
      assert.match(p.Value ?? "", /^ami-[0-9a-f]{17}$/);
      assert.equal(p.DataType, "aws:ec2:image");
    }

    const al2023 = await aws.ssm.send(
      new GetParametersByPathCommand({
        Path: "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023",
        Recursive: true,
      }),
    );
    assert.equal(al2023.Parameters?.length, 10, "at most 10 per page");
    let all = 0;
    for await (const page of paginateGetParametersByPath(
      { client: aws.ssm },
      { Path: "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023", Recursive: true },
    )) {
      all += page.Parameters?.length ?? 0;
    }
    assert.equal(all, 10, "5 variants × (recommended + pinned release)");

    const before = aws.emulator.getParameter(names[0] as string);
    const released = aws.emulator.releaseAmis(["1.31"]);
    assert.notEqual(released[names[0] as string], before);
    const now = await aws.ssm.send(new GetParameterCommand({ Name: names[0] }));
    assert.equal(now.Parameter?.Value, released[names[0] as string]);
    assert.equal(now.Parameter?.Version, 2);
    const pinned = await aws.ssm.send(new GetParameterCommand({ Name: `${names[0]}:1` }));
    assert.equal(pinned.Parameter?.Value, before);
  });

  it("puts, reads by path and deletes parameters", async () => {
    await aws.ssm.send(
      new PutParameterCommand({
        Name: "/stevedore/demo/provisioners/default",
        Value: "kind: Provisioner",
        Type: "String",
      }),
    );
    await aws.ssm.send(
      new PutParameterCommand({
        Name: "/stevedore/demo/provisioners/gpu",
        Value: "kind: Provisioner\n",
        Type: "String",
      }),
    );
    await aws.ssm.send(
      new PutParameterCommand({
        Name: "/stevedore/demo/templates/default",
        Value: "kind: AWSNodeTemplate",
        Type: "String",
      }),
    );
    await assert.rejects(
      aws.ssm.send(
        new PutParameterCommand({ Name: "/stevedore/demo/provisioners/default", Value: "x", Type: "String" }),
      ),
      (err: Error) => err.name === "ParameterAlreadyExists",
    );
    const v2 = await aws.ssm.send(
      new PutParameterCommand({
        Name: "/stevedore/demo/provisioners/default",
        Value: "kind: Provisioner # v2",
        Overwrite: true,
      }),
    );
    assert.equal(v2.Version, 2);

    const shallow = await aws.ssm.send(new GetParametersByPathCommand({ Path: "/stevedore/demo" }));
    assert.deepEqual(shallow.Parameters, []);
    const deep = await aws.ssm.send(new GetParametersByPathCommand({ Path: "/stevedore/demo", Recursive: true }));
    assert.deepEqual(
      deep.Parameters?.map((p) => p.Name),
      ["/stevedore/demo/provisioners/default", "/stevedore/demo/provisioners/gpu", "/stevedore/demo/templates/default"],
    );
    const oneLevel = await aws.ssm.send(new GetParametersByPathCommand({ Path: "/stevedore/demo/provisioners/" }));
    assert.equal(oneLevel.Parameters?.length, 2);
    assert.equal(oneLevel.Parameters?.[0]?.Value, "kind: Provisioner # v2");

    await assert.rejects(
      aws.ssm.send(new PutParameterCommand({ Name: "/big", Value: "x".repeat(4097), Type: "String" })),
      (err: Error) => err.name === "ValidationException",
    );
    await aws.ssm.send(new DeleteParameterCommand({ Name: "/stevedore/demo/provisioners/gpu" }));
    await assert.rejects(
      aws.ssm.send(new GetParameterCommand({ Name: "/stevedore/demo/provisioners/gpu" })),
      (err: Error) => {
        assert.equal(err.name, "ParameterNotFound");
        return true;
      },
    );
  });

  it("returns price-list JSON for on-demand Linux shared tenancy, honouring the adapter's filters", async () => {
    const filters: Filter[] = [
      { Type: "TERM_MATCH", Field: "regionCode", Value: "us-east-1" },
      { Type: "TERM_MATCH", Field: "operatingSystem", Value: "Linux" },
      { Type: "TERM_MATCH", Field: "preInstalledSw", Value: "NA" },
      { Type: "TERM_MATCH", Field: "capacitystatus", Value: "Used" },
      { Type: "TERM_MATCH", Field: "marketoption", Value: "OnDemand" },
      { Type: "TERM_MATCH", Field: "tenancy", Value: "Shared" },
      { Type: "TERM_MATCH", Field: "productFamily", Value: "Compute Instance" },
    ];
    const one = await aws.pricing.send(
      new GetProductsCommand({
        ServiceCode: "AmazonEC2",
        Filters: [...filters, { Type: "TERM_MATCH", Field: "instanceType", Value: "m5.large" }],
      }),
    );
    assert.equal(one.PriceList?.length, 1);
    assert.deepEqual(onDemandUsd(one.PriceList?.[0]), {
      type: "m5.large",
      usd: aws.emulator.onDemandPrice("m5.large"),
    });

    const prices = new Map<string, number>();
    let pages = 0;
    for await (const page of paginateGetProducts(
      { client: aws.pricing },
      { ServiceCode: "AmazonEC2", Filters: filters },
    )) {
      pages += 1;
      assert.ok((page.PriceList?.length ?? 0) <= 100);
      for (const entry of page.PriceList ?? []) {
        const { type, usd } = onDemandUsd(entry);
        assert.ok(!prices.has(type), `one Linux/Shared/Used product per type (${type})`);
        prices.set(type, usd);
      }
    }
    assert.ok(pages > 10);
    assert.equal(prices.get("c5.xlarge"), aws.emulator.onDemandPrice("c5.xlarge"));
    assert.equal(prices.has("c5.metal"), false, "bare metal is priced under Dedicated / Compute Instance (bare metal)");

    const unfiltered = await aws.pricing.send(
      new GetProductsCommand({
        ServiceCode: "AmazonEC2",
        Filters: [{ Type: "TERM_MATCH", Field: "instanceType", Value: "m5.large" }],
      }),
    );
    assert.equal(
      unfiltered.PriceList?.length,
      5,
      "without filters other operating systems, tenancies and capacity statuses appear",
    );
    const metal = await aws.pricing.send(
      new GetProductsCommand({
        ServiceCode: "AmazonEC2",
        Filters: [
          { Type: "TERM_MATCH", Field: "tenancy", Value: "Dedicated" },
          { Type: "TERM_MATCH", Field: "productFamily", Value: "Compute Instance (bare metal)" },
          { Type: "TERM_MATCH", Field: "capacitystatus", Value: "Used" },
          { Type: "TERM_MATCH", Field: "operatingSystem", Value: "Linux" },
          { Type: "TERM_MATCH", Field: "instanceType", Value: "c5.metal" },
        ],
      }),
    );
    assert.equal(onDemandUsd(metal.PriceList?.[0]).usd, aws.emulator.onDemandPrice("c5.metal"));
  });

  it("describes the EKS cluster with a configurable endpoint and authentication mode", async () => {
    const out = await aws.eks.send(new DescribeClusterCommand({ name: "demo" }));
    assert.equal(out.cluster?.endpoint, "https://127.0.0.1:9443");
    assert.equal(out.cluster?.accessConfig?.authenticationMode, "API");
    assert.equal(out.cluster?.version, "1.31");
    assert.equal(out.cluster?.kubernetesNetworkConfig?.serviceIpv4Cidr, "172.20.0.0/16");
    assert.match(Buffer.from(out.cluster?.certificateAuthority?.data ?? "", "base64").toString(), /BEGIN CERTIFICATE/);
    assert.equal(out.cluster?.createdAt?.getTime(), clock.now());
    aws.emulator.setEksCluster({ endpoint: "https://127.0.0.1:1234" });
    const changed = await aws.eks.send(new DescribeClusterCommand({ name: "demo" }));
    assert.equal(changed.cluster?.endpoint, "https://127.0.0.1:1234");
    assert.deepEqual((await aws.eks.send(new ListClustersCommand({}))).clusters, ["demo"]);
    await assert.rejects(
      aws.eks.send(new DescribeClusterCommand({ name: "other" })),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, "ResourceNotFoundException");
        assert.equal(err.$metadata?.httpStatusCode, 404);
        return true;
      },
    );
  });

  it("answers STS GetCallerIdentity", async () => {
    const out = await aws.sts.send(new GetCallerIdentityCommand({}));
    assert.equal(out.Account, "123456789012");
    assert.match(out.Arn ?? "", /^arn:aws:sts::123456789012:/);
  });
});
