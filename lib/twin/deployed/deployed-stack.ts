/**
 * A deployed stack in the twin: from a cloud assembly, the state table (in dynalite, with the template's key
 * schema), the queues, the rules, the functions on the Lambda runtime and the event source mappings, all wired to the
 * twin's AWS emulator and fake kube-apiserver through an authorizing gateway. The functions' bundles reach them the
 * way they reach AWS, through the same code path, with only endpoints (`STEVEDORE_EC2_ENDPOINT`,
 * `STEVEDORE_DYNAMODB_ENDPOINT`, `STEVEDORE_LAMBDA_ENDPOINT`, `KUBECONFIG`) and credentials (one access key per role)
 * set by the twin.
 */

import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type ProjectionType,
  type ScalarAttributeType,
} from "@aws-sdk/client-dynamodb";
import { matchesEventPattern } from "../../cloud/aws/event-patterns.js";
import { type Clock, systemClock } from "../../core/clock.js";
import type { AwsEmulator } from "../aws/emulator.js";
import type { InstanceSnapshot } from "../aws/emulator-options.js";
import type { VirtualClock } from "../virtual-clock.js";
import { AwsGateway } from "./aws-gateway.js";
import { emulatorAuthorizationContext } from "./emulator-authorization.js";
import { IamEvaluator } from "./iam-evaluator.js";
import type { CfnTemplate } from "./intrinsics.js";
import { KubeGateway } from "./kube-gateway.js";
import { type ClusterAccessModel, readClusterAccess } from "./kube-identities.js";
import { LambdaRuntime, type LambdaRuntimeOptions } from "./lambda-runtime.js";
import { QueuePoller } from "./queue-poller.js";
import { RbacAuthorizer } from "./rbac-authorizer.js";
import { SqsQueues } from "./sqs-queues.js";
import type { DeployedStackModel } from "./template-model.js";

/** What the stack is stood up against. */
export interface DeployedStackOptions {
  model: DeployedStackModel;
  emulator: AwsEmulator;
  dynamo: { client: DynamoDBClient; endpoint: string };
  /** The fake kube-apiserver and its own bearer token. */
  kube: { url: string; token: string };
  /** The template itself (for the cluster side: access entries, RBAC). */
  template: CfnTemplate;
  /** Replaces the cluster side read from the template (tests). @default read from the template */
  clusterAccess?: (read: ClusterAccessModel) => ClusterAccessModel;
  /** Function timeout override (tests). @default the template's */
  timeoutMs?: LambdaRuntimeOptions["timeoutMs"];
  /** Where the functions' output lines go. @default dropped */
  onOutput?: LambdaRuntimeOptions["onOutput"];
  /** The twin's virtual clock for functions, queues and retries. @default the wall clock */
  clock?: VirtualClock;
  /** Poll queues continuously (else only through {@link DeployedStack.pollQueues}). @default false */
  pollContinuously?: boolean;
}

/** The stood-up stack. */
export class DeployedStack {
  private constructor(
    readonly model: DeployedStackModel,
    readonly gateway: AwsGateway,
    readonly iam: IamEvaluator,
    readonly queues: SqsQueues,
    readonly lambda: LambdaRuntime,
    readonly pollers: QueuePoller[],
    readonly kubeGateway: KubeGateway,
    /** The cluster side in force (identities, node roles, RBAC). */
    readonly clusterAccess: ClusterAccessModel,
    private readonly scratch: string,
    private readonly clock: Clock,
  ) {}

  /** Stands the stack up. Always `await stack.close()`. */
  static async standUp(opts: DeployedStackOptions): Promise<DeployedStack> {
    const { model } = opts;
    const { account, region } = model.resolver.target;
    if (model.table) await createTable(opts.dynamo.client, model.table);
    const iam = new IamEvaluator(model.roles, account);
    const gateway = new AwsGateway({
      emulatorEndpoint: opts.emulator.endpoint,
      dynamoEndpoint: opts.dynamo.endpoint,
      indexKeys: model.table?.globalIndexes?.map((g) => g.partitionKey) ?? [],
      iam,
      region,
      account,
      ec2: emulatorAuthorizationContext(opts.emulator, { region, account, instanceProfiles: model.instanceProfiles }),
      instanceProfiles: {
        account,
        instanceProfile: (name) => {
          const p = opts.emulator.world.iam.get(name);
          return p ? { path: p.path, tags: Object.fromEntries(p.tags) } : undefined;
        },
      },
    });
    const endpoint = await gateway.start();
    const read = readClusterAccess(opts.template, model.resolver);
    const access = opts.clusterAccess ? opts.clusterAccess(read) : read;
    const kubeGateway = new KubeGateway(opts.kube, new RbacAuthorizer(access.roles, access.bindings));
    const kubeUrl = await kubeGateway.start();
    const scratch = mkdtempSync(join(tmpdir(), "stevedore-kubeconfigs-"));
    const kubeconfigFor = (roleArn: string): string => {
      const file = join(scratch, `${createHash("sha256").update(roleArn).digest("hex").slice(0, 12)}.json`);
      const identity = access.identities[roleArn] ?? { user: "system:anonymous", groups: [] };
      writeFileSync(file, kubeGateway.kubeconfigFor(identity, kubeUrl));
      return file;
    };
    const lambda = new LambdaRuntime(model.functions, {
      extraEnv: (fn) => ({
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        STEVEDORE_EC2_ENDPOINT: endpoint,
        STEVEDORE_DYNAMODB_ENDPOINT: endpoint,
        STEVEDORE_LAMBDA_ENDPOINT: endpoint,
        KUBECONFIG: kubeconfigFor(fn.roleArn),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...gateway.credentialsFor(fn.roleArn, fn.name),
      }),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    // The watcher's trigger (Lambda Invoke of the provisioner) comes back through the gateway to this runtime.
    gateway.serveLambda(
      lambda,
      opts.clock
        ? {
            hold: () => opts.clock?.activity.begin() ?? (() => {}),
            answered: () => lambda.poke(),
            now: () => opts.clock?.now() ?? Date.now(),
          }
        : undefined,
    );
    // A watch event pushed to a function (the watcher) is work the runtime holds the clock for.
    kubeGateway.onStreamData = () => lambda.poke();
    const queues = new SqsQueues(opts.clock ?? systemClock, model.queues);
    const pollers = model.eventSourceMappings.map((m) => new QueuePoller(m, queues, lambda));
    if (opts.pollContinuously) for (const p of pollers) p.start();
    const clock = opts.clock ?? systemClock;
    return new DeployedStack(model, gateway, iam, queues, lambda, pollers, kubeGateway, access, scratch, clock);
  }

  /** Invokes a function synchronously with a scheduled-event payload (as its schedule rule would, but waiting). */
  invokeScheduled(name: string) {
    const fn = this.lambda.function(name);
    const rule = this.model.rules.find((r) => r.schedule && r.targets.some((t) => t.arn === fn.arn));
    return this.lambda.invoke(
      name,
      scheduledEvent(rule?.logicalId ?? name, this.model.resolver.target.region, this.clock.now()),
    );
  }

  /** Fires a schedule rule's target as EventBridge does: an asynchronous invoke with a scheduled-event payload. */
  fireSchedule(ruleLogicalId: string, functionArn: string): void {
    this.lambda.invokeAsync(
      functionArn,
      scheduledEvent(ruleLogicalId, this.model.resolver.target.region, this.clock.now()),
    );
  }

  /** Routes an event through the pattern rules: queue targets get the event as a message, functions an async invoke. */
  publish(event: unknown): number {
    let matched = 0;
    for (const rule of this.model.rules) {
      if (!rule.enabled || !rule.pattern || !matchesEventPattern(rule.pattern as never, event)) continue;
      matched++;
      for (const t of rule.targets) {
        if (t.arn.includes(":sqs:")) this.queues.send(t.arn, JSON.stringify(event));
        else if (t.arn.includes(":lambda:")) this.lambda.invokeAsync(t.arn, event);
      }
    }
    return matched;
  }

  /**
   * Whether an instance may join the cluster, as on EKS: its launch template's instance profile belongs to a role
   * with node access (an EC2 access entry or a `system:nodes` mapping). Kubelets of other instances never register.
   */
  mayJoin(instance: InstanceSnapshot, emulator: AwsEmulator): boolean {
    const template = emulator
      .launchTemplates()
      .find((t) => t.launchTemplateId === instance.launchTemplate?.launchTemplateId);
    const profile = (template?.data.IamInstanceProfile as { Name?: string } | undefined)?.Name;
    if (!profile) return false;
    // The stack's own profiles, or a profile the controller made for a node class role (in the emulator's IAM).
    const { account } = this.model.resolver.target;
    const roles = [
      this.model.instanceProfiles[profile],
      ...(emulator.world.iam.get(profile)?.roles ?? []).map((r) => `arn:aws:iam::${account}:role/${r}`),
    ];
    return roles.some((role) => role !== undefined && this.clusterAccess.nodeRoles.includes(role));
  }

  /** Polls every mapped queue once. */
  async pollQueues(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.pollOnce()));
  }

  /** Stops pollers, kills every environment, closes the gateway. */
  async close(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
    await this.lambda.close();
    await this.gateway.close();
    await this.kubeGateway.close();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

function scheduledEvent(rule: string, region: string, now: number) {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    time: new Date(now).toISOString(),
    region,
    resources: [rule],
    detail: {},
  };
}

async function createTable(client: DynamoDBClient, t: NonNullable<DeployedStackModel["table"]>): Promise<void> {
  const indexes = t.globalIndexes ?? [];
  const keys = [...new Set([t.partitionKey, ...(t.sortKey ? [t.sortKey] : []), ...indexes.map((g) => g.partitionKey)])];
  await client.send(
    new CreateTableCommand({
      TableName: t.name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: keys.map((k) => ({
        AttributeName: k,
        AttributeType: (t.attributeTypes[k] ?? "S") as ScalarAttributeType,
      })),
      KeySchema: [
        { AttributeName: t.partitionKey, KeyType: "HASH" },
        ...(t.sortKey ? [{ AttributeName: t.sortKey, KeyType: "RANGE" as const }] : []),
      ],
      ...(indexes.length
        ? {
            GlobalSecondaryIndexes: indexes.map((g) => ({
              IndexName: g.name,
              KeySchema: [{ AttributeName: g.partitionKey, KeyType: "HASH" as const }],
              Projection: { ProjectionType: g.projection as ProjectionType },
            })),
          }
        : {}),
    }),
  );
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: t.name }));
    if (d.Table?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
