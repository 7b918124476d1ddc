/**
 * Giving the node role and the controllers a Kubernetes identity in an existing cluster (README
 * "Prerequisites" explains the authentication modes):
 *
 * - authentication mode `API` or `API_AND_CONFIG_MAP`: EKS access entries — `EC2_LINUX` for the node role (EKS grants
 *   node permissions itself) and `STANDARD` with the Kubernetes group {@link CONTROLLER_GROUP} for the controller role;
 * - `CONFIG_MAP`: both roles merged into `kube-system/aws-auth` `mapRoles` by the custom resource, which never
 *   overwrites other entries and removes only its own on delete.
 *
 * In both cases the custom resource (`lambdas/cluster-access.ts`) applies the controller ClusterRole and
 * ClusterRoleBinding. To reach the API it assumes `kubectlRoleArn` when given; otherwise (API modes only) its own role
 * gets an access entry with `AmazonEKSClusterAdminPolicy` — a role only this function can assume, and the function is
 * invoked only by CloudFormation.
 */
import { CustomResource, Duration, Stack } from "aws-cdk-lib";
import { CfnAccessEntry } from "aws-cdk-lib/aws-eks";
import { Effect, type IRole, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Construct } from "constructs";
import { nodeRoleMapping, type RoleMapping } from "./cluster-access/aws-auth.js";
import type { ClusterAccessProperties } from "./cluster-access/properties.js";
import { CONTROLLER_GROUP, CONTROLLER_USERNAME, rbacVersion } from "./cluster-access/rbac.js";
import type { LambdaNetwork } from "./lambda-network.js";
import { acknowledgeWildcardResources } from "./nag.js";
import type { StevedoreStackConfig } from "./stack-config.js";
import { createStevedoreFunction } from "./stevedore-function.js";

/** The EKS access policy the custom resource's own role gets when no `kubectlRoleArn` is given. */
export const CLUSTER_ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy";

/** Props of {@link ClusterAccess}. */
export interface ClusterAccessProps {
  config: StevedoreStackConfig;
  root: string;
  nodeRole: IRole;
  controllerRole: IRole;
  network?: LambdaNetwork;
}

/** Access entries or `aws-auth` mappings, and the RBAC custom resource. */
export class ClusterAccess extends Construct {
  readonly function: NodejsFunction;
  readonly resource: CustomResource;
  readonly accessEntries: CfnAccessEntry[] = [];

  constructor(scope: Construct, id: string, props: ClusterAccessProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const clusterArn = `arn:${stack.partition}:eks:${stack.region}:${stack.account}:cluster/${config.clusterName}`;
    const useAccessEntries = config.authenticationMode !== "CONFIG_MAP";

    const statements = [
      new PolicyStatement({
        sid: "AllowAPIServerEndpointDiscovery",
        effect: Effect.ALLOW,
        actions: ["eks:DescribeCluster"],
        resources: [clusterArn],
      }),
    ];
    if (config.kubectlRoleArn) {
      statements.push(
        new PolicyStatement({
          sid: "AllowAssumingKubectlRole",
          effect: Effect.ALLOW,
          actions: ["sts:AssumeRole"],
          resources: [config.kubectlRoleArn],
        }),
      );
    }
    if (props.network) statements.push(...props.network.eniStatements());
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Stevedore cluster access (RBAC, aws-auth) of EKS cluster ${config.clusterName}`,
      inlinePolicies: { ClusterAccess: new PolicyDocument({ statements }) },
    });
    if (props.network) acknowledgeWildcardResources(role, props.network.eniWildcardReasons());

    this.function = createStevedoreFunction(this, "Function", {
      name: "clusterAccess",
      description: `Stevedore cluster access of EKS cluster ${config.clusterName}: RBAC and aws-auth`,
      root: props.root,
      role,
      environment: { STEVEDORE_CLUSTER_NAME: config.clusterName },
      timeout: Duration.minutes(5),
      memorySize: 256,
      logRetentionDays: config.logRetentionDays,
      network: props.network,
    });

    let mappings: RoleMapping[] = [];
    if (useAccessEntries) {
      this.accessEntries.push(
        new CfnAccessEntry(this, "NodeAccessEntry", {
          clusterName: config.clusterName,
          principalArn: props.nodeRole.roleArn,
          type: "EC2_LINUX",
        }),
        new CfnAccessEntry(this, "ControllerAccessEntry", {
          clusterName: config.clusterName,
          principalArn: props.controllerRole.roleArn,
          type: "STANDARD",
          kubernetesGroups: [CONTROLLER_GROUP],
        }),
      );
      if (!config.kubectlRoleArn) {
        this.accessEntries.push(
          new CfnAccessEntry(this, "ClusterAccessAdminEntry", {
            clusterName: config.clusterName,
            principalArn: role.roleArn,
            type: "STANDARD",
            accessPolicies: [
              {
                policyArn: `arn:${stack.partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_ACCESS_POLICY}`,
                accessScope: { type: "cluster" },
              },
            ],
          }),
        );
      }
    } else {
      mappings = [
        nodeRoleMapping(props.nodeRole.roleArn),
        { rolearn: props.controllerRole.roleArn, username: CONTROLLER_USERNAME, groups: [CONTROLLER_GROUP] },
      ];
    }

    const properties: ClusterAccessProperties = {
      ClusterName: config.clusterName,
      Mode: useAccessEntries ? "access-entries" : "aws-auth",
      RoleMappings: mappings,
      ControllerGroup: CONTROLLER_GROUP,
      RbacVersion: rbacVersion(),
      ...(config.kubectlRoleArn ? { KubectlRoleArn: config.kubectlRoleArn } : {}),
    };
    this.resource = new CustomResource(this, "Resource", {
      serviceToken: this.function.functionArn,
      resourceType: "Custom::StevedoreClusterAccess",
      // The handler answers within its 5-minute timeout; CloudFormation must not wait its default hour.
      serviceTimeout: Duration.minutes(10),
      properties: properties as unknown as Record<string, unknown>,
    });
    for (const entry of this.accessEntries) this.resource.node.addDependency(entry);
  }
}
