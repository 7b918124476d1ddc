import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Match } from "aws-cdk-lib/assertions";
import { INTERRUPTION_EVENT_PATTERNS, WATCHER_SCHEDULE } from "../../lib/cloud/aws/event-patterns.js";
import { CONTROLLER_GROUP, rbacVersion } from "../../lib/infra/cluster-access/rbac.js";
import { CONTROLLER_ENV } from "../../lib/infra/controller-env.js";
import {
  DIRECT_EVENT_DELIVERY_RETRIES,
  DIRECT_EVENT_INVOKE_RETRIES,
  DIRECT_EVENT_MAX_AGE,
  MAX_RECEIVE_COUNT,
} from "../../lib/infra/interruption-queue.js";
import { METRICS, METRICS_NAMESPACE } from "../../lib/infra/metrics-names.js";
import { STACK_OUTPUTS } from "../../lib/infra/stevedore-stack.js";
import { STATE_TABLE_SCHEMA } from "../../lib/state/table.js";
import { type Built, build, dig, digList, resourcesOfType, stubRoot } from "./helpers.js";

const KUBECTL_ROLE = "arn:aws:iam::123456789012:role/eks-admin";

describe("StevedoreStack", () => {
  const fixture = stubRoot();
  let base: Built;
  let configMap: Built;
  let privateSsm: Built;
  let minute: Built;
  /** Full observability (opt-in): the dashboard and every alarm. */
  let full: Built;

  before(() => {
    base = build({}, fixture.root);
    full = build({ observability: "full" }, fixture.root);
    minute = build({ reaction: "minute" }, fixture.root);
    configMap = build({ authenticationMode: "CONFIG_MAP", kubectlRoleArn: KUBECTL_ROLE }, fixture.root);
    privateSsm = build(
      {
        authenticationMode: "API",
        kubectlRoleArn: KUBECTL_ROLE,
        vpcId: "vpc-0123456789abcdef0",
        subnetIds: "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        clusterSecurityGroupId: "sg-0fedcba9876543210",
        configSource: "ssm",
        loopSeconds: "30",
        rebalance: "replace",
        featureGates: "SpotToSpotConsolidation=true",
      },
      fixture.root,
    );
  });
  after(() => fixture.cleanup());

  const fn = (b: Built, idPrefix: string) => {
    const found = resourcesOfType(b.json, "AWS::Lambda::Function").filter(([id]) => id.startsWith(idPrefix));
    assert.equal(found.length, 1, `one function ${idPrefix}*`);
    return { id: found[0][0], props: found[0][1] };
  };

  it("state table mirrors the store's schema, with PITR, deletion protection and retain", () => {
    base.template.resourceCountIs("AWS::DynamoDB::Table", 1);
    base.template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        BillingMode: STATE_TABLE_SCHEMA.billingMode,
        KeySchema: [
          { AttributeName: STATE_TABLE_SCHEMA.partitionKey.name, KeyType: "HASH" },
          { AttributeName: STATE_TABLE_SCHEMA.sortKey.name, KeyType: "RANGE" },
        ],
        AttributeDefinitions: [
          { AttributeName: STATE_TABLE_SCHEMA.partitionKey.name, AttributeType: STATE_TABLE_SCHEMA.partitionKey.type },
          { AttributeName: STATE_TABLE_SCHEMA.sortKey.name, AttributeType: STATE_TABLE_SCHEMA.sortKey.type },
          {
            AttributeName: STATE_TABLE_SCHEMA.instanceIndex.partitionKey.name,
            AttributeType: STATE_TABLE_SCHEMA.instanceIndex.partitionKey.type,
          },
        ],
        TimeToLiveSpecification: { AttributeName: STATE_TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: [
          {
            IndexName: STATE_TABLE_SCHEMA.instanceIndex.name,
            KeySchema: [{ AttributeName: STATE_TABLE_SCHEMA.instanceIndex.partitionKey.name, KeyType: "HASH" }],
            Projection: { ProjectionType: STATE_TABLE_SCHEMA.instanceIndex.projection },
          },
        ],
        LocalSecondaryIndexes: Match.absent(),
      },
    });
  });

  it("node role has the four EKS worker policies and an instance profile", () => {
    const roles = resourcesOfType(base.json, "AWS::IAM::Role").filter(([id]) => id.startsWith("NodeRole"));
    assert.equal(roles.length, 1);
    const arns = JSON.stringify(roles[0][1].ManagedPolicyArns);
    for (const p of [
      "AmazonEKSWorkerNodePolicy",
      "AmazonEKS_CNI_Policy",
      "AmazonEC2ContainerRegistryPullOnly",
      "AmazonSSMManagedInstanceCore",
    ]) {
      assert.ok(arns.includes(`:iam::aws:policy/${p}`), p);
    }
    assert.deepEqual(dig(roles[0][1], "AssumeRolePolicyDocument", "Statement", 0, "Principal"), {
      Service: "ec2.amazonaws.com",
    });
    base.template.hasResourceProperties("AWS::IAM::InstanceProfile", { Roles: [{ Ref: roles[0][0] }] });
  });

  it("event rules carry exactly the shared interruption patterns and all target the queue", () => {
    const queueId = resourcesOfType(base.json, "AWS::SQS::Queue").find(([, p]) => p.RedrivePolicy)?.[0];
    assert.ok(queueId);
    const patterned = resourcesOfType(base.json, "AWS::Events::Rule").filter(([, p]) => p.EventPattern);
    assert.deepEqual(
      patterned.map(([, p]) => p.EventPattern),
      INTERRUPTION_EVENT_PATTERNS.map((r) => r.pattern),
    );
    for (const [, p] of patterned) {
      assert.deepEqual(
        digList(p, "Targets").map((t) => dig(t, "Arn")),
        [{ "Fn::GetAtt": [queueId, "Arn"] }],
      );
    }
  });

  it("queue: SQS-managed encryption, dead-letter queue after 3 receives, visibility above the consumer timeout", () => {
    const queues = resourcesOfType(base.json, "AWS::SQS::Queue");
    assert.equal(queues.length, 2);
    for (const [, p] of queues) assert.equal(p.SqsManagedSseEnabled, true);
    const [, main] = queues.find(([, p]) => p.RedrivePolicy) as [
      string,
      Record<string, number> & { RedrivePolicy: { maxReceiveCount: number } },
    ];
    assert.equal(main.RedrivePolicy.maxReceiveCount, MAX_RECEIVE_COUNT);
    const interruption = fn(base, "ControllersInterruption");
    assert.ok(main.VisibilityTimeout > (interruption.props.Timeout as number));
    assert.ok(
      main.MessageRetentionPeriod >= MAX_RECEIVE_COUNT * main.VisibilityTimeout,
      "lives long enough to reach the DLQ",
    );
    for (const [, policy] of resourcesOfType(base.json, "AWS::SQS::QueuePolicy")) {
      const deny = digList(policy, "PolicyDocument", "Statement").find((s) => dig(s, "Effect") === "Deny") as {
        Condition: unknown;
        Action: string[];
      };
      assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
      assert.ok(deny.Action.includes("sqs:ReceiveMessage") && deny.Action.includes("sqs:SendMessage"));
    }
  });

  it("Lambdas: nodejs22.x on arm64, own log groups, singletons on rate schedules with no async retries", () => {
    for (const [, p] of resourcesOfType(base.json, "AWS::Lambda::Function")) {
      assert.equal(p.Runtime, "nodejs22.x");
      assert.deepEqual(p.Architectures, ["arm64"]);
      assert.ok(dig(p, "LoggingConfig", "LogGroup"), "explicit log group");
    }
    base.template.resourceCountIs("AWS::Logs::LogGroup", 6);
    minute.template.resourceCountIs("AWS::Logs::LogGroup", 5);
    base.template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
    const schedules = resourcesOfType(base.json, "AWS::Events::Rule").filter(([, p]) => p.ScheduleExpression);
    const byTarget = new Map(schedules.map(([, p]) => [JSON.stringify(dig(p, "Targets", 0, "Arn")), p]));
    for (const [prefix, rate] of [
      ["ControllersProvisioner", "rate(1 minute)"],
      ["ControllersDisruptor", "rate(1 minute)"],
      ["ControllersGarbageCollector", "rate(2 minutes)"],
    ]) {
      const f = fn(base, prefix);
      assert.equal(f.props.ReservedConcurrentExecutions, 1, prefix);
      const rule = byTarget.get(JSON.stringify({ "Fn::GetAtt": [f.id, "Arn"] }));
      assert.equal(rule?.ScheduleExpression, rate, prefix);
      assert.deepEqual(dig(rule, "Targets", 0, "RetryPolicy"), {
        MaximumEventAgeInSeconds: 60,
        MaximumRetryAttempts: 0,
      });
      base.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: f.id },
        MaximumEventAgeInSeconds: 60,
        MaximumRetryAttempts: 0,
      });
    }
    assert.equal(fn(base, "ControllersProvisioner").props.Timeout, 70, "loop 50 s + 20 s");
    assert.equal(fn(privateSsm, "ControllersProvisioner").props.Timeout, 50, "loop 30 s + 20 s");
    assert.equal(fn(base, "ControllersInterruption").props.ReservedConcurrentExecutions, undefined);
  });

  it("reaction seconds: a 128 MB watcher every minute, watching 62 s, two at a time, invoking the provisioner", () => {
    const watcher = fn(base, "ControllersWatcher");
    const provisioner = fn(base, "ControllersProvisioner");
    assert.deepEqual(
      [watcher.props.MemorySize, watcher.props.Timeout, watcher.props.ReservedConcurrentExecutions],
      [128, 80, 2],
    );
    assert.deepEqual(watcher.props.Architectures, ["arm64"]);
    const env = dig(watcher.props, "Environment", "Variables") as Record<string, unknown>;
    assert.equal(env[CONTROLLER_ENV.watchSeconds], "62");
    assert.deepEqual(env[CONTROLLER_ENV.provisionerFunction], { Ref: provisioner.id });
    assert.equal(env[CONTROLLER_ENV.reaction], "seconds");
    const [[ruleId, rule]] = resourcesOfType(base.json, "AWS::Events::Rule").filter(
      ([, p]) => JSON.stringify(dig(p, "Targets", 0, "Arn")) === JSON.stringify({ "Fn::GetAtt": [watcher.id, "Arn"] }),
    );
    assert.equal(rule.ScheduleExpression, WATCHER_SCHEDULE);
    assert.deepEqual(dig(rule, "Targets", 0, "RetryPolicy"), { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 });
    base.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: watcher.id },
      MaximumEventAgeInSeconds: 60,
      MaximumRetryAttempts: 0,
    });
    const [[policyId]] = resourcesOfType(base.json, "AWS::IAM::ManagedPolicy").filter(([id]) =>
      id.includes("InvokeProvisioner"),
    );
    assert.ok((base.json.Resources[ruleId].DependsOn as string[]).includes(policyId), "starts once it may invoke");
    assert.equal(fn(base, "ControllersProvisioner").props.MemorySize, 1024);
    assert.equal(
      fn(base, "ControllersDisruptor").props.MemorySize,
      512,
      "the disruptor waits on API calls more than it computes",
    );
  });

  it("reaction minute: no watcher, no invoke permission, the GC every five minutes; the rest unchanged", () => {
    const ids = resourcesOfType(minute.json, "AWS::Lambda::Function").map(([id]) => id);
    assert.equal(ids.filter((id) => id.includes("Watcher")).length, 0, `no watcher in minute mode: ${ids.join(", ")}`);
    assert.equal(ids.length, resourcesOfType(base.json, "AWS::Lambda::Function").length - 1);
    const policies = [
      ...resourcesOfType(minute.json, "AWS::IAM::ManagedPolicy"),
      ...resourcesOfType(minute.json, "AWS::IAM::Policy"),
    ];
    assert.ok(!JSON.stringify(policies).includes("lambda:InvokeFunction"), "no role may invoke a function");
    const schedules = resourcesOfType(minute.json, "AWS::Events::Rule").filter(([, p]) => p.ScheduleExpression);
    assert.equal(schedules.length, 3);
    const gc = fn(minute, "ControllersGarbageCollector").id;
    const gcRule = schedules.find(([, p]) => JSON.stringify(dig(p, "Targets", 0, "Arn")).includes(gc));
    assert.equal(gcRule?.[1].ScheduleExpression, "rate(5 minutes)");
    const env = dig(fn(minute, "ControllersProvisioner").props, "Environment", "Variables") as Record<string, string>;
    assert.equal(env[CONTROLLER_ENV.reaction], "minute");
    assert.equal(env[CONTROLLER_ENV.provisionerFunction], undefined);
  });

  it("interruption Lambda consumes the queue in batches with partial batch responses", () => {
    const f = fn(base, "ControllersInterruption");
    base.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: f.id },
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it("reaction minute: the rules invoke the interruption function directly; no queue besides the DLQ, no mapping", () => {
    const interruption = fn(minute, "ControllersInterruption");
    const queues = resourcesOfType(minute.json, "AWS::SQS::Queue");
    assert.equal(queues.length, 1, "only the dead-letter queue");
    const [[dlqId, dlq]] = queues;
    assert.ok(dlqId.startsWith("InterruptionDeadLetterQueue"), dlqId);
    assert.deepEqual([dlq.SqsManagedSseEnabled, dlq.RedrivePolicy], [true, undefined]);
    minute.template.resourceCountIs("AWS::Lambda::EventSourceMapping", 0);
    const dlqArn = { "Fn::GetAtt": [dlqId, "Arn"] };
    const patterned = resourcesOfType(minute.json, "AWS::Events::Rule").filter(([, p]) => p.EventPattern);
    assert.deepEqual(
      patterned.map(([, p]) => p.EventPattern),
      INTERRUPTION_EVENT_PATTERNS.map((r) => r.pattern),
    );
    const permissions = resourcesOfType(minute.json, "AWS::Lambda::Permission");
    const policy = resourcesOfType(minute.json, "AWS::SQS::QueuePolicy").flatMap(([, p]) =>
      digList(p, "PolicyDocument", "Statement"),
    );
    for (const [ruleId, p] of patterned) {
      assert.deepEqual(digList(p, "Targets"), [
        {
          Arn: { "Fn::GetAtt": [interruption.id, "Arn"] },
          Id: "Target0",
          DeadLetterConfig: { Arn: dlqArn },
          RetryPolicy: {
            MaximumEventAgeInSeconds: DIRECT_EVENT_MAX_AGE.toSeconds(),
            MaximumRetryAttempts: DIRECT_EVENT_DELIVERY_RETRIES,
          },
        },
      ]);
      const ruleArn = { "Fn::GetAtt": [ruleId, "Arn"] };
      // Lambda lets EventBridge invoke the function only from this rule.
      assert.ok(
        permissions.some(
          ([, perm]) =>
            perm.Principal === "events.amazonaws.com" &&
            perm.Action === "lambda:InvokeFunction" &&
            JSON.stringify(perm.FunctionName) === JSON.stringify({ "Fn::GetAtt": [interruption.id, "Arn"] }) &&
            JSON.stringify(perm.SourceArn) === JSON.stringify(ruleArn),
        ),
        `permission for ${ruleId}`,
      );
      // The dead-letter queue takes what this rule could not deliver, and nothing from anyone else.
      assert.ok(
        policy.some(
          (st) =>
            dig(st, "Effect") === "Allow" &&
            JSON.stringify(dig(st, "Principal")) === JSON.stringify({ Service: "events.amazonaws.com" }) &&
            dig(st, "Action") === "sqs:SendMessage" &&
            JSON.stringify(dig(st, "Condition")) === JSON.stringify({ ArnEquals: { "aws:SourceArn": ruleArn } }),
        ),
        `DLQ policy for ${ruleId}`,
      );
    }
    assert.ok(
      policy.some((st) => dig(st, "Effect") === "Deny" && dig(st, "Sid") === "DenyInsecureTransport"),
      "TLS only",
    );
    // Lambda's own asynchronous handling: two retries, ten minutes, then the dead-letter queue.
    minute.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: interruption.id },
      MaximumRetryAttempts: DIRECT_EVENT_INVOKE_RETRIES,
      MaximumEventAgeInSeconds: DIRECT_EVENT_MAX_AGE.toSeconds(),
    });
    assert.deepEqual(interruption.props.DeadLetterConfig, { TargetArn: dlqArn });
    assert.equal(interruption.props.ReservedConcurrentExecutions, undefined, "as in reaction seconds");
    assert.ok(!Object.keys(minute.json.Outputs ?? {}).includes(STACK_OUTPUTS.queueUrl), "no queue to output");
  });

  it("reaction seconds keeps the queue: no dead-letter config or async settings on the interruption function", () => {
    const interruption = fn(base, "ControllersInterruption");
    assert.equal(interruption.props.DeadLetterConfig, undefined);
    const configs = resourcesOfType(base.json, "AWS::Lambda::EventInvokeConfig");
    assert.ok(!configs.some(([, p]) => JSON.stringify(p.FunctionName) === JSON.stringify({ Ref: interruption.id })));
    assert.ok(Object.keys(base.json.Outputs ?? {}).includes(STACK_OUTPUTS.queueUrl));
  });

  it("every controller gets the environment contract", () => {
    for (const prefix of [
      "ControllersProvisioner",
      "ControllersDisruptor",
      "ControllersInterruption",
      "ControllersGarbageCollector",
      "ControllersWatcher",
    ]) {
      const env = dig(fn(base, prefix).props, "Environment", "Variables") as Record<string, string>;
      assert.equal(env[CONTROLLER_ENV.clusterName], "demo");
      assert.equal(env[CONTROLLER_ENV.reaction], "seconds");
      assert.equal(env[CONTROLLER_ENV.loopSeconds], "50");
      assert.equal(env[CONTROLLER_ENV.rebalance], "ignore");
      assert.equal(env[CONTROLLER_ENV.featureGates], "SpotToSpotConsolidation=false,NodeRepair=false");
      assert.equal(env[CONTROLLER_ENV.minValuesPolicy], "Strict");
      for (const key of [CONTROLLER_ENV.table, CONTROLLER_ENV.instanceProfile]) {
        assert.ok(env[key], `${prefix} ${key}`);
      }
      assert.equal(env[CONTROLLER_ENV.configSsmPath], undefined);
      assert.equal(env.POWERTOOLS_METRICS_NAMESPACE, METRICS_NAMESPACE);
    }
    const ssmEnv = dig(fn(privateSsm, "ControllersProvisioner").props, "Environment", "Variables") as Record<
      string,
      string
    >;
    assert.equal(ssmEnv[CONTROLLER_ENV.configSsmPath], "/stevedore/demo");
    assert.equal(ssmEnv[CONTROLLER_ENV.rebalance], "replace");
    assert.equal(ssmEnv[CONTROLLER_ENV.featureGates], "SpotToSpotConsolidation=true,NodeRepair=false");
  });

  it("API modes: EC2_LINUX entry for nodes, STANDARD entry with the controller group, RBAC by the custom resource", () => {
    base.template.hasResourceProperties("AWS::EKS::AccessEntry", {
      ClusterName: "demo",
      Type: "EC2_LINUX",
      PrincipalArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^NodeRole"), "Arn"] },
      KubernetesGroups: Match.absent(),
      AccessPolicies: Match.absent(),
    });
    base.template.hasResourceProperties("AWS::EKS::AccessEntry", {
      Type: "STANDARD",
      PrincipalArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ControllerRole"), "Arn"] },
      KubernetesGroups: [CONTROLLER_GROUP],
      AccessPolicies: Match.absent(),
    });
    base.template.hasResourceProperties("AWS::EKS::AccessEntry", {
      Type: "STANDARD",
      PrincipalArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ClusterAccessRole"), "Arn"] },
      AccessPolicies: [
        {
          PolicyArn: {
            "Fn::Join": [
              "",
              ["arn:", { Ref: "AWS::Partition" }, ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"],
            ],
          },
          AccessScope: { Type: "cluster" },
        },
      ],
    });
    const [[crId, cr]] = resourcesOfType(base.json, "Custom::StevedoreClusterAccess");
    assert.equal(cr.Mode, "access-entries");
    assert.deepEqual(cr.RoleMappings, []);
    assert.equal(cr.ControllerGroup, CONTROLLER_GROUP);
    assert.equal(cr.RbacVersion, rbacVersion());
    assert.deepEqual(cr.ServiceToken, { "Fn::GetAtt": [fn(base, "ClusterAccessFunction").id, "Arn"] });
    assert.equal(
      ((base.json.Resources[crId].DependsOn as string[]) ?? []).filter((d) => d.startsWith("ClusterAccess")).length,
      3,
    );
    for (const [id, r] of Object.entries(base.json.Resources)) {
      if (r.Type === "AWS::Events::Rule" && r.Properties?.ScheduleExpression) {
        assert.ok((r.DependsOn as string[]).includes(crId), `${id} starts only after cluster access`);
      }
    }
  });

  it("with kubectlRoleArn no admin entry is created; the function assumes that role instead", () => {
    privateSsm.template.resourceCountIs("AWS::EKS::AccessEntry", 2);
    privateSsm.template.hasResourceProperties("AWS::IAM::Role", {
      Policies: [
        {
          PolicyDocument: {
            Statement: Match.arrayWith([Match.objectLike({ Action: "sts:AssumeRole", Resource: KUBECTL_ROLE })]),
          },
        },
      ],
    });
  });

  it("CONFIG_MAP: no access entries; the custom resource merges both roles into aws-auth", () => {
    configMap.template.resourceCountIs("AWS::EKS::AccessEntry", 0);
    const [[, cr]] = resourcesOfType(configMap.json, "Custom::StevedoreClusterAccess");
    assert.equal(cr.Mode, "aws-auth");
    assert.equal(cr.KubectlRoleArn, KUBECTL_ROLE);
    const mappings = cr.RoleMappings as { rolearn: unknown; username: string; groups: string[] }[];
    assert.deepEqual(
      mappings.map((m) => m.groups),
      [["system:bootstrappers", "system:nodes"], [CONTROLLER_GROUP]],
    );
    assert.match(JSON.stringify(mappings[0].rolearn), /NodeRole/);
    assert.match(JSON.stringify(mappings[1].rolearn), /ControllerRole/);
    assert.equal(mappings[0].username, "system:node:{{EC2PrivateDNSName}}");
  });

  it("private endpoint: Lambdas in the given subnets with a created security group allowed into the cluster on 443", () => {
    for (const [, p] of resourcesOfType(privateSsm.json, "AWS::Lambda::Function")) {
      assert.deepEqual(dig(p, "VpcConfig", "SubnetIds"), ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]);
      assert.equal(digList(p, "VpcConfig", "SecurityGroupIds").length, 1);
    }
    privateSsm.template.hasResourceProperties("AWS::EC2::SecurityGroup", { VpcId: "vpc-0123456789abcdef0" });
    privateSsm.template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      GroupId: "sg-0fedcba9876543210",
      IpProtocol: "tcp",
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: { "Fn::GetAtt": [Match.anyValue(), "GroupId"] },
    });
    base.template.resourceCountIs("AWS::EC2::SecurityGroup", 0);
  });

  it("dashboard shows every metric of the contract and the Lambdas' health", () => {
    const [[, dash]] = resourcesOfType(full.json, "AWS::CloudWatch::Dashboard");
    assert.equal(dash.DashboardName, "Stevedore-demo-us-east-1");
    const body = JSON.stringify(dash.DashboardBody);
    for (const spec of Object.values(METRICS))
      assert.ok(body.includes(`MetricName=\\\\\\"${spec.name}\\\\\\"`), spec.name);
    for (const m of ["Errors", "Duration", "Throttles"]) assert.ok(body.includes(`\\"AWS/Lambda\\",\\"${m}\\"`), m);
    assert.ok(body.includes("ApproximateNumberOfMessagesVisible"));
  });

  it("alarms: dead letters, errors of each controller, launch failures, pods pending too long, provisioner stalled", () => {
    const names = resourcesOfType(full.json, "AWS::CloudWatch::Alarm").map(([, p]) => p.AlarmName);
    assert.deepEqual(names.sort(), [
      "Stevedore-demo-DisruptorErrors",
      "Stevedore-demo-GarbageCollectorErrors",
      "Stevedore-demo-InterruptionDeadLetters",
      "Stevedore-demo-InterruptionErrors",
      "Stevedore-demo-LaunchFailures",
      "Stevedore-demo-PodsPendingTooLong",
      "Stevedore-demo-ProvisionerErrors",
      "Stevedore-demo-ProvisionerStalled",
      "Stevedore-demo-WatcherErrors",
    ]);
    full.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "Stevedore-demo-LaunchFailures",
      Namespace: METRICS_NAMESPACE,
      MetricName: METRICS.launchFailures.name,
      Dimensions: Match.arrayWith([{ Name: "cluster", Value: "demo" }]),
    });
    full.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "Stevedore-demo-PodsPendingTooLong",
      MetricName: METRICS.oldestPendingPodAge.name,
      Threshold: 300,
    });
    full.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "Stevedore-demo-InterruptionDeadLetters",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
    });
  });

  it("outputs the node role, table, cluster, queue and dashboard", () => {
    const outputs = Object.keys(full.json.Outputs ?? {});
    for (const key of [
      STACK_OUTPUTS.nodeRoleArn,
      STACK_OUTPUTS.stateTableName,
      STACK_OUTPUTS.queueUrl,
      STACK_OUTPUTS.dashboardUrl,
      STACK_OUTPUTS.instanceProfileName,
      STACK_OUTPUTS.clusterName,
    ]) {
      assert.ok(outputs.includes(key), key);
    }
    assert.match(
      JSON.stringify(full.json.Outputs?.[STACK_OUTPUTS.dashboardUrl]),
      /cloudwatch\/home\?region=us-east-1#dashboards:name=Stevedore-demo-us-east-1/,
    );
    assert.ok(Object.keys(privateSsm.json.Outputs ?? {}).includes(STACK_OUTPUTS.configSsmPath));
  });
});
