/**
 * The execution role shared by the four controller Lambdas (one controller identity, as Karpenter has one): trusted
 * by Lambda only, with the customer-managed policies of `controller-policy.ts` (plus the VPC network-interface
 * permissions when the Lambdas run in a VPC, and `provisioner-invoke-policy.ts` with `reaction: seconds`). Logs permissions are added per log group by the functions.
 */
import { ManagedPolicy, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { type ControllerPolicyInputs, controllerPolicyGroups } from "./controller-policy.js";
import type { LambdaNetwork } from "./lambda-network.js";
import { acknowledgeWildcardResources } from "./nag.js";
import { provisionerInvokePolicy } from "./provisioner-invoke-policy.js";

/** Props of {@link ControllerRole}. */
export interface ControllerRoleProps {
  policy: ControllerPolicyInputs;
  network?: LambdaNetwork;
}

/** The controllers' role and its managed policies. */
export class ControllerRole extends Construct {
  readonly role: Role;
  readonly policies: ManagedPolicy[];

  constructor(scope: Construct, id: string, props: ControllerRoleProps) {
    super(scope, id);
    this.policies = controllerPolicyGroups(props.policy).map((group) => {
      const policy = new ManagedPolicy(this, group.id, {
        description: group.description,
        statements: group.statements,
      });
      acknowledgeWildcardResources(policy, group.wildcardReasons);
      return policy;
    });
    if (props.network) {
      const policy = new ManagedPolicy(this, "NetworkPolicy", {
        description: `Stevedore ${props.policy.clusterName}: Lambda network interfaces in the configured subnets`,
        statements: props.network.eniStatements(),
      });
      acknowledgeWildcardResources(policy, props.network.eniWildcardReasons());
      this.policies.push(policy);
    }
    // Attached through the role's ManagedPolicyArns, so the functions (and the SQS event source mapping, which
    // CloudFormation validates against the role) are created only once the permissions exist.
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Stevedore controllers of EKS cluster ${props.policy.clusterName}`,
      managedPolicies: this.policies,
    });
  }

  /**
   * Lets the controllers invoke `provisioner` (the watcher's trigger): a managed policy attached through its
   * `Roles`, so it depends on the function and the role and neither of them on it.
   */
  allowInvoking(provisioner: IFunction, clusterName: string): ManagedPolicy {
    const group = provisionerInvokePolicy(clusterName, provisioner.functionArn);
    const policy = new ManagedPolicy(this, group.id, {
      description: group.description,
      statements: group.statements,
      roles: [this.role],
    });
    this.policies.push(policy);
    return policy;
  }
}
