/**
 * What the twin's deployed mode stands up from a synthesized template: the state table, the queues with their
 * redrive policy, the EventBridge rules (targets with their retry policy and dead-letter queue), the Lambda functions
 * with their asset bundles and invoke settings (retries, maximum event age, where a failed async event goes), the
 * functions' resource policies (`AWS::Lambda::Permission`), the event source mappings and the IAM roles with every
 * policy attached to them. Every other resource type is listed
 * in `unmodelled`, so the output says what the twin does not stand up.
 */
import { join } from "node:path";
import { type CfnTemplate, IntrinsicResolver, type TemplateResource } from "./intrinsics.js";
import { type DeployedPermission, readPermissions } from "./lambda-permissions.js";

/** The DynamoDB table. */
export interface DeployedTable {
  logicalId: string;
  name: string;
  partitionKey: string;
  sortKey?: string;
  /** Types of the key attributes (`S`, `N`, `B`). */
  attributeTypes: Record<string, string>;
  /** TTL attribute. @default unset */
  ttlAttribute?: string;
  /** Global secondary indexes: name, partition key attribute and projection type. @default none */
  globalIndexes?: { name: string; partitionKey: string; projection: string }[];
}

/** An SQS queue. */
export interface DeployedQueue {
  logicalId: string;
  name: string;
  arn: string;
  url: string;
  /** @default 30 (SQS's default) */
  visibilityTimeoutSeconds: number;
  /** @default 345600 (four days, SQS's default) */
  messageRetentionSeconds: number;
  /** Dead-letter queue and receives before a message moves there. @default unset */
  redrive?: { deadLetterArn: string; maxReceiveCount: number };
}

/** One target of a rule. */
export interface DeployedRuleTarget {
  arn: string;
  /** @default 86400 s (EventBridge's default) */
  maxEventAgeSeconds: number;
  /** @default 185 (EventBridge's default) */
  maxRetryAttempts: number;
  /** Where EventBridge sends an event it could not deliver. @default none (dropped) */
  deadLetterArn?: string;
}

/** An EventBridge rule: a schedule or an event pattern. */
export interface DeployedRule {
  logicalId: string;
  arn: string;
  schedule?: string;
  pattern?: unknown;
  enabled: boolean;
  targets: DeployedRuleTarget[];
}

/** A Lambda function. */
export interface DeployedFunction {
  logicalId: string;
  /** Short name (`provisioner`, `disruptor`, `garbageCollector`, `interruption`, …) from the construct path. */
  name: string;
  arn: string;
  handler: string;
  runtime: string;
  /** @default 128 */
  memoryMb: number;
  /** @default 3 */
  timeoutSeconds: number;
  /** @default unset (the account's unreserved pool) */
  reservedConcurrency?: number;
  environment: Record<string, string>;
  roleArn: string;
  /** Absolute path of the asset directory in the cloud assembly. */
  assetDir: string;
  /** Async invocations older than this are dropped. @default 21600 (six hours) */
  maxEventAgeSeconds: number;
  /** Async retries after a failure. @default 2 */
  maxRetryAttempts: number;
  /**
   * Where Lambda sends an async event that failed every retry or grew too old: the function's dead-letter queue (the
   * event itself), or its invoke config's on-failure destination (an invocation record); an SQS queue — one of
   * another kind is listed as unmodelled. @default none (dropped)
   */
  asyncFailure?: { arn: string; kind: "dead-letter-queue" | "on-failure-destination" };
}

/** An event source mapping from a queue. */
export interface DeployedEventSourceMapping {
  logicalId: string;
  functionArn: string;
  queueArn: string;
  /** @default 10 */
  batchSize: number;
  reportBatchItemFailures: boolean;
  /** @default unset */
  maxConcurrency?: number;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/** An IAM role with the policies attached to it in the template. */
export interface DeployedRole {
  logicalId: string;
  name: string;
  arn: string;
  policies: { name: string; document: PolicyDocument }[];
  /** Managed policies not defined in the template (AWS managed): named, not evaluated. */
  externalPolicyArns: string[];
}

/** Everything the deployed mode stands up, and what it does not. */
export interface DeployedStackModel {
  resolver: IntrinsicResolver;
  table?: DeployedTable;
  queues: DeployedQueue[];
  rules: DeployedRule[];
  functions: DeployedFunction[];
  eventSourceMappings: DeployedEventSourceMapping[];
  /** Who may invoke which function (resource policies), by principal and source. */
  permissions: DeployedPermission[];
  roles: DeployedRole[];
  /** Instance profile name → role ARN (`AWS::IAM::InstanceProfile`). */
  instanceProfiles: Record<string, string>;
  /** Resources the twin does not stand up. */
  unmodelled: { logicalId: string; type: string }[];
}

/** Types read into the model (invoke configs, policies and permissions feed the functions and roles). */
export const MODELLED_TYPES: ReadonlySet<string> = new Set([
  "AWS::DynamoDB::Table",
  "AWS::SQS::Queue",
  "AWS::Events::Rule",
  "AWS::Lambda::Function",
  "AWS::Lambda::EventInvokeConfig",
  "AWS::Lambda::EventSourceMapping",
  "AWS::Lambda::Permission",
  "AWS::IAM::Role",
  "AWS::IAM::Policy",
  "AWS::IAM::ManagedPolicy",
  "AWS::IAM::InstanceProfile",
]);

const num = (v: unknown, fallback: number): number => (v === undefined ? fallback : Number(v));

function functionName(id: string, r: TemplateResource): string {
  const path = String(r.Metadata?.["aws:cdk:path"] ?? id).split("/");
  const parts = path.filter((p) => p !== "Resource" && p !== "Default");
  let name = parts[parts.length - 1] ?? id;
  if (name === "Function" && parts.length > 1) name = parts[parts.length - 2];
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function of(template: CfnTemplate, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** A global secondary index as a template declares it. */
interface CfnGlobalIndex {
  IndexName: string;
  KeySchema: { AttributeName: string; KeyType: string }[];
  Projection?: { ProjectionType?: string };
}

function readTable(rv: IntrinsicResolver, template: CfnTemplate): DeployedTable | undefined {
  const [entry] = of(template, "AWS::DynamoDB::Table");
  if (!entry) return undefined;
  const [id, r] = entry;
  const p = rv.resolve(r.Properties ?? {}) as Record<string, unknown>;
  const keys = (p.KeySchema as { AttributeName: string; KeyType: string }[]) ?? [];
  const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  const gsis = (p.GlobalSecondaryIndexes as CfnGlobalIndex[] | undefined) ?? [];
  const indexes = gsis.map((g) => ({
    name: g.IndexName,
    partitionKey: g.KeySchema.find((k) => k.KeyType === "HASH")?.AttributeName ?? "",
    projection: g.Projection?.ProjectionType ?? "ALL",
  }));
  return {
    logicalId: id,
    name: rv.physicalName(id),
    partitionKey: keys.find((k) => k.KeyType === "HASH")?.AttributeName ?? "",
    attributeTypes: Object.fromEntries(
      ((p.AttributeDefinitions as { AttributeName: string; AttributeType: string }[]) ?? []).map((a) => [
        a.AttributeName,
        a.AttributeType,
      ]),
    ),
    ...(keys.find((k) => k.KeyType === "RANGE")
      ? { sortKey: keys.find((k) => k.KeyType === "RANGE")?.AttributeName }
      : {}),
    ...(ttl?.Enabled && ttl.AttributeName ? { ttlAttribute: ttl.AttributeName } : {}),
    ...(indexes.length ? { globalIndexes: indexes } : {}),
  };
}

function readQueues(rv: IntrinsicResolver, template: CfnTemplate): DeployedQueue[] {
  return of(template, "AWS::SQS::Queue").map(([id, r]) => {
    const p = rv.resolve(r.Properties ?? {}) as Record<string, unknown>;
    const redrive = p.RedrivePolicy as { deadLetterTargetArn: string; maxReceiveCount: number } | undefined;
    return {
      logicalId: id,
      name: rv.physicalName(id),
      arn: rv.arn(id),
      url: rv.queueUrl(id),
      visibilityTimeoutSeconds: num(p.VisibilityTimeout, 30),
      messageRetentionSeconds: num(p.MessageRetentionPeriod, 345_600),
      ...(redrive
        ? { redrive: { deadLetterArn: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount) } }
        : {}),
    };
  });
}

function readRules(rv: IntrinsicResolver, template: CfnTemplate): DeployedRule[] {
  return of(template, "AWS::Events::Rule").map(([id, r]) => {
    const p = rv.resolve(r.Properties ?? {}) as Record<string, unknown>;
    const targets = ((p.Targets as Record<string, unknown>[]) ?? []).map((t) => {
      const retry = (t.RetryPolicy ?? {}) as Record<string, unknown>;
      const deadLetter = (t.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
      return {
        arn: String(t.Arn),
        maxEventAgeSeconds: num(retry.MaximumEventAgeInSeconds, 86_400),
        maxRetryAttempts: num(retry.MaximumRetryAttempts, 185),
        ...(deadLetter ? { deadLetterArn: String(deadLetter) } : {}),
      };
    });
    return {
      logicalId: id,
      arn: rv.arn(id),
      ...(p.ScheduleExpression ? { schedule: String(p.ScheduleExpression) } : {}),
      ...(p.EventPattern ? { pattern: p.EventPattern } : {}),
      enabled: p.State !== "DISABLED",
      targets,
    };
  });
}

function readFunctions(rv: IntrinsicResolver, template: CfnTemplate, assemblyDir: string): DeployedFunction[] {
  const invokeConfigs = of(template, "AWS::Lambda::EventInvokeConfig").map(
    ([, r]) => rv.resolve(r.Properties ?? {}) as Record<string, unknown>,
  );
  return of(template, "AWS::Lambda::Function").map(([id, r]) => {
    const p = rv.resolve(r.Properties ?? {}) as Record<string, unknown>;
    const arn = rv.arn(id);
    const physical = rv.physicalName(id);
    const invoke = invokeConfigs.find((c) => c.FunctionName === physical || c.FunctionName === arn) ?? {};
    const env = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<
      string,
      unknown
    >;
    const failure = asyncFailure(p, invoke);
    return {
      logicalId: id,
      name: functionName(id, r),
      arn,
      handler: String(p.Handler ?? "index.handler"),
      runtime: String(p.Runtime ?? ""),
      memoryMb: num(p.MemorySize, 128),
      timeoutSeconds: num(p.Timeout, 3),
      ...(p.ReservedConcurrentExecutions !== undefined
        ? { reservedConcurrency: Number(p.ReservedConcurrentExecutions) }
        : {}),
      environment: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
      roleArn: String(p.Role ?? ""),
      assetDir: join(assemblyDir, String(r.Metadata?.["aws:asset:path"] ?? "")),
      maxEventAgeSeconds: num(invoke.MaximumEventAgeInSeconds, 21_600),
      maxRetryAttempts: num(invoke.MaximumRetryAttempts, 2),
      ...(failure ? { asyncFailure: failure } : {}),
    };
  });
}

/** The function's dead-letter queue, else its invoke config's on-failure destination (the twin sends to one). */
function asyncFailure(
  fn: Record<string, unknown>,
  invoke: Record<string, unknown>,
): DeployedFunction["asyncFailure"] | undefined {
  const deadLetter = (fn.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
  if (deadLetter) return { arn: String(deadLetter), kind: "dead-letter-queue" };
  const destination = (invoke.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure
    ?.Destination;
  return destination ? { arn: String(destination), kind: "on-failure-destination" } : undefined;
}

/**
 * Where failed async events go that the twin cannot deliver to (an on-success destination, or a dead-letter queue or
 * on-failure destination that is not an SQS queue: SNS, EventBridge, another function).
 */
function unmodelledDestinations(rv: IntrinsicResolver, template: CfnTemplate): { logicalId: string; type: string }[] {
  const out: { logicalId: string; type: string }[] = [];
  for (const [logicalId, r] of of(template, "AWS::Lambda::EventInvokeConfig")) {
    const p = rv.resolve(r.Properties ?? {}) as Record<string, unknown>;
    const dest = (p.DestinationConfig ?? {}) as Record<string, { Destination?: unknown } | undefined>;
    if (dest.OnSuccess?.Destination !== undefined)
      out.push({ logicalId, type: "AWS::Lambda::EventInvokeConfig (OnSuccess destination)" });
    if (dest.OnFailure?.Destination !== undefined && !String(dest.OnFailure.Destination).includes(":sqs:"))
      out.push({ logicalId, type: "AWS::Lambda::EventInvokeConfig (OnFailure destination not SQS)" });
  }
  for (const [logicalId, r] of of(template, "AWS::Lambda::Function")) {
    const p = rv.resolve(r.Properties ?? {}) as Record<string, unknown>;
    const target = (p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    if (target !== undefined && !String(target).includes(":sqs:"))
      out.push({ logicalId, type: "AWS::Lambda::Function (DeadLetterConfig not SQS)" });
  }
  return out;
}

function readMappings(rv: IntrinsicResolver, template: CfnTemplate): DeployedEventSourceMapping[] {
  return of(template, "AWS::Lambda::EventSourceMapping").map(([id, r]) => {
    const p = rv.resolve(r.Properties ?? {}) as Record<string, unknown>;
    const fn = String(p.FunctionName);
    const scaling = p.ScalingConfig as { MaximumConcurrency?: number } | undefined;
    return {
      logicalId: id,
      functionArn: fn.startsWith("arn:")
        ? fn
        : `arn:${rv.target.partition}:lambda:${rv.target.region}:${rv.target.account}:function:${fn}`,
      queueArn: String(p.EventSourceArn),
      batchSize: num(p.BatchSize, 10),
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[]) ?? []).includes("ReportBatchItemFailures"),
      ...(scaling?.MaximumConcurrency ? { maxConcurrency: Number(scaling.MaximumConcurrency) } : {}),
    };
  });
}

function readRoles(rv: IntrinsicResolver, template: CfnTemplate): DeployedRole[] {
  const managed = new Map(
    of(template, "AWS::IAM::ManagedPolicy").map(([id, r]) => [
      rv.arn(id),
      { id, props: rv.resolve(r.Properties ?? {}) as Record<string, unknown> },
    ]),
  );
  const inline = of(template, "AWS::IAM::Policy").map(([id, r]) => ({
    id,
    props: rv.resolve(r.Properties ?? {}) as Record<string, unknown>,
  }));
  return of(template, "AWS::IAM::Role").map(([id, r]) => {
    const p = rv.resolve(r.Properties ?? {}) as Record<string, unknown>;
    const name = rv.physicalName(id);
    const policies: DeployedRole["policies"] = [];
    for (const pol of (p.Policies as { PolicyName: string; PolicyDocument: PolicyDocument }[]) ?? []) {
      policies.push({ name: pol.PolicyName, document: pol.PolicyDocument });
    }
    const externalPolicyArns: string[] = [];
    for (const arn of (p.ManagedPolicyArns as string[]) ?? []) {
      const m = managed.get(arn);
      if (m) policies.push({ name: m.id, document: m.props.PolicyDocument as PolicyDocument });
      else externalPolicyArns.push(arn);
    }
    for (const m of managed.values()) {
      if (((m.props.Roles as string[]) ?? []).includes(name)) {
        policies.push({ name: m.id, document: m.props.PolicyDocument as PolicyDocument });
      }
    }
    for (const pol of inline) {
      if (((pol.props.Roles as string[]) ?? []).includes(name)) {
        policies.push({
          name: String(pol.props.PolicyName ?? pol.id),
          document: pol.props.PolicyDocument as PolicyDocument,
        });
      }
    }
    return { logicalId: id, name, arn: rv.arn(id), policies, externalPolicyArns };
  });
}

/** Reads the model of a synthesized template; `assemblyDir` is where its assets are. */
export function readDeployedModel(
  template: CfnTemplate,
  assemblyDir: string,
  target: ConstructorParameters<typeof IntrinsicResolver>[1],
): DeployedStackModel {
  const rv = new IntrinsicResolver(template, target);
  const table = readTable(rv, template);
  return {
    resolver: rv,
    ...(table ? { table } : {}),
    queues: readQueues(rv, template),
    rules: readRules(rv, template),
    functions: readFunctions(rv, template, assemblyDir),
    eventSourceMappings: readMappings(rv, template),
    permissions: readPermissions(rv, template),
    roles: readRoles(rv, template),
    instanceProfiles: Object.fromEntries(
      of(template, "AWS::IAM::InstanceProfile").map(([id, r]) => {
        const roles = rv.resolve(r.Properties?.Roles ?? []) as string[];
        const role = roles[0] ?? "";
        return [
          rv.physicalName(id),
          role.startsWith("arn:") ? role : `arn:${rv.target.partition}:iam::${rv.target.account}:role/${role}`,
        ];
      }),
    ),
    unmodelled: [
      ...Object.entries(template.Resources)
        .filter(([, r]) => !MODELLED_TYPES.has(r.Type))
        .map(([logicalId, r]) => ({ logicalId, type: r.Type })),
      ...unmodelledDestinations(rv, template),
    ],
  };
}
