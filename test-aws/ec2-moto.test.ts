/**
 * Conformance of the EC2/SSM adapter against moto (a third-party AWS emulator): the requests Stevedore sends must
 * be accepted and understood by an independent implementation of the EC2 Query protocol. moto ignores allocation
 * strategies and has constant spot prices, so this checks request shapes and round trips, not economics.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type CreateFleetCommandInput,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from "@aws-sdk/client-ec2";
import { GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { AmiResolver } from "../lib/cloud/aws/amis.js";
import { AwsCloudProvider } from "../lib/cloud/aws/aws-cloud-provider.js";
import { type AwsClients, createAwsClients } from "../lib/cloud/aws/clients.js";
import { launchTemplatePrefix } from "../lib/cloud/aws/launch-templates.js";
import { parseNodeRegistration } from "../lib/cloud/aws/node-registration.js";
import { ApiGate } from "../lib/cloud/aws/retry.js";
import { SecurityGroupResolver } from "../lib/cloud/aws/security-groups.js";
import { SubnetResolver } from "../lib/cloud/aws/subnets.js";
import type { LaunchRequest } from "../lib/cloud/provider.js";
import type { Clock } from "../lib/core/clock.js";
import { CLUSTER_FACTS, ManualClock, nodeClass, nodePool } from "../test/cloud/fixtures.js";
import { MOTO_CREDENTIALS, type MotoHandle, startMoto } from "./support/moto.js";

const CLUSTER = "conformance";
const PUBLIC_AMI_X86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
const PUBLIC_AMI_ARM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
/** A NodeClass whose AMIs come from SSM parameters moto serves. */
const amiTerms = [{ ssmParameter: PUBLIC_AMI_X86 }, { ssmParameter: PUBLIC_AMI_ARM }];
const REGION = "us-east-1";

let moto: MotoHandle;
let clients: AwsClients;
const sent: { command: string; input: Record<string, unknown> }[] = [];
let subnetA1 = "";
let subnetA2 = "";
let subnetB = "";
let subnetUntagged = "";
let sgId = "";
let amdAmi = "";
let armAmi = "";

const tag = (Key: string, Value: string) => ({ Key, Value });

before(async () => {
  moto = await startMoto();
  clients = createAwsClients({ region: REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  clients.ec2.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: "initialize", name: "recordRequests" },
  );
  const { ec2, ssm } = clients;
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const vpcId = vpc.Vpc?.VpcId ?? "";
  const discovery = [tag("karpenter.sh/discovery", CLUSTER)];
  const subnet = async (cidr: string, zone: string, tags: { Key: string; Value: string }[]) => {
    const s = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: cidr,
        AvailabilityZone: zone,
        TagSpecifications: tags.length ? [{ ResourceType: "subnet", Tags: tags }] : undefined,
      }),
    );
    return s.Subnet?.SubnetId ?? "";
  };
  subnetA1 = await subnet("10.0.1.0/24", "us-east-1a", [...discovery, tag("Name", "small-a")]);
  subnetA2 = await subnet("10.0.16.0/20", "us-east-1a", [...discovery, tag("Name", "big-a")]);
  subnetB = await subnet("10.0.2.0/24", "us-east-1b", discovery);
  subnetUntagged = await subnet("10.0.3.0/24", "us-east-1c", []);
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: "nodes",
      Description: "nodes",
      VpcId: vpcId,
      TagSpecifications: [{ ResourceType: "security-group", Tags: discovery }],
    }),
  );
  sgId = sg.GroupId ?? "";
  // moto serves AWS's public parameters (not the EKS ones); these map to images moto knows.
  for (const [arch, path] of [
    ["x86_64", PUBLIC_AMI_X86],
    ["arm64", PUBLIC_AMI_ARM],
  ]) {
    const param = await ssm.send(new GetParameterCommand({ Name: path }));
    const id = param.Parameter?.Value ?? "";
    const img = await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }));
    assert.equal(img.Images?.[0]?.Architecture, arch, `${path} names a moto ${arch} image`);
    if (arch === "x86_64") amdAmi = id;
    else armAmi = id;
  }
  await ssm.send(new PutParameterCommand({ Name: "/stevedore/conformance/ami", Value: armAmi, Type: "String" }));
});

after(async () => {
  clients?.ec2.destroy();
  clients?.ssm.destroy();
  clients?.pricing.destroy();
  await moto?.close();
});

function provider(clock: Clock = new ManualClock()): AwsCloudProvider {
  return new AwsCloudProvider({
    ...clients,
    region: REGION,
    clusterName: CLUSTER,
    cluster: CLUSTER_FACTS,
    clock,
    gate: { random: () => 0 },
  });
}

describe("selectors against moto", () => {
  test("subnets by tag, by wildcard, by id; security groups by tag, id and name", async () => {
    const gate = new ApiGate(new ManualClock());
    const subnets = new SubnetResolver(clients.ec2, gate, new ManualClock());
    const byTag = await subnets.resolve([{ tags: { "karpenter.sh/discovery": CLUSTER } }]);
    assert.deepEqual(byTag.map((s) => s.id).sort(), [subnetA1, subnetA2, subnetB].sort());
    const byWildcard = await subnets.resolve([{ tags: { Name: "*" } }]);
    assert.deepEqual(byWildcard.map((s) => s.id).sort(), [subnetA1, subnetA2].sort());
    const byIdOrName = await subnets.resolve([{ id: subnetUntagged }, { name: "small-a" }]);
    assert.deepEqual(byIdOrName.map((s) => s.id).sort(), [subnetA1, subnetUntagged].sort());
    const zonal = subnets.zonalSubnets(byTag);
    assert.equal(zonal.get("us-east-1a")?.id, subnetA2, "the /20 has more free addresses than the /24");
    assert.equal(zonal.get("us-east-1b")?.id, subnetB);

    const groups = new SecurityGroupResolver(clients.ec2, gate, new ManualClock());
    assert.deepEqual(
      (await groups.resolve([{ tags: { "karpenter.sh/discovery": CLUSTER } }])).map((g) => g.id),
      [sgId],
    );
    assert.deepEqual(
      (await groups.resolve([{ id: sgId }])).map((g) => g.name),
      ["nodes"],
    );
    assert.deepEqual(
      (await groups.resolve([{ name: "nodes" }])).map((g) => g.id),
      [sgId],
    );
  });

  test("AMIs: EKS public parameter paths, SSM parameter terms, DescribeImages terms", async () => {
    const amis = new AmiResolver(clients.ec2, clients.ssm, new ApiGate(new ManualClock()), new ManualClock());
    sent.length = 0;
    assert.deepEqual(await amis.resolve(nodeClass(CLUSTER), "1.31"), [], "moto publishes no EKS AMI parameters");
    const fromParams = await amis.resolve(nodeClass(CLUSTER, { amiSelectorTerms: amiTerms }), "1.31");
    assert.deepEqual(fromParams.map((a) => a.arch).sort(), ["amd64", "arm64"]);
    assert.deepEqual(fromParams.map((a) => a.id).sort(), [amdAmi, armAmi].sort());
    const custom = await amis.resolve(
      nodeClass(CLUSTER, { amiFamily: "Custom", amiSelectorTerms: [{ ssmParameter: "/stevedore/conformance/ami" }] }),
      "1.31",
    );
    assert.deepEqual(
      custom.map((a) => [a.id, a.arch]),
      [[armAmi, "arm64"]],
    );
    const byId = await amis.resolve(
      nodeClass(CLUSTER, { amiFamily: "Custom", amiSelectorTerms: [{ id: amdAmi }] }),
      "1.31",
    );
    assert.deepEqual(
      byId.map((a) => [a.id, a.arch]),
      [[amdAmi, "amd64"]],
    );
    const byName = await amis.resolve(
      nodeClass(CLUSTER, {
        amiFamily: "Custom",
        amiSelectorTerms: [{ name: "al2023-ami-minimal-*", owner: "amazon" }],
      }),
      "1.31",
    );
    assert.ok(byName.length > 0 && byName.every((a) => a.name?.startsWith("al2023-ami-minimal-")));
    const dates = byName.map((a) => a.creationDate ?? "");
    assert.deepEqual(dates, [...dates].sort().reverse(), "newest first");
  });
});

let sharedProvider: AwsCloudProvider | undefined;
/** One provider whose discovered instance types are reused (DescribeInstanceTypes on moto takes seconds). */
function shared(): AwsCloudProvider {
  sharedProvider ??= provider();
  return sharedProvider;
}

function launchRequest(claimId: string, over: Partial<LaunchRequest> = {}): Promise<LaunchRequest> {
  return (async () => {
    const p = shared();
    const pool = nodePool({ labels: { team: "a" } });
    const cls = nodeClass(CLUSTER, { amiSelectorTerms: amiTerms });
    const types = (await p.getInstanceTypes(pool, cls)).filter((t) =>
      ["m5.large", "m6i.large", "c6g.large"].includes(t.name),
    );
    return {
      claimId,
      pool,
      nodeClass: cls,
      instanceTypes: types,
      capacityTypes: ["spot", "on-demand"],
      zones: ["us-east-1a", "us-east-1b", "us-east-1c"],
      labels: { team: "a", "karpenter.sh/nodepool": "default", "node.kubernetes.io/instance-type": "m5.large" },
      taints: [{ key: "dedicated", value: "web", effect: "NoSchedule" }],
      startupTaints: [{ key: "example.com/agent", effect: "NoExecute" }],
      ...over,
    };
  })();
}

describe("AwsCloudProvider against moto", () => {
  test("instance types: discovered from DescribeInstanceTypes, offered only in the NodeClass's subnet zones", async () => {
    const types = await shared().getInstanceTypes(nodePool(), nodeClass(CLUSTER, { amiSelectorTerms: amiTerms }));
    assert.ok(types.length > 500, `expected hundreds of types, got ${types.length}`);
    const m5 = types.find((t) => t.name === "m5.large");
    assert.ok(m5);
    assert.deepEqual([...new Set(m5.offerings.map((o) => o.zone))].sort(), ["us-east-1a", "us-east-1b"]);
    assert.deepEqual([...new Set(m5.offerings.map((o) => o.capacityType))].sort(), ["on-demand", "spot"]);
    assert.equal(m5.allocatable.cpu, 1930);
    assert.ok(m5.offerings.every((o) => o.available && o.price > 0));
  });

  test("create: CreateFleet instant with overrides, tags, idempotent adoption, list, findByClaim, delete", async () => {
    const p = provider();
    const req = await launchRequest("default-claim0001");
    assert.equal(req.instanceTypes.length, 3);
    sent.length = 0;
    const inst = await p.create(req);
    assert.match(inst.instanceId, /^i-/);
    assert.equal(inst.claimId, "default-claim0001");
    assert.equal(inst.providerID, `aws:///${inst.zone}/${inst.instanceId}`);
    assert.ok(["us-east-1a", "us-east-1b"].includes(inst.zone));

    const fleet = sent.find((s) => s.command === "CreateFleetCommand")?.input as unknown as CreateFleetCommandInput;
    assert.ok(fleet, "CreateFleet was sent");
    assert.equal(fleet.Type, "instant");
    assert.equal(fleet.ClientToken, "default-claim0001");
    assert.deepEqual(fleet.SpotOptions, { AllocationStrategy: "price-capacity-optimized" });
    assert.deepEqual(fleet.TargetCapacitySpecification, { TotalTargetCapacity: 1, DefaultTargetCapacityType: "spot" });
    const overrides = (fleet.LaunchTemplateConfigs ?? []).flatMap((c) => c.Overrides ?? []);
    assert.equal(overrides.length, 6, "3 types × 2 zones with subnets");
    assert.ok(
      overrides.every((o) => (o.AvailabilityZone === "us-east-1a" ? o.SubnetId === subnetA2 : o.SubnetId === subnetB)),
    );
    assert.deepEqual(
      (fleet.TagSpecifications ?? []).map((t) => t.ResourceType),
      ["instance", "volume", "fleet"],
    );

    const described = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [inst.instanceId] }));
    const ec2Instance = described.Reservations?.[0]?.Instances?.[0];
    const tags = Object.fromEntries((ec2Instance?.Tags ?? []).map((t) => [t.Key, t.Value]));
    assert.equal(tags[`kubernetes.io/cluster/${CLUSTER}`], "owned");
    assert.equal(tags["eks:eks-cluster-name"], CLUSTER);
    assert.equal(tags["karpenter.sh/nodepool"], "default");
    assert.equal(tags["stevedore.dev/claim"], "default-claim0001");
    assert.equal(tags.Name, "default/default-claim0001");
    assert.equal(tags.team, "platform");
    assert.ok([amdAmi, armAmi].includes(ec2Instance?.ImageId ?? ""), "the launch template's AMI was used");

    const again = await p.create(req);
    assert.equal(again.instanceId, inst.instanceId, "a retried create adopts the first instance");
    assert.equal(sent.filter((s) => s.command === "CreateFleetCommand").length, 1);

    assert.equal((await p.findByClaim("default-claim0001"))?.instanceId, inst.instanceId);
    assert.ok((await p.list()).some((i) => i.instanceId === inst.instanceId));
    const got = await p.get(inst.instanceId);
    assert.equal(got?.claimId, "default-claim0001");
    assert.equal(got?.subnetId !== undefined, true);
    // moto's CreateFleet does not apply the launch template's security groups (its fleet model passes only the
    // launch spec's group set to RunInstances), so the instance may sit in the VPC default group there.
    const sgApplied = got?.securityGroupIds?.includes(sgId) ?? false;
    assert.equal(await p.isDrifted(got!, req.nodeClass), sgApplied ? undefined : "SecurityGroupDrifted");
    assert.equal(await p.isDrifted(got!, { ...req.nodeClass, hash: "class-hash-2" }), "NodeClassDrifted");
    const otherAmi = { ...req.nodeClass, amiSelectorTerms: [{ ssmParameter: "/stevedore/conformance/ami" }] };
    if (got?.imageId !== armAmi) assert.equal(await p.isDrifted(got!, otherAmi), "AMIDrifted");

    await p.delete(inst.instanceId);
    assert.equal(await p.findByClaim("default-claim0001"), undefined);
    assert.ok(!(await p.list()).some((i) => i.instanceId === inst.instanceId && i.state !== "shutting-down"));
    await p.delete(inst.instanceId);
    await p.delete("i-0123456789abcdef0");
  });

  test("launch templates: content-hashed, reused, IMDSv2, encrypted gp3, user data with labels and taints", async () => {
    const p = provider();
    const req = await launchRequest("default-claim0002", { capacityTypes: ["on-demand"] });
    const before = await clients.ec2.send(new DescribeLaunchTemplatesCommand({}));
    sent.length = 0;
    const inst = await p.create(req);
    const fleet = sent.find((s) => s.command === "CreateFleetCommand")?.input as unknown as CreateFleetCommandInput;
    assert.deepEqual(fleet.OnDemandOptions, { AllocationStrategy: "lowest-price" });
    assert.equal(inst.capacityType, "on-demand");
    const names = (fleet.LaunchTemplateConfigs ?? []).map(
      (c) => c.LaunchTemplateSpecification?.LaunchTemplateName ?? "",
    );
    assert.ok(names.every((n) => n.startsWith(launchTemplatePrefix(CLUSTER))));
    const versions = await clients.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: names[0] }),
    );
    const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    assert.equal(data?.MetadataOptions?.HttpTokens, "required");
    assert.equal(data?.MetadataOptions?.HttpPutResponseHopLimit, 1);
    assert.deepEqual(data?.BlockDeviceMappings?.[0], {
      DeviceName: "/dev/xvda",
      Ebs: { VolumeSize: 20, VolumeType: "gp3", Encrypted: true, DeleteOnTermination: true },
    });
    assert.equal(data?.IamInstanceProfile?.Name, "KarpenterNodeInstanceProfile");
    assert.deepEqual(data?.SecurityGroupIds, [sgId]);
    const userData = Buffer.from(data?.UserData ?? "", "base64").toString("utf8");
    const reg = parseNodeRegistration("AL2023", userData);
    assert.equal(reg.clusterName, CLUSTER);
    assert.equal(reg.labels.team, "a");
    assert.equal(reg.labels["karpenter.sh/capacity-type"], "on-demand");
    assert.equal(reg.labels["node.kubernetes.io/instance-type"], undefined, "offering labels are left to the kubelet");
    assert.deepEqual(reg.taints, [
      { key: "dedicated", value: "web", effect: "NoSchedule" },
      { key: "example.com/agent", effect: "NoExecute" },
      { key: "karpenter.sh/unregistered", effect: "NoExecute" }, // lifted by registration
    ]);

    sent.length = 0;
    await p.create({ ...req, claimId: "default-claim0003" });
    assert.equal(sent.filter((s) => s.command === "CreateLaunchTemplateCommand").length, 0, "templates are reused");
    const fresh = provider();
    sent.length = 0;
    await fresh.create({ ...req, claimId: "default-claim0004" });
    assert.equal(sent.filter((s) => s.command === "DescribeLaunchTemplatesCommand").length > 0, true);
    assert.equal(
      sent.filter((s) => s.command === "CreateLaunchTemplateCommand").length,
      0,
      "found by name, not re-created",
    );
    const afterList = await clients.ec2.send(new DescribeLaunchTemplatesCommand({}));
    assert.equal((afterList.LaunchTemplates?.length ?? 0) - (before.LaunchTemplates?.length ?? 0) >= 1, true);

    const clock = new ManualClock(Date.now() + 3_600_000);
    const gc = provider(clock);
    const kept = await gc.garbageCollect([req.nodeClass]);
    assert.deepEqual(kept, [], "templates of current classes stay");
    const deleted = await gc.garbageCollect([nodeClass(CLUSTER, { hash: "class-hash-2" })]);
    assert.ok(deleted.length >= 1);
    assert.equal((await gc.launchTemplates.list()).length, 0);
  });
});
