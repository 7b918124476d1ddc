import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import {
  EC2_READ_ACTIONS,
  EC2_REFERENCED_RESOURCE_TYPES,
  POOL_TAG_KEYS,
  STATE_TABLE_ACTIONS,
} from "../../lib/infra/controller-policy.js";
import { REPO_ROOT } from "../../lib/infra/lambda-entries.js";
import { LAMBDA_ENI_ACTIONS } from "../../lib/infra/lambda-network.js";
import {
  actionsOf,
  allStatements,
  type Built,
  build,
  conditionKeys,
  resourcesOf,
  type Statement,
  stubRoot,
} from "./helpers.js";

const CLUSTER_TAG = "kubernetes.io/cluster/demo";

/** EC2 actions that only read. */
function isReadOnlyEc2(action: string): boolean {
  return /^ec2:(Describe|Get|List)/.test(action);
}

/** The statements of the controller role's managed policies. */
function controllerStatements(b: Built): Statement[] {
  return allStatements(b.json)
    .filter((s) => s.type === "AWS::IAM::ManagedPolicy" && s.logicalId.startsWith("Controller"))
    .map((s) => s.statement);
}

/** Actions allowed by any Allow statement of the controller role. */
function allowedActions(b: Built): Set<string> {
  return new Set(
    controllerStatements(b)
      .filter((s) => s.Effect === "Allow")
      .flatMap(actionsOf),
  );
}

describe("IAM", () => {
  const fixture = stubRoot();
  const variants: Record<string, Built> = {};

  before(() => {
    variants.default = build({}, fixture.root);
    variants.minute = build({ reaction: "minute" }, fixture.root);
    variants.configMap = build(
      { authenticationMode: "CONFIG_MAP", kubectlRoleArn: "arn:aws:iam::123456789012:role/eks-admin" },
      fixture.root,
    );
    variants.privateSsm = build(
      {
        vpcId: "vpc-0123456789abcdef0",
        subnetIds: "subnet-0123456789abcdef0",
        securityGroupIds: "sg-0123456789abcdef0",
        configSource: "ssm",
      },
      fixture.root,
    );
  });
  after(() => fixture.cleanup());

  it("no statement anywhere in the template has a wildcard in its Action", () => {
    for (const [name, b] of Object.entries(variants)) {
      const statements = allStatements(b.json);
      assert.ok(statements.length > 20, name);
      for (const { logicalId, statement } of statements) {
        for (const action of actionsOf(statement)) {
          assert.ok(!action.includes("*"), `${name} ${logicalId} ${statement.Sid ?? ""}: ${action}`);
        }
        assert.equal((statement as { NotAction?: unknown }).NotAction, undefined, `${name} ${logicalId}: NotAction`);
      }
    }
  });

  it("no mutating EC2 action without a tag condition, except on resources a launch only references", () => {
    for (const [name, b] of Object.entries(variants)) {
      for (const { logicalId, statement: s } of allStatements(b.json)) {
        const mutating = actionsOf(s).filter((a) => a.startsWith("ec2:") && !isReadOnlyEc2(a));
        if (s.Effect !== "Allow" || mutating.length === 0) continue;
        const where = `${name} ${logicalId} ${s.Sid}`;
        const tagScoped = conditionKeys(s).some(
          (k) => k.startsWith("aws:RequestTag/") || k.startsWith("aws:ResourceTag/"),
        );
        const referencedOnly = resourcesOf(s).every((r) =>
          [...EC2_REFERENCED_RESOURCE_TYPES].some((t) => new RegExp(`:${t}/[^/]+$`).test(r)),
        );
        // Lambda's own network interfaces (VPC mode): untaggable, so scoped to the configured subnets instead.
        const lambdaEnis =
          mutating.every((a) => (LAMBDA_ENI_ACTIONS as readonly string[]).includes(a)) &&
          resourcesOf(s).every((r) => r.endsWith(":network-interface/*")) &&
          conditionKeys(s).includes("ec2:Subnet");
        assert.ok(tagScoped || referencedOnly || lambdaEnis, `${where}: ${mutating.join(", ")}`);
        if (referencedOnly) {
          assert.deepEqual(
            mutating.filter((a) => !["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateNetworkInterface"].includes(a)),
            [],
            where,
          );
        }
      }
    }
  });

  it("launches need the cluster-owned, eks-cluster-name and pool request tags, for both pool tag keys", () => {
    const statements = controllerStatements(variants.default);
    for (const pool of POOL_TAG_KEYS) {
      const launch = statements.find((s) => s.Sid === `AllowTaggedLaunch${pool.sid}`);
      assert.deepEqual(actionsOf(launch as Statement).sort(), [
        "ec2:CreateFleet",
        "ec2:CreateLaunchTemplate",
        "ec2:RunInstances",
      ]);
      assert.deepEqual(launch?.Condition, {
        StringEquals: { [`aws:RequestTag/${CLUSTER_TAG}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": "demo" },
        StringLike: { [`aws:RequestTag/${pool.key}`]: "*" },
      });
      assert.deepEqual(
        resourcesOf(launch as Statement).map((r) => r.replace(/.*:/, "")),
        ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"],
      );
      const fromTemplate = statements.find((s) => s.Sid === `AllowLaunchFromOwnedLaunchTemplates${pool.sid}`);
      assert.deepEqual(fromTemplate?.Condition, {
        StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG}`]: "owned" },
        StringLike: { [`aws:ResourceTag/${pool.key}`]: "*" },
      });
    }
  });

  it("CreateTags only while creating, with the same tags", () => {
    const tagging = controllerStatements(variants.default).filter(
      (s) => actionsOf(s).includes("ec2:CreateTags") && s.Sid?.startsWith("AllowTaggingAtCreation"),
    );
    assert.equal(tagging.length, POOL_TAG_KEYS.length);
    for (const s of tagging) {
      assert.deepEqual(actionsOf(s), ["ec2:CreateTags"]);
      assert.deepEqual(s.Condition?.StringEquals?.["ec2:CreateAction"], [
        "RunInstances",
        "CreateFleet",
        "CreateLaunchTemplate",
      ]);
      assert.equal(s.Condition?.StringEquals?.[`aws:RequestTag/${CLUSTER_TAG}`], "owned");
    }
  });

  it("CreateTags after launch only on owned instances, and only the claim and Name tags", () => {
    const tagging = controllerStatements(variants.default).filter((s) =>
      s.Sid?.startsWith("AllowClaimTaggingOfOwnedInstances"),
    );
    assert.equal(tagging.length, POOL_TAG_KEYS.length);
    for (const s of tagging) {
      assert.deepEqual(actionsOf(s), ["ec2:CreateTags"]);
      assert.equal(s.Condition?.StringEquals?.[`aws:ResourceTag/${CLUSTER_TAG}`], "owned");
      assert.deepEqual(s.Condition?.["ForAllValues:StringEquals"]?.["aws:TagKeys"], ["stevedore.dev/claim", "Name"]);
    }
  });

  it("terminating and deleting launch templates only on resources carrying the cluster and pool tags", () => {
    const deleting = controllerStatements(variants.default).filter((s) =>
      actionsOf(s).some((a) => a === "ec2:TerminateInstances" || a === "ec2:DeleteLaunchTemplate"),
    );
    assert.equal(deleting.length, POOL_TAG_KEYS.length);
    for (const s of deleting) {
      assert.equal(s.Condition?.StringEquals?.[`aws:ResourceTag/${CLUSTER_TAG}`], "owned");
      assert.ok(
        Object.keys(s.Condition?.StringLike ?? {}).some((k) =>
          POOL_TAG_KEYS.some((p) => k === `aws:ResourceTag/${p.key}`),
        ),
      );
      assert.deepEqual(
        resourcesOf(s).map((r) => r.replace(/.*:/, "")),
        ["instance/*", "launch-template/*"],
      );
    }
  });

  it("PassRole only for the node role to EC2; reads limited by region; eks, ssm, dynamodb, sqs, events scoped", () => {
    const statements = controllerStatements(variants.default);
    const pass = statements.filter((s) => actionsOf(s).includes("iam:PassRole"));
    assert.equal(pass.length, 1);
    assert.deepEqual(pass[0].Condition, { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } });
    assert.deepEqual(resourcesOf(pass[0]), ["<NodeRole52753DAC.Arn>"]);
    const reads = statements.find((s) => s.Sid === "AllowRegionalReadActions") as Statement;
    assert.deepEqual(actionsOf(reads), [...EC2_READ_ACTIONS]);
    assert.deepEqual(reads.Condition, { StringEquals: { "aws:RequestedRegion": "us-east-1" } });
    const byAction = (a: string) => statements.filter((s) => actionsOf(s).includes(a)).flatMap(resourcesOf);
    assert.deepEqual(byAction("eks:DescribeCluster"), [
      "arn:<AWS::Partition>:eks:us-east-1:<AWS::AccountId>:cluster/demo",
    ]);
    assert.deepEqual(byAction("ssm:GetParameters"), ["arn:<AWS::Partition>:ssm:us-east-1::parameter/aws/service/*"]);
    assert.deepEqual(byAction("pricing:GetProducts"), ["*"]);
    // The table, and its instance index for queries (by the index's own ARN, no wildcard).
    const stateResources = ["<StateTable962DE04C.Arn>", "<StateTable962DE04C.Arn>/index/byInstance"];
    for (const a of STATE_TABLE_ACTIONS) assert.deepEqual(byAction(a), stateResources, a);
    assert.deepEqual(byAction("sqs:ReceiveMessage"), ["<InterruptionQueueA3EE13F3.Arn>"]);
    assert.deepEqual(byAction("events:PutEvents"), [
      "arn:<AWS::Partition>:events:us-east-1:<AWS::AccountId>:event-bus/default",
    ]);
    const putEvents = statements.filter((s) => actionsOf(s).includes("events:PutEvents"));
    assert.deepEqual(putEvents.map(actionsOf), [["events:PutEvents"]], "PutEvents alone, in one statement");
    const ssmConfig = controllerStatements(variants.privateSsm).find((s) => s.Sid === "AllowReadingConfigParameters");
    assert.deepEqual(resourcesOf(ssmConfig as Statement), [
      "arn:<AWS::Partition>:ssm:us-east-1:<AWS::AccountId>:parameter/stevedore/demo",
      "arn:<AWS::Partition>:ssm:us-east-1:<AWS::AccountId>:parameter/stevedore/demo/*",
    ]);
    assert.equal(
      controllerStatements(variants.default).find((s) => s.Sid === "AllowReadingConfigParameters"),
      undefined,
    );
  });

  it("sqs: the queue consumer's actions on the queue (reaction seconds); only SendMessage to the DLQ (reaction minute)", () => {
    const sqsStatements = (b: Built) =>
      allStatements(b.json).filter(
        (s) => s.type.startsWith("AWS::IAM::") && actionsOf(s.statement).some((a) => a.startsWith("sqs:")),
      );
    const seconds = sqsStatements(variants.default);
    assert.deepEqual(
      seconds.flatMap((s) => resourcesOf(s.statement)),
      ["<InterruptionQueueA3EE13F3.Arn>"],
      "the mapping's actions on the queue, nothing on the DLQ",
    );
    const [only, ...more] = sqsStatements(variants.minute);
    assert.deepEqual(more, []);
    assert.deepEqual(
      [only.statement.Effect, actionsOf(only.statement), resourcesOf(only.statement), only.statement.Condition],
      ["Allow", ["sqs:SendMessage"], ["<InterruptionDeadLetterQueue3747AD34.Arn>"], undefined],
    );
    assert.ok(only.logicalId.startsWith("ControllerRole"), only.logicalId);
  });

  it("lambda:InvokeFunction: only the provisioner's ARN, alone in its statement, only with reaction seconds", () => {
    const invoking = (b: Built) =>
      allStatements(b.json).filter(
        (s) => s.type.startsWith("AWS::IAM::") && actionsOf(s.statement).some((a) => a.startsWith("lambda:")),
      );
    const [only, ...more] = invoking(variants.default);
    assert.deepEqual(more, []);
    assert.ok(only.logicalId.startsWith("Controller"), only.logicalId);
    assert.deepEqual(actionsOf(only.statement), ["lambda:InvokeFunction"]);
    const provisioner = Object.keys(variants.default.json.Resources).find(
      (id) =>
        id.startsWith("ControllersProvisioner") && variants.default.json.Resources[id].Type === "AWS::Lambda::Function",
    );
    assert.deepEqual(resourcesOf(only.statement), [`<${provisioner}.Arn>`]);
    assert.equal(only.statement.Condition, undefined);
    const attached = variants.default.json.Resources[only.logicalId].Properties?.Roles;
    assert.deepEqual(attached, [
      {
        Ref: Object.keys(variants.default.json.Resources).find(
          (id) => id.startsWith("ControllerRole") && variants.default.json.Resources[id].Type === "AWS::IAM::Role",
        ),
      },
    ]);
    assert.deepEqual(invoking(variants.minute), []);
  });

  it("allows every AWS call the adapters make (and nothing the policy lists is unused)", () => {
    const commands = (dir: string, client: string, skip: string[] = []) => {
      const found = new Set<string>();
      for (const file of readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith(".ts") && !skip.includes(f))) {
        const text = readFileSync(join(REPO_ROOT, dir, file), "utf8");
        for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
          if (m[2] !== client) continue;
          for (const name of m[1].split(",").map((x) => x.trim().replace(/^type\s+/, ""))) {
            const command = /^(\w+)Command$/.exec(name);
            if (command && text.includes(`new ${name}(`)) found.add(command[1]);
          }
        }
      }
      return found;
    };
    const allowed = allowedActions(variants.default);
    const ec2 = commands("lib/cloud/aws", "@aws-sdk/client-ec2");
    assert.ok(ec2.has("CreateFleet") && ec2.has("TerminateInstances"), "scan found the adapter's calls");
    for (const c of ec2) assert.ok(allowed.has(`ec2:${c}`), `ec2:${c}`);
    for (const c of commands("lib/cloud/aws", "@aws-sdk/client-ssm")) assert.ok(allowed.has(`ssm:${c}`), `ssm:${c}`);
    const eventBridge = commands("lib/cloud/aws", "@aws-sdk/client-eventbridge");
    assert.ok(eventBridge.has("PutEvents"), "scan found the decision publisher");
    for (const c of eventBridge) assert.ok(allowed.has(`events:${c}`), `events:${c}`);
    // Lambda's Invoke API is authorized as lambda:InvokeFunction (the watcher's trigger, reaction seconds).
    const lambdaActions: Record<string, string> = { Invoke: "InvokeFunction" };
    for (const c of commands("lib/cloud/aws", "@aws-sdk/client-lambda"))
      assert.ok(allowed.has(`lambda:${lambdaActions[c] ?? c}`), `lambda:${lambdaActions[c] ?? c}`);
    for (const c of commands("lib/cloud/aws", "@aws-sdk/client-pricing"))
      assert.ok(allowed.has(`pricing:${c}`), `pricing:${c}`);
    for (const dir of ["lib/cluster", "lib/cloud/aws"]) {
      for (const c of commands(dir, "@aws-sdk/client-eks")) assert.ok(allowed.has(`eks:${c}`), `eks:${c}`);
    }
    const ddbNames: Record<string, string> = {
      Get: "GetItem",
      Put: "PutItem",
      Update: "UpdateItem",
      Delete: "DeleteItem",
      Query: "Query",
      Scan: "Scan",
      BatchGet: "BatchGetItem",
      BatchWrite: "BatchWriteItem",
      TransactWrite: "TransactWriteItems",
    };
    for (const c of commands("lib/state", "@aws-sdk/lib-dynamodb", ["table.ts"])) {
      assert.ok(allowed.has(`dynamodb:${ddbNames[c] ?? c}`), `dynamodb:${ddbNames[c] ?? c}`);
    }
    for (const c of commands("lib/state", "@aws-sdk/client-ssm"))
      assert.ok(allowedActions(variants.privateSsm).has(`ssm:${c}`), `ssm:${c} (config path)`);
    const ec2Allowed = [...allowed].filter((a) => a.startsWith("ec2:"));
    for (const a of ec2Allowed)
      assert.ok(ec2.has(a.slice(4)) || a === "ec2:RunInstances" || a === "ec2:CreateTags", `unused ${a}`);
  });

  it("cdk-nag AwsSolutions: zero findings; every acknowledgement has a reason and matches a real finding", () => {
    for (const [name, b] of Object.entries(variants)) {
      const result = new AwsSolutionsChecks().validateScope(b.app);
      assert.deepEqual(
        result.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(" ")}`),
        [],
        name,
      );
      // Take the acknowledgements out and check each one suppressed a finding of its own construct or a child.
      const acknowledged: { id: string; path: string; reason: string }[] = [];
      for (const c of b.app.node.findAll()) {
        const md =
          (c.node as unknown as { _metadata?: { type: string; data: Record<string, string> }[] })._metadata ?? [];
        for (let i = md.length - 1; i >= 0; i--) {
          if (md[i].type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          for (const [id, reason] of Object.entries(md[i].data))
            acknowledged.push({ id: id.replace(/^annotation::/i, ""), path: c.node.path, reason });
          md.splice(i, 1);
        }
      }
      const raw = new AwsSolutionsChecks().validateScope(b.app).violations;
      for (const ack of acknowledged) {
        assert.ok(ack.reason.length >= 40, `${name} ${ack.path} ${ack.id}: reason too short`);
        const finding = raw.find((v) => v.ruleName === ack.id);
        assert.ok(
          finding?.violatingResources.some(
            (r) => r.constructPath === ack.path || r.constructPath?.startsWith(`${ack.path}/`),
          ),
          `${name}: acknowledgement ${ack.id} at ${ack.path} suppresses nothing`,
        );
      }
      assert.ok(
        raw.every(
          (v) =>
            v.ruleName.startsWith("AwsSolutions-IAM") || ["AwsSolutions-L1", "AwsSolutions-SQS4"].includes(v.ruleName),
        ),
        name,
      );
    }
  });
});
