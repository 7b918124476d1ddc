/**
 * AwsCloudProvider against the AWS emulator (real SDK clients over HTTP): discovery and prices, CreateFleet request
 * shape and results, the spot → on-demand fallback, the ICE cache, error classification, idempotency, drift and
 * launch-template garbage collection.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { AwsCloudProvider } from "../../lib/cloud/aws/aws-cloud-provider.js";
import { clusterDnsIp, loadClusterFacts } from "../../lib/cloud/aws/eks-cluster.js";
import { parseNodeRegistration } from "../../lib/cloud/aws/node-registration.js";
import { InMemoryUnavailableOfferings } from "../../lib/cloud/aws/unavailable-offerings.js";
import {
  InsufficientCapacityError,
  type LaunchRequest,
  ThrottledError,
  UnauthorizedError,
  UnfulfillableLaunchError,
} from "../../lib/cloud/provider.js";
import type { InstanceType } from "../../lib/scheduling/types.js";
import { type RunningAwsEmulator, startAwsEmulator } from "../support/ec2-emulator.js";
import { ManualClock, nodeClass, nodePool } from "./fixtures.js";

const CLUSTER = "twin";
const TYPES = ["m5.large", "m5.xlarge", "m6i.large", "c6g.large", "c5.large", "t3.large", "g4dn.xlarge"];

let aws: RunningAwsEmulator;
let clock: ManualClock;

before(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  aws = await startAwsEmulator({
    clusterName: CLUSTER,
    clock,
    instanceTypes: TYPES,
    zones: ["us-east-1a", "us-east-1b", "us-east-1c"],
  });
});

after(async () => {
  await aws?.close();
});

beforeEach(() => {
  aws.emulator.clearIce();
  aws.emulator.resetCallCounts();
});

function provider(over: { unavailable?: InMemoryUnavailableOfferings } = {}): AwsCloudProvider {
  return new AwsCloudProvider({
    ec2: aws.ec2,
    ssm: aws.ssm,
    pricing: aws.pricing,
    region: "us-east-1",
    clusterName: CLUSTER,
    cluster: () => loadClusterFacts(aws.eks, CLUSTER),
    clock,
    gate: { random: () => 0 },
    unavailableOfferings: over.unavailable,
  });
}

async function request(
  p: AwsCloudProvider,
  claimId: string,
  over: Partial<LaunchRequest> = {},
): Promise<LaunchRequest> {
  const pool = nodePool({ labels: { team: "a" } });
  const cls = nodeClass(CLUSTER);
  const names = new Set(["m5.large", "m6i.large", "c5.large"]);
  const types = (await p.getInstanceTypes(pool, cls)).filter((t) => names.has(t.name));
  return {
    claimId,
    pool,
    nodeClass: cls,
    instanceTypes: types,
    capacityTypes: ["spot", "on-demand"],
    zones: ["us-east-1a", "us-east-1b", "us-east-1c"],
    labels: { team: "a", "karpenter.sh/nodepool": "default" },
    taints: [],
    startupTaints: [],
    ...over,
  };
}

function cheapest(t: InstanceType, ct: string): number {
  return Math.min(...t.offerings.filter((o) => o.capacityType === ct).map((o) => o.price));
}

describe("discovery", () => {
  test("cluster facts come from eks:DescribeCluster", async () => {
    const facts = await loadClusterFacts(aws.eks, CLUSTER);
    assert.equal(facts.kubernetesVersion, "1.31");
    assert.equal(facts.serviceCidr, "172.20.0.0/16");
    assert.deepEqual(facts.clusterDNS, ["172.20.0.10"]);
    assert.equal(clusterDnsIp("10.100.0.0/16"), "10.100.0.10");
    assert.equal(clusterDnsIp("fd00::/108"), undefined);
  });

  test("instance types carry live prices, the class's zones and AMI compatibility", async () => {
    const types = await provider().getInstanceTypes(nodePool(), nodeClass(CLUSTER));
    const names = types.map((t) => t.name).sort();
    assert.deepEqual(names, [...TYPES].sort(), "GPU types stay: AL2023 publishes an nvidia AMI");
    const m5 = types.find((t) => t.name === "m5.large")!;
    assert.deepEqual([...new Set(m5.offerings.map((o) => o.zone))].sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
    for (const o of m5.offerings) {
      const want =
        o.capacityType === "spot" ? aws.emulator.spotPrice("m5.large", o.zone) : aws.emulator.onDemandPrice("m5.large");
      assert.equal(o.price, want, `${o.capacityType} ${o.zone}`);
    }
    assert.equal(m5.allocatable.cpu, 1930);
    const gpu = types.find((t) => t.name === "g4dn.xlarge")!;
    assert.equal(gpu.capacity["nvidia.com/gpu"], 1);
    assert.equal(gpu.labels["karpenter.k8s.aws/instance-gpu-manufacturer"], "nvidia");
    const subnetOnlyA = nodeClass(CLUSTER, {
      subnetSelectorTerms: [{ tags: { Name: `${CLUSTER}-private-us-east-1a` } }],
    });
    const zoned = await provider().getInstanceTypes(nodePool(), subnetOnlyA);
    assert.ok(zoned.every((t) => t.offerings.every((o) => o.zone === "us-east-1a")));
  });

  test("a family without an arm64 AMI drops arm64 types", async () => {
    const onlyX86 = nodeClass(CLUSTER, {
      amiFamily: "Custom",
      amiSelectorTerms: [
        { ssmParameter: "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id" },
      ],
    });
    const types = await provider().getInstanceTypes(nodePool(), onlyX86);
    assert.ok(types.length > 0);
    assert.ok(types.every((t) => t.arch === "amd64"));
  });

  test("when discovery and price calls fail, the built-in catalog and prices stand in", async () => {
    aws.emulator.failNext("DescribeInstanceTypes", "InternalError", 1);
    aws.emulator.failNext("DescribeSpotPriceHistory", "InternalError", 1);
    aws.emulator.failNext("pricing:GetProducts", "ServiceUnavailableException", 2);
    const p = provider();
    const types = await p.getInstanceTypes(nodePool(), nodeClass(CLUSTER));
    const m5 = types.find((t) => t.name === "m5.large")!;
    assert.ok(m5, "built-in records, still filtered by the zones EC2 offers them in");
    assert.equal(m5.allocatable.cpu, 1930);
    const od = m5.offerings.find((o) => o.capacityType === "on-demand")!.price;
    assert.equal(od, 0.096, "bundled us-east-1 on-demand price");
    assert.ok(
      m5.offerings.filter((o) => o.capacityType === "spot").every((o) => o.price === 0.0336),
      "on-demand × 0.35",
    );
    assert.equal(p.pricing.hasLiveSpotPrices, false);
    clock.advance(5 * 60_000);
    await p.getInstanceTypes(nodePool(), nodeClass(CLUSTER));
    assert.equal(p.pricing.hasLiveSpotPrices, true, "a failed refresh is retried after 5 minutes");
  });
});

describe("create", () => {
  test("launches the cheapest spot offering, with user data and tags", async () => {
    const p = provider();
    const req = await request(p, "default-aaaa0001");
    const inst = await p.create(req);
    const snap = aws.emulator.instance(inst.instanceId)!;
    assert.equal(snap.capacityType, "spot");
    assert.equal(inst.capacityType, "spot");
    const best = Math.min(...req.instanceTypes.map((t) => cheapest(t, "spot")));
    assert.equal(snap.pricePerHour, best, "price-capacity-optimized picked the cheapest pool here");
    assert.equal(inst.pricePerHour, best);
    assert.equal(inst.zone, snap.zone);
    assert.equal(inst.instanceType, snap.instanceType);
    assert.equal(snap.tags["stevedore.dev/claim"], "default-aaaa0001");
    assert.equal(snap.tags["karpenter.sh/nodepool"], "default");
    assert.equal(snap.tags["karpenter.k8s.aws/ec2nodeclass"], "default");
    assert.equal(snap.tags[`kubernetes.io/cluster/${CLUSTER}`], "owned");
    const reg = parseNodeRegistration("AL2023", Buffer.from(snap.userData ?? "", "base64").toString("utf8"));
    assert.equal(reg.clusterName, CLUSTER);
    assert.equal(reg.labels.team, "a");
    assert.equal(reg.labels["karpenter.sh/capacity-type"], "spot");
    assert.equal(reg.maxPods, 29);
    assert.ok(snap.securityGroupIds.length > 0);
    assert.equal(await p.isDrifted((await p.get(inst.instanceId))!, req.nodeClass), undefined);
  });

  test("at most 60 instance types, the cheapest first, one override per type × zone", async () => {
    const big = await startAwsEmulator({
      clusterName: CLUSTER,
      clock,
      instanceTypes: ["m5.*", "m6i.*", "c5.*", "c6i.*", "r5.*", "r6i.*", "m7i.*", "c7i.*"],
    });
    const sent: Record<string, unknown>[] = [];
    big.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "CreateFleetCommand") sent.push(args.input as Record<string, unknown>);
        return next(args);
      },
      { step: "initialize", name: "captureFleet" },
    );
    try {
      const p = new AwsCloudProvider({
        ...big,
        region: "us-east-1",
        clusterName: CLUSTER,
        cluster: () => loadClusterFacts(big.eks, CLUSTER),
        clock,
      });
      const pool = nodePool();
      const cls = nodeClass(CLUSTER);
      const types = await p.getInstanceTypes(pool, cls);
      assert.ok(types.length > 60, `${types.length} types`);
      const zones = ["us-east-1a", "us-east-1b"];
      await p.create({
        claimId: "big-0001",
        pool,
        nodeClass: cls,
        instanceTypes: types,
        capacityTypes: ["on-demand"],
        zones,
        labels: {},
        taints: [],
        startupTaints: [],
      });
      const input = sent[0] as {
        LaunchTemplateConfigs: { Overrides: { InstanceType: string; AvailabilityZone: string; Priority: number }[] }[];
      };
      const overrides = input.LaunchTemplateConfigs.flatMap((c) => c.Overrides);
      const sentTypes = [...new Set(overrides.map((o) => o.InstanceType))];
      assert.equal(sentTypes.length, 60);
      assert.equal(overrides.length, 120);
      const byPrice = [...types].sort(
        (a, b) => cheapest(a, "on-demand") - cheapest(b, "on-demand") || a.name.localeCompare(b.name),
      );
      assert.deepEqual(new Set(sentTypes), new Set(byPrice.slice(0, 60).map((t) => t.name)));
      assert.ok(
        overrides.every((o) => o.Priority === cheapest(types.find((t) => t.name === o.InstanceType)!, "on-demand")),
      );
    } finally {
      await big.close();
    }
  });

  test("a v1alpha5 pool is tagged karpenter.sh/provisioner-name", async () => {
    const p = provider();
    const req = await request(p, "legacy-0001");
    const pool = nodePool({ name: "legacy", flavor: "v1alpha5" });
    const inst = await p.create({ ...req, pool, nodeClass: { ...req.nodeClass, flavor: "v1alpha5" } });
    const tags = aws.emulator.instance(inst.instanceId)!.tags;
    assert.equal(tags["karpenter.sh/provisioner-name"], "legacy");
    assert.equal(tags["karpenter.sh/nodepool"], undefined);
    assert.equal(tags.Name, "legacy/legacy-0001");
  });

  test("a NodeClass without an instance profile and no stack default is refused before any EC2 call", async () => {
    const p = provider();
    const req = await request(p, "noprofile-0001");
    const { instanceProfile: _, ...withoutProfile } = req.nodeClass;
    aws.emulator.resetCallCounts();
    await assert.rejects(
      p.create({ ...req, nodeClass: withoutProfile }),
      (err: Error) =>
        err instanceof UnfulfillableLaunchError && /NodeClass default .*STEVEDORE_INSTANCE_PROFILE/.test(err.message),
    );
    assert.equal(aws.emulator.callCounts().CreateFleet ?? 0, 0);
  });

  test("a retried create adopts the instance of the first attempt (no second CreateFleet)", async () => {
    const p = provider();
    const req = await request(p, "default-aaaa0002");
    const first = await p.create(req);
    const second = await provider().create(req);
    assert.equal(second.instanceId, first.instanceId);
    assert.equal(aws.emulator.callCounts()["ec2:CreateFleet"], 1);
  });

  test("spot ICE everywhere: offerings marked for 3 minutes, then on-demand in the same call", async () => {
    const unavailable = new InMemoryUnavailableOfferings();
    const p = provider({ unavailable });
    const req = await request(p, "default-aaaa0003");
    for (const t of req.instanceTypes) aws.emulator.injectIce(t.name, undefined, "spot", clock.now() + 600_000);
    const inst = await p.create(req);
    assert.equal(inst.capacityType, "on-demand");
    assert.equal(aws.emulator.instance(inst.instanceId)!.capacityType, "on-demand");
    for (const t of req.instanceTypes) {
      for (const z of req.zones) assert.ok(unavailable.isUnavailable(t.name, z, "spot", clock.now()), `${t.name} ${z}`);
    }
    const types = await p.getInstanceTypes(req.pool, req.nodeClass);
    const m5 = types.find((t) => t.name === "m5.large")!;
    assert.ok(m5.offerings.filter((o) => o.capacityType === "spot").every((o) => !o.available));
    assert.ok(m5.offerings.filter((o) => o.capacityType === "on-demand").every((o) => o.available));
    clock.advance(3 * 60_000);
    const later = await p.getInstanceTypes(req.pool, req.nodeClass);
    assert.ok(
      later.find((t) => t.name === "m5.large")!.offerings.every((o) => o.available),
      "3-minute TTL",
    );
  });

  test("offerings in the ICE cache are left out of the overrides", async () => {
    const unavailable = new InMemoryUnavailableOfferings();
    const p = provider({ unavailable });
    const req = await request(p, "default-aaaa0004", { capacityTypes: ["spot"] });
    for (const t of req.instanceTypes) {
      for (const z of ["us-east-1a", "us-east-1b"])
        unavailable.mark({ instanceType: t.name, zone: z, capacityType: "spot" }, "test", clock.now());
    }
    const inst = await p.create(req);
    assert.equal(inst.zone, "us-east-1c");
  });

  test("ICE for every allowed offering: InsufficientCapacityError naming them", async () => {
    const p = provider();
    const req = await request(p, "default-aaaa0005", { zones: ["us-east-1a"] });
    for (const t of req.instanceTypes) aws.emulator.injectIce(t.name, undefined, undefined, clock.now() + 600_000);
    await assert.rejects(p.create(req), (err: unknown) => {
      assert.ok(err instanceof InsufficientCapacityError, String(err));
      const keys = err.offerings.map((o) => `${o.capacityType}/${o.instanceType}/${o.zone}`).sort();
      assert.deepEqual(
        keys,
        req.instanceTypes.flatMap((t) => [`on-demand/${t.name}/us-east-1a`, `spot/${t.name}/us-east-1a`]).sort(),
      );
      return true;
    });
    await assert.rejects(p.create({ ...req, claimId: "default-aaaa0006" }), InsufficientCapacityError);
    assert.equal(
      aws.emulator.callCounts()["ec2:CreateFleet"],
      2,
      "the second launch found everything in the ICE cache",
    );
  });

  test("vCPU quota exhaustion on spot is treated as capacity: falls back to on-demand", async () => {
    aws.emulator.setVcpuQuotas({ spot: 0 });
    try {
      const p = provider();
      const inst = await p.create(await request(p, "default-aaaa0007"));
      assert.equal(inst.capacityType, "on-demand");
    } finally {
      aws.emulator.setVcpuQuotas({});
    }
  });
});

describe("error classification", () => {
  test("UnauthorizedOperation → UnauthorizedError (not retried)", async () => {
    const p = provider();
    const req = await request(p, "default-bbbb0001");
    aws.emulator.failNext(
      "CreateFleet",
      "UnauthorizedOperation",
      1,
      "You are not authorized to perform this operation.",
    );
    await assert.rejects(p.create(req), UnauthorizedError);
    assert.equal(aws.emulator.callCounts()["ec2:CreateFleet"], 1);
  });

  test("throttling is retried by the gate; persistent throttling → ThrottledError", async () => {
    const p = provider();
    const req = await request(p, "default-bbbb0002");
    aws.emulator.failNext("CreateFleet", "RequestLimitExceeded", 2);
    const inst = await p.create(req);
    assert.match(inst.instanceId, /^i-/);
    assert.equal(aws.emulator.callCounts()["ec2:CreateFleet"], 3);
    aws.emulator.resetCallCounts();
    aws.emulator.failNext("CreateFleet", "RequestLimitExceeded", 5);
    await assert.rejects(p.create({ ...req, claimId: "default-bbbb0003" }), ThrottledError);
    assert.equal(aws.emulator.callCounts()["ec2:CreateFleet"], 5, "5 attempts (the gate's default), then give up");
  });

  test("invalid parameters → UnfulfillableLaunchError; a vanished launch template is re-created once", async () => {
    const p = provider();
    const req = await request(p, "default-bbbb0004");
    aws.emulator.failNext("CreateFleet", "InvalidParameterValue", 1, "bad");
    await assert.rejects(p.create(req), UnfulfillableLaunchError);
    aws.emulator.failNext("CreateFleet", "InvalidLaunchTemplateName.NotFoundException", 1);
    const inst = await p.create({ ...req, claimId: "default-bbbb0005" });
    assert.match(inst.instanceId, /^i-/);
  });

  test("a NodeClass whose selectors match nothing → UnfulfillableLaunchError naming the field", async () => {
    const p = provider();
    const req = await request(p, "default-bbbb0006");
    const noSubnets = { ...req.nodeClass, subnetSelectorTerms: [{ tags: { nope: "nope" } }] };
    await assert.rejects(p.create({ ...req, nodeClass: noSubnets }), /subnetSelectorTerms/);
    const noGroups = { ...req.nodeClass, securityGroupSelectorTerms: [{ id: "sg-00000000" }] };
    await assert.rejects(p.create({ ...req, nodeClass: noGroups }), /securityGroupSelectorTerms/);
    const custom = { ...req.nodeClass, amiFamily: "Custom" as const };
    await assert.rejects(p.create({ ...req, nodeClass: custom }), UnfulfillableLaunchError);
  });

  test("a reused ClientToken with other parameters gets a derived token instead of failing", async () => {
    const p = provider();
    const req = await request(p, "default-bbbb0007", { capacityTypes: ["on-demand"] });
    const first = await p.create(req);
    await p.delete(first.instanceId);
    clock.advance(60_000);
    aws.emulator.tick();
    const narrowed = { ...req, instanceTypes: req.instanceTypes.slice(0, 1) };
    aws.emulator.resetCallCounts();
    const second = await p.create(narrowed);
    assert.notEqual(second.instanceId, first.instanceId);
    assert.equal(aws.emulator.callCounts()["ec2:CreateFleet"], 2, "IdempotentParameterMismatch, then a derived token");
  });
});

describe("instances and templates", () => {
  test("list, get, findByClaim, delete (idempotent)", async () => {
    const p = provider();
    const inst = await p.create(await request(p, "default-cccc0001"));
    assert.ok((await p.list()).some((i) => i.instanceId === inst.instanceId && i.claimId === "default-cccc0001"));
    assert.equal((await p.get(inst.instanceId))?.providerID, `aws:///${inst.zone}/${inst.instanceId}`);
    await p.delete(inst.instanceId);
    await p.delete(inst.instanceId);
    assert.equal(await p.findByClaim("default-cccc0001"), undefined);
    assert.equal(await p.get("i-00000000000000000"), undefined);
  });

  test("security group terms narrowed by vpcID match only groups of that VPC", async () => {
    const p = provider();
    const req = await request(p, "default-bbbb0016");
    const vpcId = aws.emulator.world.network.vpcId;
    const named = {
      ...req.nodeClass,
      securityGroupSelectorTerms: [{ name: `eks-cluster-sg-${CLUSTER}`, vpcID: vpcId }],
    };
    const inst = (await p.get((await p.create({ ...req, nodeClass: named })).instanceId))!;
    assert.deepEqual(inst.securityGroupIds, [aws.emulator.world.network.clusterSecurityGroupId]);
    const elsewhere = {
      ...req.nodeClass,
      securityGroupSelectorTerms: [{ name: `eks-cluster-sg-${CLUSTER}`, vpcID: "vpc-0000000000000000f" }],
    };
    await assert.rejects(
      p.create({ ...req, claimId: "default-bbbb0017", nodeClass: elsewhere }),
      /securityGroupSelectorTerms/,
    );
  });

  test("a NodeClass placement group reaches the launch template the instance was launched from", async () => {
    const p = provider();
    const req = await request(p, "default-bbbb0018");
    const nodeClass = { ...req.nodeClass, placementGroup: { name: "analytics", partition: 2 } };
    await p.create({ ...req, nodeClass });
    // The emulator keeps the EC2 query parameters as sent (strings).
    type Placement = { GroupName?: string; PartitionNumber?: string };
    const placements = aws.emulator.launchTemplates().map((t) => (t.data as { Placement?: Placement }).Placement);
    assert.ok(
      placements.some((pl) => pl?.GroupName === "analytics" && pl.PartitionNumber === "2"),
      JSON.stringify(placements),
    );
  });

  test("the bottlerocket-fips alias launches a Bottlerocket FIPS image", async () => {
    const p = provider();
    const req = await request(p, "default-bbbb0019");
    const nodeClass = {
      ...req.nodeClass,
      amiFamily: "Bottlerocket" as const,
      amiSelectorTerms: [{ alias: "bottlerocket-fips@latest" }],
    };
    const inst = (await p.get((await p.create({ ...req, nodeClass })).instanceId))!;
    const image = aws.emulator.world.images.images.get(inst.imageId ?? "");
    assert.match(image?.name ?? "", /^bottlerocket-aws-k8s-[0-9.]+-fips-x86_64-/);
  });

  test("a NodeClass with no instance profile or role, and no stack default, is refused before any EC2 call", async () => {
    const p = provider(); // no defaultInstanceProfile
    const req = await request(p, "default-bbbb0020");
    const { instanceProfile: _, ...bare } = req.nodeClass;
    aws.emulator.resetCallCounts();
    await assert.rejects(
      p.create({ ...req, nodeClass: bare }),
      (err: Error) => err instanceof UnfulfillableLaunchError && /no instance profile.*never joins/.test(err.message),
    );
    assert.equal(aws.emulator.callCounts().CreateFleet ?? 0, 0);
  });

  test("drift: a new AMI, another subnet selection, other security groups", async () => {
    const p = provider();
    const req = await request(p, "default-cccc0002");
    const inst = (await p.get((await p.create(req)).instanceId))!;
    assert.equal(await p.isDrifted(inst, req.nodeClass), undefined);
    assert.equal(await p.isDrifted(inst, { ...req.nodeClass, amiFamily: "AL2", amiSelectorTerms: [] }), "AMIDrifted");
    const otherSubnet = { ...req.nodeClass, subnetSelectorTerms: [{ tags: { Name: `${CLUSTER}-public-*` } }] };
    assert.equal(await p.isDrifted(inst, otherSubnet), "SubnetDrifted");
    const otherGroups = { ...req.nodeClass, securityGroupSelectorTerms: [{ name: `eks-cluster-sg-${CLUSTER}` }] };
    assert.equal(await p.isDrifted(inst, otherGroups), "SecurityGroupDrifted");
  });

  test("launch templates are shared by content and garbage-collected when their class changes", async () => {
    const p = provider();
    await p.create(await request(p, "default-cccc0003"));
    const before = aws.emulator
      .launchTemplates()
      .filter((t) => t.launchTemplateName.startsWith(`stevedore/${CLUSTER}/`));
    assert.ok(before.length > 0);
    const data = before[0].data as Record<string, unknown>;
    assert.ok(JSON.stringify(data).includes('"HttpTokens":"required"'));
    await p.create(await request(p, "default-cccc0004"));
    const same = aws.emulator.launchTemplates().filter((t) => t.launchTemplateName.startsWith(`stevedore/${CLUSTER}/`));
    assert.equal(same.length, before.length, "same content → same templates");
    clock.advance(11 * 60_000);
    assert.deepEqual(await p.garbageCollect([nodeClass(CLUSTER)]), []);
    const deleted = await p.garbageCollect([]);
    assert.equal(deleted.length, same.length);
    assert.equal(
      aws.emulator.launchTemplates().filter((t) => t.launchTemplateName.startsWith(`stevedore/${CLUSTER}/`)).length,
      0,
    );
  });
});
