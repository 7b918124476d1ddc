/**
 * `StevedoreStack`: everything Stevedore needs for one existing EKS cluster — the state table, the node role and
 * instance profile, the controller role with tag-scoped IAM, the interruption rules (and, with reaction seconds, their
 * queue), the controller Lambdas with their triggers, the cluster access (access entries or `aws-auth`, and RBAC), alarms and (with full
 * observability) a dashboard.
 * Configured only by {@link StevedoreStackConfig}: no lookups, so `cdk synth` works offline.
 */
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { StevedoreAlarms } from "./alarms.js";
import { ClusterAccess } from "./cluster-access.js";
import { ControllerFunctions, INTERRUPTION_TIMEOUT } from "./controller-functions.js";
import { ControllerRole } from "./controller-role.js";
import { StevedoreDashboard } from "./dashboard.js";
import { InterruptionQueue } from "./interruption-queue.js";
import { REPO_ROOT } from "./lambda-entries.js";
import { LambdaNetwork } from "./lambda-network.js";
import { NodeRole } from "./node-role.js";
import type { StevedoreStackConfig } from "./stack-config.js";
import { STACK_OUTPUTS } from "./stack-outputs.js";
import { StateTable } from "./state-table.js";

export { STACK_OUTPUTS };

/** Props of {@link StevedoreStack}. */
export interface StevedoreStackProps extends Omit<StackProps, "env" | "stackName"> {
  config: StevedoreStackConfig;
  /** Repository root holding `lambdas/` and `package-lock.json`. @default this checkout */
  root?: string;
}

/** The per-cluster Stevedore stack. */
export class StevedoreStack extends Stack {
  readonly stateTable: StateTable;
  readonly nodeRole: NodeRole;
  readonly controllerRole: ControllerRole;
  readonly interruptionQueue: InterruptionQueue;
  readonly controllers: ControllerFunctions;
  readonly clusterAccess: ClusterAccess;
  readonly network?: LambdaNetwork;
  /** Only with full observability. */
  readonly dashboard?: StevedoreDashboard;
  readonly alarms: StevedoreAlarms;

  constructor(scope: Construct, id: string, props: StevedoreStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      stackName: config.stackName,
      env: { region: config.region, ...(config.account ? { account: config.account } : {}) },
      description: `Stevedore: serverless node autoscaler for EKS cluster ${config.clusterName}`,
    });
    const root = props.root ?? REPO_ROOT;

    this.stateTable = new StateTable(this, "State");
    this.nodeRole = new NodeRole(this, "NodeRole", { clusterName: config.clusterName });
    this.interruptionQueue = new InterruptionQueue(this, "Interruption", {
      consumerTimeout: INTERRUPTION_TIMEOUT,
      reaction: config.reaction,
    });
    if (config.vpc) {
      this.network = new LambdaNetwork(this, "Network", {
        vpc: config.vpc,
        clusterName: config.clusterName,
        clusterSecurityGroupId: config.clusterSecurityGroupId,
      });
    }
    this.controllerRole = new ControllerRole(this, "Controller", {
      policy: {
        clusterName: config.clusterName,
        region: this.region,
        partition: this.partition,
        account: this.account,
        nodeRoleArn: this.nodeRole.role.roleArn,
        stateTableArn: this.stateTable.table.tableArn,
        ...(this.interruptionQueue.queue ? { queueArn: this.interruptionQueue.queue.queueArn } : {}),
        ...(config.ssmPath ? { ssmConfigPath: config.ssmPath } : {}),
      },
      network: this.network,
    });
    this.controllers = new ControllerFunctions(this, "Controllers", {
      config,
      root,
      role: this.controllerRole.role,
      ...(this.interruptionQueue.queue ? { queue: this.interruptionQueue.queue } : {}),
      deadLetterQueue: this.interruptionQueue.deadLetterQueue,
      network: this.network,
      tableName: this.stateTable.table.tableName,
      instanceProfileName: this.nodeRole.instanceProfile.ref,
    });
    this.clusterAccess = new ClusterAccess(this, "ClusterAccess", {
      config,
      root,
      nodeRole: this.nodeRole.role,
      controllerRole: this.controllerRole.role,
      network: this.network,
    });
    // Reaction minute: no queue; the interruption rules invoke the function directly.
    if (!this.interruptionQueue.queue) this.interruptionQueue.deliverTo(this.controllers.interruption);
    // The controllers start on their schedules right away; they need their Kubernetes identity first.
    for (const rule of [...this.controllers.schedules]) rule.node.addDependency(this.clusterAccess.resource);
    if (this.controllers.watcherSchedule) {
      // The watcher's first trigger must not be denied: it starts once it may invoke the provisioner.
      const invoke = this.controllerRole.allowInvoking(this.controllers.provisioner, config.clusterName);
      this.controllers.watcherSchedule.node.addDependency(invoke);
    }

    const functions = this.controllers.byName;
    this.alarms = new StevedoreAlarms(this, "Alarms", {
      clusterName: config.clusterName,
      deadLetterQueue: this.interruptionQueue.deadLetterQueue,
      functions,
      provisioner: this.controllers.provisioner,
      observability: config.observability,
    });
    if (config.observability === "full") {
      this.dashboard = new StevedoreDashboard(this, "Dashboard", {
        clusterName: config.clusterName,
        functions,
        ...(this.interruptionQueue.queue ? { queue: this.interruptionQueue.queue } : {}),
        deadLetterQueue: this.interruptionQueue.deadLetterQueue,
        alarms: this.alarms.alarms,
      });
    }

    this.addOutputs(config);
  }

  /** The stack's outputs ({@link STACK_OUTPUTS}). */
  private addOutputs(config: StevedoreStackConfig): void {
    const output = (key: string, value: string, description: string) =>
      new CfnOutput(this, key, { value, description });
    output(STACK_OUTPUTS.nodeRoleArn, this.nodeRole.role.roleArn, "IAM role of the nodes Stevedore launches");
    output(
      STACK_OUTPUTS.instanceProfileName,
      this.nodeRole.instanceProfile.ref,
      "Instance profile of the node role (default for NodeClasses that name none)",
    );
    output(
      STACK_OUTPUTS.stateTableName,
      this.stateTable.table.tableName,
      "State table (config items too): stevedore config apply --table <this>",
    );
    output(STACK_OUTPUTS.clusterName, config.clusterName, "EKS cluster: stevedore status --stack <this stack>");
    if (this.interruptionQueue.queue)
      output(STACK_OUTPUTS.queueUrl, this.interruptionQueue.queue.queueUrl, "Interruption queue");
    if (this.dashboard) output(STACK_OUTPUTS.dashboardUrl, this.dashboard.url, "CloudWatch dashboard");
    output(STACK_OUTPUTS.controllerRoleArn, this.controllerRole.role.roleArn, "IAM role of the controller Lambdas");
    if (config.ssmPath) output(STACK_OUTPUTS.configSsmPath, config.ssmPath, "SSM path the config is read from");
  }
}
