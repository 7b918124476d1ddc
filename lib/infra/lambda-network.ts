/**
 * Lambdas in the cluster's VPC, for clusters whose API server endpoint is private (a Lambda outside the VPC cannot reach it):
 * the subnets and security groups from the stack settings (or one security group the stack creates, egress only), an
 * optional HTTPS ingress rule on the cluster security group, and the network-interface permissions Lambda needs —
 * written out instead of the `AWSLambdaVPCAccessExecutionRole` managed policy and scoped to the configured subnets.
 */
import { Stack } from "aws-cdk-lib";
import {
  CfnSecurityGroupIngress,
  type ISecurityGroup,
  type ISubnet,
  type IVpc,
  SecurityGroup,
  Subnet,
  Vpc,
} from "aws-cdk-lib/aws-ec2";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import type { StackVpcConfig } from "./stack-config.js";

/** Props of {@link LambdaNetwork}. */
export interface LambdaNetworkProps {
  vpc: StackVpcConfig;
  clusterName: string;
  /** The cluster security group to open 443 on for the Lambdas. @default unset (no rule) */
  clusterSecurityGroupId?: string;
}

/** Network-interface actions Lambda performs with the function's role (scoped to the subnets). */
export const LAMBDA_ENI_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
] as const;

/** VPC, subnets and security groups for the Lambdas. */
export class LambdaNetwork extends Construct {
  readonly vpc: IVpc;
  readonly subnets: ISubnet[];
  readonly securityGroups: ISecurityGroup[];
  private readonly subnetIds: string[];

  constructor(scope: Construct, id: string, props: LambdaNetworkProps) {
    super(scope, id);
    this.subnetIds = props.vpc.subnetIds;
    this.vpc = Vpc.fromVpcAttributes(this, "Vpc", {
      vpcId: props.vpc.vpcId,
      // No lookups at synth: the subnets are passed explicitly, so the VPC's zone list is never read; the CDK only
      // requires one to be present.
      availabilityZones: [`${Stack.of(this).region}a`],
    });
    this.subnets = props.vpc.subnetIds.map((s, i) => Subnet.fromSubnetId(this, `Subnet${i}`, s));
    if (props.vpc.securityGroupIds.length > 0) {
      this.securityGroups = props.vpc.securityGroupIds.map((sg, i) =>
        SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, sg),
      );
    } else {
      this.securityGroups = [
        new SecurityGroup(this, "SecurityGroup", {
          vpc: this.vpc,
          description: `Stevedore Lambdas of EKS cluster ${props.clusterName} (egress only)`,
          allowAllOutbound: true,
        }),
      ];
    }
    if (props.clusterSecurityGroupId) {
      this.securityGroups.forEach((sg, i) => {
        new CfnSecurityGroupIngress(this, `ClusterApiIngress${i}`, {
          groupId: props.clusterSecurityGroupId as string,
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          sourceSecurityGroupId: sg.securityGroupId,
          description: "Stevedore Lambdas to the Kubernetes API server",
        });
      });
    }
  }

  /** Statements a function role needs for Lambda to attach it to the subnets. */
  eniStatements(): PolicyStatement[] {
    const stack = Stack.of(this);
    const arn = (type: string, id: string) =>
      `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${type}/${id}`;
    const subnetArns = this.subnetIds.map((s) => arn("subnet", s));
    return [
      new PolicyStatement({
        sid: "AllowLambdaInterfacesInConfiguredSubnets",
        effect: Effect.ALLOW,
        actions: ["ec2:CreateNetworkInterface"],
        resources: [...subnetArns, ...this.securityGroups.map((sg) => arn("security-group", sg.securityGroupId))],
      }),
      new PolicyStatement({
        sid: "AllowLambdaInterfaceLifecycleInConfiguredSubnets",
        effect: Effect.ALLOW,
        actions: [...LAMBDA_ENI_ACTIONS],
        resources: [arn("network-interface", "*")],
        conditions: { ArnEquals: { "ec2:Subnet": subnetArns } },
      }),
      new PolicyStatement({
        sid: "AllowDescribingLambdaInterfaces",
        effect: Effect.ALLOW,
        actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:RequestedRegion": stack.region } },
      }),
    ];
  }

  /** Why the ENI statements' resource wildcards are needed (cdk-nag acknowledgements). */
  eniWildcardReasons(): Record<string, string> {
    const stack = Stack.of(this);
    return {
      [`arn:${stack.partition}:ec2:${stack.region}:${stack.account}:network-interface/*`]:
        "Lambda creates and deletes the function's network interfaces; their ids are not known in advance and the statement is limited to the configured subnets by ec2:Subnet",
      "*": "ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level permissions; limited to the stack's region",
    };
  }
}
