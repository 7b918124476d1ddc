/**
 * A deployed stack in the twin: from a cloud assembly, the state table (in dynalite, with the template's key
 * schema), the queues, the rules, the functions on the Lambda runtime and the event source mappings, all wired to the
 * twin's AWS emulator and fake kube-apiserver through an authorizing gateway. A rule invokes a function target
 * asynchronously only when the function's resource policy lets `events.amazonaws.com` do so from that rule; otherwise
 * the delivery fails (`ruleDeliveryFailures`, and a denial in `iam.denials`) and the event goes to the target's
 * dead-letter queue. An async event the function gives up on goes to its dead-letter queue (sent with its role,
 * which must allow `sqs:SendMessage` there). The functions' bundles reach them the
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
import { permissionFor } from "./lambda-permissions.js";
import { type AsyncFailure, LambdaRuntime, type LambdaRuntimeOptions } from "./lambda-runtime.js";
import { QueuePoller } from "./queue-poller.js";
import { RbacAuthorizer } from "./rbac-authorizer.js";
import { SqsQueues } from "./sqs-queues.js";
import type { DeployedFunction, DeployedRule, DeployedRuleTarget, DeployedStackModel } from "./template-model.js";

/** The principal EventBridge invokes targets as. */
const EVENTS_PRINCIPAL = "events.amazonaws.com";

/** A rule event EventBridge could not deliver to its target. */
export interface RuleDeliveryFailure {
  rule: string;
  target: string;
  /** As EventBridge reports it in the dead-letter message's attributes. */
  errorCode: "NO_PERMISSIONS" | "RESOURCE_NOT_FOUND";
  /** Whether the event reached the target's dead-letter queue. */
  deadLettered: boolean;
  at: number;
}

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
  /** Rule events that could not be delivered (no permission, no such target), in order. */
  readonly ruleDeliveryFailures: RuleDeliveryFailure[] = [];

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
      onAsyncFailure: (fn, event, failure) => sendFailedEvent(fn, event, failure),
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
    // Lambda sends an event it gave up on with the function's role: the role must allow sqs:SendMessage there.
    const sendFailedEvent = async (fn: DeployedFunction, event: unknown, failure: AsyncFailure) => {
      const target = fn.asyncFailure;
      if (!target?.arn.includes(":sqs:")) return;
      const allowed = await iam.authorize(fn.roleArn, [{ action: "sqs:SendMessage", resource: target.arn }]);
      if (!allowed.allowed) return;
      const body = target.kind === "dead-letter-queue" ? event : invocationRecord(fn, event, failure, opts.clock);
      try {
        queues.send(target.arn, JSON.stringify(body));
      } catch {
        // A queue the template does not have: the event is lost, as on AWS.
      }
    };
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
    const rule = this.model.rules.find((r) => r.logicalId === ruleLogicalId);
    const target = rule?.targets.find((t) => t.arn === functionArn);
    const event = scheduledEvent(rule?.arn ?? ruleLogicalId, this.model.resolver.target.region, this.clock.now());
    if (rule && target) this.deliver(rule, target, event);
    else this.lambda.invokeAsync(functionArn, event);
  }

  /**
   * Routes an event through the pattern rules: queue targets get the event as a message, functions an async invoke
   * (when their resource policy allows the rule).
   */
  publish(event: unknown): number {
    let matched = 0;
    for (const rule of this.model.rules) {
      if (!rule.enabled || !rule.pattern || !matchesEventPattern(rule.pattern as never, event)) continue;
      matched++;
      for (const t of rule.targets) this.deliver(rule, t, event);
    }
    return matched;
  }

  /**
   * One target of a rule. A function is invoked asynchronously (Lambda then retries and dead-letters as the function
   * says) once Lambda accepted EventBridge's call: only a permission for `events.amazonaws.com` from this rule lets
   * it. A refused call is not retried (it cannot succeed): the event goes to the target's dead-letter queue.
   * EventBridge's own retries (the target's retry policy) answer errors the twin never raises (Lambda's API
   * unavailable or throttled at the account level).
   */
  private deliver(rule: DeployedRule, target: DeployedRuleTarget, event: unknown): void {
    if (target.arn.includes(":sqs:")) {
      this.queues.send(target.arn, JSON.stringify(event));
      return;
    }
    if (!target.arn.includes(":lambda:")) return;
    const { account } = this.model.resolver.target;
    const exists = this.model.functions.some((f) => f.arn === target.arn);
    const request = {
      functionArn: target.arn,
      principal: EVENTS_PRINCIPAL,
      sourceArn: rule.arn,
      sourceAccount: account,
    };
    if (exists && permissionFor(this.model.permissions, request)) {
      this.lambda.invokeAsync(target.arn, event);
      return;
    }
    const errorCode = exists ? "NO_PERMISSIONS" : "RESOURCE_NOT_FOUND";
    if (exists) {
      const message = `${EVENTS_PRINCIPAL} is not authorized to perform: lambda:InvokeFunction on resource: ${target.arn} from ${rule.arn} because no resource-based policy allows it`;
      this.iam.denials.push({
        roleArn: EVENTS_PRINCIPAL,
        check: { action: "lambda:InvokeFunction", resource: target.arn, context: { "aws:SourceArn": rule.arn } },
        result: "ImplicitlyDenied",
        message,
      });
    }
    let deadLettered = false;
    if (target.deadLetterArn) {
      try {
        this.queues.send(target.deadLetterArn, JSON.stringify(event));
        deadLettered = true;
      } catch {
        // No such queue in the template: the event is lost.
      }
    }
    const failure = {
      rule: rule.logicalId,
      target: target.arn,
      errorCode,
      deadLettered,
      at: this.clock.now(),
    } as const;
    this.ruleDeliveryFailures.push(failure);
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

/** What Lambda sends to an on-failure destination: the request, why it failed and the last response. */
function invocationRecord(fn: DeployedFunction, event: unknown, failure: AsyncFailure, clock?: VirtualClock) {
  const last = failure.last;
  return {
    version: "1.0",
    timestamp: new Date(clock?.now() ?? Date.now()).toISOString(),
    requestContext: {
      requestId: crypto.randomUUID(),
      functionArn: `${fn.arn}:$LATEST`,
      condition: failure.condition,
      approximateInvokeCount: failure.attempts,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: last ? "Unhandled" : undefined },
    responsePayload: last && last.status === "error" ? last.error : undefined,
  };
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
