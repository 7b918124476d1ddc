/**
 * EC2 instances as {@link CloudInstance}s: DescribeInstances by id, by claim tag, or every instance this cluster
 * owns; TerminateInstances. Instances are found by Karpenter's tag scheme so instances Karpenter launched for the
 * same cluster are listed too (they have no claim id).
 */
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type EC2Client,
  type Instance,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  LABEL_NODEPOOL,
  LABEL_PROVISIONER_NAME,
  TAG_STEVEDORE_CLAIM,
  TAG_STEVEDORE_LAUNCH_BATCH,
} from "../../core/well-known.js";
import type { CloudInstance } from "../provider.js";
import { MAX_INSTANCE_IDS_PER_CALL } from "./ec2-rate-limits.js";
import { classifyThrownError } from "./fleet.js";
import { type ApiGate, awsErrorCode, ec2Call } from "./retry.js";
import { tagRecord } from "./selectors.js";
import { clusterTagKey } from "./tags.js";

/** States of an instance that is (or may still become) a node. */
export const LIVE_STATES = ["pending", "running", "stopping", "stopped"];

/** `aws:///<zone>/<instance-id>`, the providerID the AWS cloud controller gives a Node. */
export function providerIdOf(zone: string, instanceId: string): string {
  return `aws:///${zone}/${instanceId}`;
}

/** Parses `aws:///<zone>/<instance-id>` (also `aws://<zone>/<id>`); undefined when it is not one. */
export function parseProviderId(providerID: string): { zone: string; instanceId: string } | undefined {
  const m = /^aws:\/\/\/?([^/]*)\/(i-[0-9a-z]+)$/.exec(providerID);
  return m ? { zone: m[1], instanceId: m[2] } : undefined;
}

/** Converts an EC2 instance. */
export function toCloudInstance(i: Instance): CloudInstance {
  const tags = tagRecord(i.Tags);
  const zone = i.Placement?.AvailabilityZone ?? "";
  const id = i.InstanceId ?? "";
  const groups = (i.SecurityGroups ?? []).map((g) => g.GroupId ?? "").filter(Boolean);
  const out: CloudInstance = {
    instanceId: id,
    providerID: providerIdOf(zone, id),
    instanceType: i.InstanceType ?? "",
    zone,
    capacityType: i.InstanceLifecycle === "spot" ? "spot" : "on-demand",
    state: i.State?.Name ?? "unknown",
    launchTime: i.LaunchTime ?? new Date(0),
    tags,
  };
  if (i.CapacityReservationId) {
    // Launched into a capacity reservation (targeted by Stevedore): reserved capacity, whatever the market.
    out.capacityType = "reserved";
    out.capacityReservationId = i.CapacityReservationId;
    out.capacityReservationType = i.InstanceLifecycle === "capacity-block" ? "capacity-block" : "default";
  }
  if (tags[TAG_STEVEDORE_CLAIM]) out.claimId = tags[TAG_STEVEDORE_CLAIM];
  if (tags[TAG_STEVEDORE_LAUNCH_BATCH]) out.batchId = tags[TAG_STEVEDORE_LAUNCH_BATCH];
  if (i.ImageId) out.imageId = i.ImageId;
  const profileArn = i.IamInstanceProfile?.Arn;
  if (profileArn) out.instanceProfile = profileArn.slice(profileArn.lastIndexOf("/") + 1);
  if (i.SubnetId) out.subnetId = i.SubnetId;
  if (groups.length > 0) out.securityGroupIds = groups.sort();
  return out;
}

/** Reads and terminates this cluster's instances. */
export class InstanceRepository {
  constructor(
    private readonly ec2: EC2Client,
    private readonly gate: ApiGate,
    readonly cluster: string,
  ) {}

  private async describe(input: DescribeInstancesCommandInput): Promise<CloudInstance[]> {
    const out: CloudInstance[] = [];
    let token: string | undefined;
    do {
      const page = { ...input, NextToken: token };
      const res = await this.gate.call(ec2Call("DescribeInstances", page), () =>
        this.ec2.send(new DescribeInstancesCommand(page)),
      );
      for (const r of res.Reservations ?? []) for (const i of r.Instances ?? []) out.push(toCloudInstance(i));
      token = res.NextToken || undefined;
    } while (token);
    return out;
  }

  /** One instance by id (any state); undefined when EC2 does not know it. */
  async get(instanceId: string): Promise<CloudInstance | undefined> {
    return (await this.getMany([instanceId])).get(instanceId);
  }

  /**
   * Instances by id (any state), one DescribeInstances per 1,000 ids; ids EC2 does not know are left out. A chunk
   * naming an unknown id fails as a whole, so that chunk is asked again with an `instance-id` filter, which skips
   * unknown ids instead of failing.
   */
  async getMany(instanceIds: string[]): Promise<Map<string, CloudInstance>> {
    const out = new Map<string, CloudInstance>();
    const ids = [...new Set(instanceIds)];
    for (let i = 0; i < ids.length; i += MAX_INSTANCE_IDS_PER_CALL) {
      const chunk = ids.slice(i, i + MAX_INSTANCE_IDS_PER_CALL);
      let found: CloudInstance[];
      try {
        found = await this.describe({ InstanceIds: chunk });
      } catch (err) {
        if (!awsErrorCode(err)?.startsWith("InvalidInstanceID")) throw classifyThrownError(err, "DescribeInstances");
        try {
          found = await this.describe({ Filters: [{ Name: "instance-id", Values: chunk }] });
        } catch (retryErr) {
          throw classifyThrownError(retryErr, "DescribeInstances");
        }
      }
      for (const inst of found) out.set(inst.instanceId, inst);
    }
    return out;
  }

  /** The live instances launched in a batch (tag `stevedore.dev/launch-batch`), in instance-id order. */
  async findByBatch(batchId: string): Promise<CloudInstance[]> {
    try {
      const found = await this.describe({
        Filters: [
          { Name: `tag:${TAG_STEVEDORE_LAUNCH_BATCH}`, Values: [batchId] },
          { Name: `tag:${clusterTagKey(this.cluster)}`, Values: ["owned"] },
          { Name: "instance-state-name", Values: LIVE_STATES },
        ],
      });
      return found.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    } catch (err) {
      throw classifyThrownError(err, `DescribeInstances for launch batch ${batchId}`);
    }
  }

  /** Adds tags to instances (one CreateTags call for every instance that gets the same tags). */
  async tag(instanceIds: string[], tags: Record<string, string>): Promise<void> {
    if (instanceIds.length === 0) return;
    const input = { Resources: instanceIds, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
    try {
      await this.gate.call(ec2Call("CreateTags"), () => this.ec2.send(new CreateTagsCommand(input)));
    } catch (err) {
      throw classifyThrownError(err, `CreateTags ${instanceIds.join(",")}`);
    }
  }

  /** The live instance launched for a claim (tag `stevedore.dev/claim`), newest first if several. */
  async findByClaim(claimId: string): Promise<CloudInstance | undefined> {
    try {
      const found = await this.describe({
        Filters: [
          { Name: `tag:${TAG_STEVEDORE_CLAIM}`, Values: [claimId] },
          { Name: `tag:${clusterTagKey(this.cluster)}`, Values: ["owned"] },
          { Name: "instance-state-name", Values: LIVE_STATES },
        ],
      });
      return found.sort((a, b) => b.launchTime.getTime() - a.launchTime.getTime())[0];
    } catch (err) {
      throw classifyThrownError(err, `DescribeInstances for claim ${claimId}`);
    }
  }

  /** Every non-terminated instance owned by the cluster and tagged with a pool (Stevedore or Karpenter). */
  async list(): Promise<CloudInstance[]> {
    try {
      return await this.describe({
        Filters: [
          { Name: `tag:${clusterTagKey(this.cluster)}`, Values: ["owned"] },
          { Name: "tag-key", Values: [LABEL_NODEPOOL, LABEL_PROVISIONER_NAME] },
          { Name: "instance-state-name", Values: [...LIVE_STATES, "shutting-down"] },
        ],
        MaxResults: 1000,
      });
    } catch (err) {
      throw classifyThrownError(err, "DescribeInstances (cluster instances)");
    }
  }

  /** Terminates; an instance EC2 no longer knows is not an error. */
  async terminate(instanceId: string): Promise<void> {
    await this.terminateMany([instanceId]);
  }

  /**
   * Terminates many instances, one TerminateInstances per 1,000 ids. Ids EC2 no longer knows are not an error: a
   * chunk that fails with `InvalidInstanceID.NotFound` is sent again without the ids the error names.
   */
  async terminateMany(instanceIds: string[]): Promise<void> {
    const ids = [...new Set(instanceIds)];
    for (let i = 0; i < ids.length; i += MAX_INSTANCE_IDS_PER_CALL) {
      let chunk = ids.slice(i, i + MAX_INSTANCE_IDS_PER_CALL);
      while (chunk.length > 0) {
        const input = { InstanceIds: chunk };
        try {
          await this.gate.call(ec2Call("TerminateInstances", input), () =>
            this.ec2.send(new TerminateInstancesCommand(input)),
          );
          break;
        } catch (err) {
          if (!awsErrorCode(err)?.startsWith("InvalidInstanceID.NotFound")) {
            throw classifyThrownError(err, `TerminateInstances ${chunk.join(",")}`);
          }
          const message = err instanceof Error ? err.message : "";
          const gone = chunk.filter((id) => message.includes(id));
          chunk = gone.length > 0 ? chunk.filter((id) => !gone.includes(id)) : [];
        }
      }
    }
  }
}
