/** A small template shaped like the synthesized stack, for the cost model's tests. */
import type { TemplateLike } from "../../lib/cost/stack-inventory.js";

function fn(memory: number, arch: string, env: Record<string, string> = {}) {
  return {
    Type: "AWS::Lambda::Function",
    Properties: { MemorySize: memory, Architectures: [arch], Environment: { Variables: env } },
  };
}

function schedule(expression: string, target: string) {
  return {
    Type: "AWS::Events::Rule",
    Properties: { ScheduleExpression: expression, Targets: [{ Arn: { "Fn::GetAtt": [target, "Arn"] }, Id: "T" }] },
  };
}

/** Provisioner and disruptor (1024 MB arm64, rate 1 minute, 50 s loop), gc on x86, interruption on SQS. */
export const FIXTURE_TEMPLATE: TemplateLike = {
  Resources: {
    ControllersProvisionerAAAA: fn(1024, "arm64", { STEVEDORE_LOOP_SECONDS: "50" }),
    ControllersDisruptorBBBB: fn(1024, "arm64", { STEVEDORE_LOOP_SECONDS: "50" }),
    ControllersGarbageCollectorCCCC: fn(512, "x86_64", { STEVEDORE_LOOP_SECONDS: "50" }),
    ControllersInterruptionDDDD: fn(512, "arm64"),
    ProvisionerSchedule: schedule("rate(1 minute)", "ControllersProvisionerAAAA"),
    DisruptorSchedule: schedule("rate(1 minute)", "ControllersDisruptorBBBB"),
    GcSchedule: schedule("rate(2 minutes)", "ControllersGarbageCollectorCCCC"),
    Queue: { Type: "AWS::SQS::Queue", Properties: {} },
    Mapping: {
      Type: "AWS::Lambda::EventSourceMapping",
      Properties: { FunctionName: { Ref: "ControllersInterruptionDDDD" } },
    },
    Table: { Type: "AWS::DynamoDB::Table", Properties: { BillingMode: "PAY_PER_REQUEST" } },
    AlarmA: { Type: "AWS::CloudWatch::Alarm", Properties: {} },
    AlarmB: {
      Type: "AWS::CloudWatch::Alarm",
      Properties: { Metrics: [{ MetricStat: {} }, { MetricStat: {} }, { Expression: "m1+m2" }] },
    },
    Dashboard: { Type: "AWS::CloudWatch::Dashboard", Properties: {} },
    Logs: { Type: "AWS::Logs::LogGroup", Properties: { RetentionInDays: 30 } },
    Role: { Type: "AWS::IAM::Role", Properties: {} },
  },
};

/**
 * The fixture as a stack with reaction modes: every controller function carries `STEVEDORE_REACTION` and
 * `STEVEDORE_OBSERVABILITY`, lean has no dashboard, and with reaction seconds a 128 MB watcher watches 62 s every
 * minute.
 */
export function reactionFixture(reaction: "seconds" | "minute", observability: "full" | "lean"): TemplateLike {
  const modes = { STEVEDORE_REACTION: reaction, STEVEDORE_OBSERVABILITY: observability };
  const resources: NonNullable<TemplateLike["Resources"]> = {};
  for (const [id, r] of Object.entries(FIXTURE_TEMPLATE.Resources ?? {})) {
    if (r.Type === "AWS::CloudWatch::Dashboard" && observability === "lean") continue;
    const env = (r.Properties?.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
    resources[id] =
      r.Type === "AWS::Lambda::Function"
        ? { ...r, Properties: { ...r.Properties, Environment: { Variables: { ...env, ...modes } } } }
        : r;
  }
  if (reaction === "seconds") {
    resources.ControllersWatcherEEEE = fn(128, "arm64", { ...modes, STEVEDORE_WATCH_SECONDS: "62" });
    resources.WatcherSchedule = schedule("rate(1 minute)", "ControllersWatcherEEEE");
  }
  return { Resources: resources };
}
