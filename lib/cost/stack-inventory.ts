/**
 * What in a synthesized Stevedore template costs money: the functions (memory, architecture, schedule, loop), the
 * state table, the queues, the alarms and dashboards, the log groups. Resources that cost nothing by themselves
 * (roles, policies, permissions, rules) are listed as free; a resource type the model does not know is listed as not
 * priced, so the bill never drops it silently.
 */

import type { ObservabilityMode } from "../infra/metrics-names.js";

/** How fast the controller reacts (stack setting `reaction`, env `STEVEDORE_REACTION`). */
export type ReactionMode = "seconds" | "minute";

/** The part of a CloudFormation template the inventory reads. */
export interface TemplateLike {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** Which controller a function is, from its logical id. */
export type FunctionRole = "provisioner" | "disruptor" | "gc" | "interruption" | "cluster-access" | "watcher" | "other";

/** One Lambda function of the stack. */
export interface FunctionSpec {
  /** Logical id in the template. */
  logicalId: string;
  role: FunctionRole;
  memoryMb: number;
  architecture: "arm64" | "x86_64";
  /** Minutes between scheduled invocations (`rate(...)` rules that target it). */
  scheduleMinutes?: number;
  /**
   * Env `STEVEDORE_LOOP_SECONDS` of the provisioner and disruptor: how long a provisioner invocation may keep
   * watching, and what both functions' timeouts derive from (the disruptor itself takes one pass per invocation).
   */
  loopSeconds?: number;
  /** Seconds each watcher invocation watches (env `STEVEDORE_WATCH_SECONDS`); it bills them all by design. */
  watchSeconds?: number;
  /**
   * Invoked per interruption event: by an SQS event source mapping (reaction seconds) or directly by an EventBridge
   * pattern rule (reaction minute).
   */
  eventTriggered: boolean;
}

/** A resource the model cannot price. */
export interface UnpricedResource {
  logicalId: string;
  type: string;
  reason: string;
}

/** The billable shape of a stack. */
export interface StackInventory {
  functions: FunctionSpec[];
  tables: number;
  queues: number;
  /**
   * SQS event source mappings (each polls its queue all the time, whether or not anything happens). Zero when the
   * rules invoke the function directly (reaction minute): then no SQS request is made but a dead letter's.
   */
  queuePollers: number;
  /** Metrics watched by alarms (an alarm on a metric-math expression counts each metric). */
  alarmMetrics: number;
  dashboards: number;
  /** Retention of the functions' log groups, days (the longest; undefined = never expires). */
  logRetentionDays?: number;
  /**
   * The functions' `STEVEDORE_REACTION`. Undefined for a stack from before the reaction modes, whose provisioner
   * waits in its loop for `loopSeconds`; with a reaction mode it runs bursts that end with the first idle pass.
   */
  reaction?: ReactionMode;
  /** The functions' `STEVEDORE_OBSERVABILITY`: which metrics they publish. @default "full" */
  observability: ObservabilityMode;
  notPriced: UnpricedResource[];
}

/** Resource types that are free by themselves (their use is billed elsewhere or not at all). */
const FREE_TYPES = new Set([
  "AWS::IAM::Role",
  "AWS::IAM::Policy",
  "AWS::IAM::ManagedPolicy",
  "AWS::IAM::InstanceProfile",
  "AWS::SQS::QueuePolicy",
  "AWS::Events::Rule",
  "AWS::Lambda::Permission",
  "AWS::Lambda::EventInvokeConfig",
  "AWS::EKS::AccessEntry",
  "AWS::EC2::SecurityGroup",
  "AWS::EC2::SecurityGroupIngress",
  "AWS::EC2::SecurityGroupEgress",
  "AWS::CDK::Metadata",
  "Custom::StevedoreClusterAccess",
]);

const ROLE_PATTERNS: [RegExp, FunctionRole][] = [
  [/Provisioner/, "provisioner"],
  [/Disruptor/, "disruptor"],
  [/GarbageCollector/, "gc"],
  [/Interruption/, "interruption"],
  [/ClusterAccess/, "cluster-access"],
  [/Watcher/, "watcher"],
];

function roleOf(logicalId: string): FunctionRole {
  return ROLE_PATTERNS.find(([re]) => re.test(logicalId))?.[1] ?? "other";
}

/** Minutes of a `rate(N minute[s]|hour[s]|day[s])` expression; undefined for anything else (cron). */
export function rateMinutes(expression: string): number | undefined {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2].startsWith("minute") ? 1 : m[2].startsWith("hour") ? 60 : 1440;
  return n * unit;
}

/** The logical id a `{Fn::GetAtt: [id, "Arn"]}` or `{Ref: id}` points at. */
function referencedId(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as { "Fn::GetAtt"?: unknown[]; Ref?: unknown };
  if (Array.isArray(v["Fn::GetAtt"]) && typeof v["Fn::GetAtt"][0] === "string") return v["Fn::GetAtt"][0];
  return typeof v.Ref === "string" ? v.Ref : undefined;
}

function environmentOf(props: Record<string, unknown>): Record<string, unknown> {
  return (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}

/** The watcher's default watch: its one-minute schedule plus 2 s of overlap. */
export const DEFAULT_WATCH_SECONDS = 62;

function functionSpec(logicalId: string, props: Record<string, unknown>): FunctionSpec {
  const env = environmentOf(props);
  const role = roleOf(logicalId);
  const loop = Number(env.STEVEDORE_LOOP_SECONDS);
  const watch = Number(env.STEVEDORE_WATCH_SECONDS ?? DEFAULT_WATCH_SECONDS);
  const architectures = props.Architectures as string[] | undefined;
  return {
    logicalId,
    role,
    memoryMb: typeof props.MemorySize === "number" ? props.MemorySize : 128,
    architecture: architectures?.includes("arm64") ? "arm64" : "x86_64",
    ...((role === "provisioner" || role === "disruptor") && Number.isFinite(loop) ? { loopSeconds: loop } : {}),
    ...(role === "watcher" && Number.isFinite(watch) ? { watchSeconds: watch } : {}),
    eventTriggered: false,
  };
}

function alarmMetricCount(props: Record<string, unknown>): number {
  const metrics = props.Metrics as { MetricStat?: unknown }[] | undefined;
  return Array.isArray(metrics) ? Math.max(1, metrics.filter((m) => m.MetricStat).length) : 1;
}

/** The stack's reaction and observability, from a function's environment (every controller function has both). */
function readModes(inv: StackInventory, env: Record<string, unknown>): void {
  if (env.STEVEDORE_REACTION === "seconds" || env.STEVEDORE_REACTION === "minute")
    inv.reaction = env.STEVEDORE_REACTION;
  if (env.STEVEDORE_OBSERVABILITY === "lean") inv.observability = "lean";
}

/** The inventory of a template. */
export function inventoryFromTemplate(template: TemplateLike): StackInventory {
  const resources = Object.entries(template.Resources ?? {});
  const inv: StackInventory = {
    functions: [],
    tables: 0,
    queues: 0,
    queuePollers: 0,
    alarmMetrics: 0,
    dashboards: 0,
    observability: "full",
    notPriced: [],
  };
  const byId = new Map<string, FunctionSpec>();
  for (const [id, r] of resources) {
    if (r.Type === "AWS::Lambda::Function") {
      const spec = functionSpec(id, r.Properties ?? {});
      inv.functions.push(spec);
      byId.set(id, spec);
      readModes(inv, environmentOf(r.Properties ?? {}));
    }
  }
  for (const [id, r] of resources) {
    const props = r.Properties ?? {};
    switch (r.Type) {
      case "AWS::Lambda::Function":
        break;
      case "AWS::DynamoDB::Table":
      case "AWS::DynamoDB::GlobalTable":
        if (props.BillingMode !== "PAY_PER_REQUEST" && r.Type === "AWS::DynamoDB::Table") {
          inv.notPriced.push({ logicalId: id, type: r.Type, reason: "provisioned capacity is not modelled" });
        } else inv.tables++;
        break;
      case "AWS::SQS::Queue":
        inv.queues++;
        break;
      case "AWS::Lambda::EventSourceMapping": {
        inv.queuePollers++;
        const fn = byId.get(String(props.FunctionName && referencedId(props.FunctionName)));
        if (fn) fn.eventTriggered = true;
        break;
      }
      case "AWS::CloudWatch::Alarm":
        inv.alarmMetrics += alarmMetricCount(props);
        break;
      case "AWS::CloudWatch::Dashboard":
        inv.dashboards++;
        break;
      case "AWS::Logs::LogGroup": {
        const days = props.RetentionInDays;
        if (typeof days === "number") inv.logRetentionDays = Math.max(inv.logRetentionDays ?? 0, days);
        break;
      }
      default:
        if (!FREE_TYPES.has(r.Type))
          inv.notPriced.push({ logicalId: id, type: r.Type, reason: "resource type not in the cost model" });
    }
    if (r.Type === "AWS::Events::Rule" && props.EventPattern !== undefined) {
      for (const target of (props.Targets as { Arn?: unknown }[] | undefined) ?? []) {
        const fn = byId.get(referencedId(target.Arn) ?? "");
        if (fn) fn.eventTriggered = true;
      }
    }
    if (r.Type === "AWS::Events::Rule" && typeof props.ScheduleExpression === "string") {
      const minutes = rateMinutes(props.ScheduleExpression);
      for (const target of (props.Targets as { Arn?: unknown }[] | undefined) ?? []) {
        const fn = byId.get(referencedId(target.Arn) ?? "");
        if (!fn) continue;
        if (minutes === undefined) {
          inv.notPriced.push({
            logicalId: id,
            type: r.Type,
            reason: `schedule ${props.ScheduleExpression} is not a rate()`,
          });
        } else fn.scheduleMinutes = minutes;
      }
    }
  }
  for (const fn of inv.functions) {
    if (fn.role === "other" && (fn.scheduleMinutes !== undefined || fn.eventTriggered)) {
      inv.notPriced.push({
        logicalId: fn.logicalId,
        type: "AWS::Lambda::Function",
        reason: "not a Stevedore controller: its duration is unknown (requests priced, GB-s not)",
      });
    }
  }
  return inv;
}
