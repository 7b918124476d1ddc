/**
 * The IAM role Stevedore's nodes run with, and its instance profile (named in every launch template Stevedore
 * creates unless a NodeClass names its own): trusted by EC2, with the four AWS managed policies an EKS worker node
 * needs — as Karpenter's `KarpenterNodeRole`.
 */
import { CfnInstanceProfile, ManagedPolicy, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { acknowledge } from "./nag.js";

/** AWS managed policies of an EKS worker node. */
export const NODE_MANAGED_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEKS_CNI_Policy",
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonSSMManagedInstanceCore",
] as const;

/**
 * The node role's name, `StevedoreNodeRole-<cluster>` (what an EC2NodeClass writes as `role:`; Karpenter's own
 * template names its role `KarpenterNodeRole-<cluster>` the same way). IAM role names have at most 64 characters: a
 * longer cluster name leaves the name to CloudFormation.
 */
export function nodeRoleName(clusterName: string): string | undefined {
  const name = `StevedoreNodeRole-${clusterName}`;
  return name.length <= 64 ? name : undefined;
}

/** The node role and instance profile. */
export class NodeRole extends Construct {
  readonly role: Role;
  readonly instanceProfile: CfnInstanceProfile;

  constructor(scope: Construct, id: string, props: { clusterName: string }) {
    super(scope, id);
    this.role = new Role(this, "Role", {
      roleName: nodeRoleName(props.clusterName),
      assumedBy: new ServicePrincipal("ec2.amazonaws.com"),
      description: `Nodes launched by Stevedore for EKS cluster ${props.clusterName}`,
      managedPolicies: NODE_MANAGED_POLICIES.map((name) => ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    this.instanceProfile = new CfnInstanceProfile(this, "InstanceProfile", { roles: [this.role.roleName] });
    for (const name of NODE_MANAGED_POLICIES) {
      acknowledge(
        this.role,
        `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
        `${name} is the AWS managed policy EKS documents for worker nodes (kubelet, VPC CNI, image pulls, SSM); ` +
          "AWS keeps it current with new EKS features, which a copy would not be",
      );
    }
  }
}
