/**
 * The controllers' IAM permissions, written after Karpenter's CloudFormation policies (its controller role's statements) and
 * at least as tight: every mutating EC2 call is tied to the tags Stevedore puts on what it launches
 * (`lib/cloud/aws/tags.ts`) — `kubernetes.io/cluster/<cluster>=owned`, `eks:eks-cluster-name=<cluster>` and a pool tag
 * (`karpenter.sh/provisioner-name` for v1alpha5 config, `karpenter.sh/nodepool` for v1) — and only the EC2 resources
 * a launch references but cannot tag (images, snapshots, subnets, security groups) are allowed without a condition.
 * No statement has a wildcard action; read-only calls are listed one by one.
 *
 * Each group of statements becomes one customer-managed policy (as Karpenter splits its policy), and every resource
 * wildcard carries the reason cdk-nag is told.
 */
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import {
  LABEL_NODEPOOL,
  LABEL_PROVISIONER_NAME,
  TAG_CLUSTER_PREFIX,
  TAG_EKS_CLUSTER_NAME,
  TAG_STEVEDORE_CLAIM,
  TAG_STEVEDORE_NODECLASS,
  TAG_STEVEDORE_REGION,
} from "../core/well-known.js";
import { STATE_TABLE_SCHEMA } from "../state/table.js";
import { queueConsumerStatement } from "./interruption-queue.js";

/** The pool tag keys, one per config flavour; each tag-scoped statement exists once per key. */
export const POOL_TAG_KEYS = [
  { key: LABEL_PROVISIONER_NAME, sid: "ProvisionerName" },
  { key: LABEL_NODEPOOL, sid: "NodePool" },
] as const;

/** Read-only EC2 calls the AWS adapter makes (`lib/cloud/aws`), allowed in the stack's region only. */
export const EC2_READ_ACTIONS = [
  "ec2:DescribeCapacityReservations",
  "ec2:DescribeImages",
  "ec2:DescribeInstanceTypeOfferings",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeInstances",
  "ec2:DescribeLaunchTemplates",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSpotPriceHistory",
  "ec2:DescribeSubnets",
] as const;

/** DynamoDB calls the state store makes (`lib/state`): single-item conditional writes and queries. */
export const STATE_TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:Query",
] as const;

/** EC2 actions that change something; each must be scoped by a tag condition or to referenced resources only. */
export const EC2_MUTATING_ACTIONS = [
  "ec2:CreateFleet",
  "ec2:RunInstances",
  "ec2:CreateLaunchTemplate",
  "ec2:CreateTags",
  "ec2:TerminateInstances",
  "ec2:DeleteLaunchTemplate",
] as const;

/** EC2 resource types a launch references without creating or tagging them (allowed without conditions). */
export const EC2_REFERENCED_RESOURCE_TYPES = [
  "image",
  "snapshot",
  "subnet",
  "security-group",
  "capacity-reservation",
] as const;

/** EC2 resource types a launch creates (allowed only with the request tags). */
export const EC2_CREATED_RESOURCE_TYPES = [
  "fleet",
  "instance",
  "volume",
  "network-interface",
  "launch-template",
  "spot-instances-request",
] as const;

/** Inputs of the policy (CDK tokens allowed for partition and account). */
export interface ControllerPolicyInputs {
  clusterName: string;
  region: string;
  partition: string;
  account: string;
  nodeRoleArn: string;
  stateTableArn: string;
  /** The interruption queue (reaction seconds). @default none: reaction minute's rules invoke the function */
  queueArn?: string;
  /** SSM path of the config (configSource ssm). */
  ssmConfigPath?: string;
}

/** One customer-managed policy: its construct id, description, statements, and why each resource wildcard is needed. */
export interface PolicyGroup {
  id: string;
  description: string;
  statements: PolicyStatement[];
  /** Resource ARN pattern → reason (acknowledged as `AwsSolutions-IAM5[Resource::…]`). */
  wildcardReasons: Record<string, string>;
}

function ec2Arn(i: ControllerPolicyInputs, type: string, account: string): string {
  return `arn:${i.partition}:ec2:${i.region}:${account}:${type}/*`;
}

/** ARN of a referenced EC2 resource type (images and snapshots have no account; subnets may be shared from another). */
function referencedArn(i: ControllerPolicyInputs, type: (typeof EC2_REFERENCED_RESOURCE_TYPES)[number]): string {
  return type === "image" || type === "snapshot" ? ec2Arn(i, type, "") : ec2Arn(i, type, "*");
}

function clusterTag(i: ControllerPolicyInputs): string {
  return `${TAG_CLUSTER_PREFIX}${i.clusterName}`;
}

function requestTagConditions(i: ControllerPolicyInputs, poolTagKey: string) {
  return {
    StringEquals: {
      [`aws:RequestTag/${clusterTag(i)}`]: "owned",
      [`aws:RequestTag/${TAG_EKS_CLUSTER_NAME}`]: i.clusterName,
    },
    StringLike: { [`aws:RequestTag/${poolTagKey}`]: "*" },
  };
}

/**
 * Existing resources: cluster-owned with a pool tag, as Karpenter requires (not `eks:eks-cluster-name`, which
 * instances launched by Karpenter v0.x — v1alpha5 config — do not carry).
 */
function resourceTagConditions(i: ControllerPolicyInputs, poolTagKey: string) {
  return {
    StringEquals: { [`aws:ResourceTag/${clusterTag(i)}`]: "owned" },
    StringLike: { [`aws:ResourceTag/${poolTagKey}`]: "*" },
  };
}

/** Launching, tagging at creation and terminating: Karpenter's NodeLifecyclePolicy, for both pool tag keys. */
export function nodeLifecyclePolicy(i: ControllerPolicyInputs): PolicyGroup {
  const created = EC2_CREATED_RESOURCE_TYPES.map((t) => ec2Arn(i, t, i.account));
  const statements: PolicyStatement[] = [
    new PolicyStatement({
      sid: "AllowLaunchReferencingImagesSubnetsAndSecurityGroups",
      effect: Effect.ALLOW,
      actions: ["ec2:RunInstances", "ec2:CreateFleet"],
      resources: EC2_REFERENCED_RESOURCE_TYPES.map((t) => referencedArn(i, t)),
    }),
  ];
  for (const pool of POOL_TAG_KEYS) {
    statements.push(
      new PolicyStatement({
        sid: `AllowLaunchFromOwnedLaunchTemplates${pool.sid}`,
        effect: Effect.ALLOW,
        actions: ["ec2:RunInstances", "ec2:CreateFleet"],
        resources: [ec2Arn(i, "launch-template", i.account)],
        conditions: resourceTagConditions(i, pool.key),
      }),
      new PolicyStatement({
        sid: `AllowTaggedLaunch${pool.sid}`,
        effect: Effect.ALLOW,
        actions: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
        resources: created,
        conditions: requestTagConditions(i, pool.key),
      }),
      new PolicyStatement({
        sid: `AllowTaggingAtCreation${pool.sid}`,
        effect: Effect.ALLOW,
        actions: ["ec2:CreateTags"],
        resources: created,
        conditions: {
          ...requestTagConditions(i, pool.key),
          StringEquals: {
            ...requestTagConditions(i, pool.key).StringEquals,
            "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
          },
        },
      }),
      new PolicyStatement({
        sid: `AllowClaimTaggingOfOwnedInstances${pool.sid}`,
        effect: Effect.ALLOW,
        actions: ["ec2:CreateTags"],
        resources: [ec2Arn(i, "instance", i.account)],
        conditions: {
          ...resourceTagConditions(i, pool.key),
          "ForAllValues:StringEquals": { "aws:TagKeys": [TAG_STEVEDORE_CLAIM, "Name"] },
        },
      }),
      new PolicyStatement({
        sid: `AllowDeletingOwnedResources${pool.sid}`,
        effect: Effect.ALLOW,
        actions: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
        resources: [ec2Arn(i, "instance", i.account), ec2Arn(i, "launch-template", i.account)],
        conditions: resourceTagConditions(i, pool.key),
      }),
    );
  }
  const wildcardReasons: Record<string, string> = {};
  for (const t of EC2_REFERENCED_RESOURCE_TYPES) {
    wildcardReasons[referencedArn(i, t)] =
      `a launch references any ${t} the NodeClass selects; ${t}s cannot carry the request tags (as Karpenter's NodeLifecyclePolicy)`;
  }
  for (const t of EC2_CREATED_RESOURCE_TYPES) {
    wildcardReasons[ec2Arn(i, t, i.account)] =
      `${t} ids are not known before launch; every statement on them requires the cluster-owned, eks-cluster-name and pool tags`;
  }
  return {
    id: "NodeLifecyclePolicy",
    description: `Stevedore ${i.clusterName}: launch and terminate only instances and launch templates tagged as owned by the cluster`,
    statements,
    wildcardReasons,
  };
}

/** IAM actions on the managed instance profiles of EC2NodeClass roles (`lib/cloud/aws/instance-profiles.ts`). */
export const INSTANCE_PROFILE_ACTIONS = [
  "iam:CreateInstanceProfile",
  "iam:TagInstanceProfile",
  "iam:AddRoleToInstanceProfile",
  "iam:RemoveRoleFromInstanceProfile",
  "iam:DeleteInstanceProfile",
  "iam:GetInstanceProfile",
  "iam:ListInstanceProfiles",
] as const;

/** The ARNs of the cluster's managed instance profiles: the adapter's path `/stevedore/<region>/<cluster>/`. */
export function instanceProfileArns(i: ControllerPolicyInputs): string {
  return `arn:${i.partition}:iam::${i.account}:instance-profile/stevedore/${i.region}/${i.clusterName}/*`;
}

/** The tags the adapter puts on a managed instance profile, as conditions on `aws:RequestTag` or `aws:ResourceTag`. */
function profileTagConditions(i: ControllerPolicyInputs, key: "aws:RequestTag" | "aws:ResourceTag") {
  return {
    equals: {
      [`${key}/${clusterTag(i)}`]: "owned",
      [`${key}/${TAG_STEVEDORE_REGION}`]: i.region,
      ...(key === "aws:RequestTag" ? { [`${key}/${TAG_EKS_CLUSTER_NAME}`]: i.clusterName } : {}),
    },
    like: { [`${key}/${TAG_STEVEDORE_NODECLASS}`]: "*" },
  };
}

/**
 * Karpenter's IAMIntegrationPolicy: `iam:PassRole` for the node role to EC2 only, and the instance profiles the
 * controller makes for EC2NodeClass roles — created only with the cluster, region and class request tags, changed
 * and deleted only when they carry those tags, all under the cluster's path.
 */
export function iamIntegrationPolicy(i: ControllerPolicyInputs): PolicyGroup {
  const profiles = instanceProfileArns(i);
  const request = profileTagConditions(i, "aws:RequestTag");
  const resource = profileTagConditions(i, "aws:ResourceTag");
  return {
    id: "IAMIntegrationPolicy",
    description: `Stevedore ${i.clusterName}: pass the node role to EC2 instances; manage the instance profiles of node class roles`,
    statements: [
      new PolicyStatement({
        sid: "AllowPassingNodeRoleToEC2",
        effect: Effect.ALLOW,
        actions: ["iam:PassRole"],
        resources: [i.nodeRoleArn],
        conditions: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
      }),
      new PolicyStatement({
        sid: "AllowScopedInstanceProfileCreationActions",
        effect: Effect.ALLOW,
        actions: ["iam:CreateInstanceProfile"],
        resources: [profiles],
        conditions: { StringEquals: request.equals, StringLike: request.like },
      }),
      new PolicyStatement({
        sid: "AllowScopedInstanceProfileTagActions",
        effect: Effect.ALLOW,
        actions: ["iam:TagInstanceProfile"],
        resources: [profiles],
        conditions: {
          StringEquals: { ...resource.equals, ...request.equals },
          StringLike: { ...resource.like, ...request.like },
        },
      }),
      new PolicyStatement({
        sid: "AllowScopedInstanceProfileActions",
        effect: Effect.ALLOW,
        actions: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
        resources: [profiles],
        conditions: { StringEquals: resource.equals, StringLike: resource.like },
      }),
      new PolicyStatement({
        // Read-only, on every profile of the account as Karpenter's policy does: IAM authorizes a lookup of a
        // profile that does not exist yet (the adapter's first step) on `instance-profile/<name>`, without the path.
        sid: "AllowInstanceProfileReadActions",
        effect: Effect.ALLOW,
        actions: ["iam:GetInstanceProfile"],
        // As Karpenter's: IAM checks a read of a profile that does not exist yet against its ARN without the path.
        resources: [`arn:${i.partition}:iam::${i.account}:instance-profile/*`],
      }),
      new PolicyStatement({
        sid: "AllowInstanceProfileListing",
        effect: Effect.ALLOW,
        // IAM authorizes ListInstanceProfiles on no resource type: only "*" grants it.
        actions: ["iam:ListInstanceProfiles"],
        resources: ["*"],
      }),
    ],
    wildcardReasons: {
      [profiles]:
        "instance-profile names hash the node class and role; every profile the controller makes is under the cluster's path, and changes need its cluster, region and class tags",
      [`arn:${i.partition}:iam::${i.account}:instance-profile/*`]:
        "reads only: a profile that does not exist yet has no path, and IAM checks its read against the ARN without one",
      "*": "iam:ListInstanceProfiles has no resource type; IAM grants it only on *",
    },
  };
}

/** Read-only discovery: EC2 (region-limited), the public AMI parameters, prices, this cluster. */
export function resourceDiscoveryPolicy(i: ControllerPolicyInputs): PolicyGroup {
  const amiParameters = `arn:${i.partition}:ssm:${i.region}::parameter/aws/service/*`;
  return {
    id: "ResourceDiscoveryPolicy",
    description: `Stevedore ${i.clusterName}: read instance types, offerings, prices, subnets, security groups, AMIs and the cluster`,
    statements: [
      new PolicyStatement({
        sid: "AllowRegionalReadActions",
        effect: Effect.ALLOW,
        actions: [...EC2_READ_ACTIONS],
        resources: ["*"],
        conditions: { StringEquals: { "aws:RequestedRegion": i.region } },
      }),
      new PolicyStatement({
        sid: "AllowReadingPublicAmiParameters",
        effect: Effect.ALLOW,
        actions: ["ssm:GetParameter", "ssm:GetParameters"],
        resources: [amiParameters],
      }),
      new PolicyStatement({
        sid: "AllowPricingReadActions",
        effect: Effect.ALLOW,
        actions: ["pricing:GetProducts"],
        resources: ["*"],
      }),
      new PolicyStatement({
        sid: "AllowAPIServerEndpointDiscovery",
        effect: Effect.ALLOW,
        actions: ["eks:DescribeCluster"],
        resources: [`arn:${i.partition}:eks:${i.region}:${i.account}:cluster/${i.clusterName}`],
      }),
    ],
    wildcardReasons: {
      "*": "EC2 Describe* calls and pricing:GetProducts support no resource-level permissions; the EC2 ones are limited to the stack's region by aws:RequestedRegion",
      [amiParameters]:
        "the EKS-optimized and Bottlerocket AMI ids are public parameters under /aws/service/ whose exact names depend on Kubernetes version, architecture and variant",
    },
  };
}

/** The account's default event bus in the stack's region, where every decision is published. */
export function defaultEventBusArn(i: ControllerPolicyInputs): string {
  return `arn:${i.partition}:events:${i.region}:${i.account}:event-bus/default`;
}

/**
 * The state table, the interruption queue (reaction seconds only), the default event bus (decision events) and (with
 * `configSource: ssm`) the config parameters.
 */
export function stateAndEventsPolicy(i: ControllerPolicyInputs): PolicyGroup {
  const statements = [
    new PolicyStatement({
      sid: "AllowStateTableAccess",
      effect: Effect.ALLOW,
      actions: [...STATE_TABLE_ACTIONS],
      // A query of the instance index is authorized on the index's own ARN (item actions do not apply to it).
      resources: [i.stateTableArn, `${i.stateTableArn}/index/${STATE_TABLE_SCHEMA.instanceIndex.name}`],
    }),
    ...(i.queueArn ? [queueConsumerStatement(i.queueArn)] : []),
    new PolicyStatement({
      sid: "AllowPublishingDecisionEvents",
      effect: Effect.ALLOW,
      actions: ["events:PutEvents"],
      resources: [defaultEventBusArn(i)],
    }),
  ];
  const wildcardReasons: Record<string, string> = {};
  if (i.ssmConfigPath) {
    const base = `arn:${i.partition}:ssm:${i.region}:${i.account}:parameter${i.ssmConfigPath}`;
    statements.push(
      new PolicyStatement({
        sid: "AllowReadingConfigParameters",
        effect: Effect.ALLOW,
        actions: ["ssm:GetParametersByPath", "ssm:GetParameter", "ssm:GetParameters"],
        resources: [base, `${base}/*`],
      }),
    );
    wildcardReasons[`${base}/*`] =
      "every parameter under the configured SSM path is a config document; their names are chosen by the user";
  }
  return {
    id: "StatePolicy",
    description: `Stevedore ${i.clusterName}: the state table, the interruption queue, decision events and the config parameters`,
    statements,
    wildcardReasons,
  };
}

/** Every policy group of the controller role. */
export function controllerPolicyGroups(i: ControllerPolicyInputs): PolicyGroup[] {
  return [nodeLifecyclePolicy(i), iamIntegrationPolicy(i), resourceDiscoveryPolicy(i), stateAndEventsPolicy(i)];
}
