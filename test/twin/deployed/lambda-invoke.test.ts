/**
 * Lambda Invoke through the deployed mode's AWS gateway, with the real SDK client: authorized as
 * `lambda:InvokeFunction` on the function's ARN by the calling role's policies (the stack's own invoke policy),
 * asynchronous invokes queued on the Lambda runtime, synchronous ones answered with the result, and the errors
 * Lambda returns (access denied, function not found, function error).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { GetFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { provisionerInvokePolicy } from "../../../lib/infra/provisioner-invoke-policy.js";
import { AwsGateway } from "../../../lib/twin/deployed/aws-gateway.js";
import type { Ec2AuthorizationContext } from "../../../lib/twin/deployed/ec2-authorization.js";
import { IamEvaluator } from "../../../lib/twin/deployed/iam-evaluator.js";
import { LambdaRuntime } from "../../../lib/twin/deployed/lambda-runtime.js";
import type { DeployedFunction, DeployedRole, PolicyDocument } from "../../../lib/twin/deployed/template-model.js";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const FUNCTIONS = `arn:aws:lambda:${REGION}:${ACCOUNT}:function`;
const root = mkdtempSync(join(tmpdir(), "stevedore-lambda-invoke-test-"));
const marks = join(root, "marks");

function fn(name: string, source: string): DeployedFunction {
  const assetDir = join(root, name);
  mkdirSync(assetDir, { recursive: true });
  writeFileSync(join(assetDir, "index.mjs"), source);
  return {
    logicalId: name,
    name,
    arn: `${FUNCTIONS}:${name}`,
    handler: "index.handler",
    runtime: "nodejs22.x",
    memoryMb: 256,
    timeoutSeconds: 5,
    environment: { MARKS: marks },
    roleArn: `arn:aws:iam::${ACCOUNT}:role/target`,
    assetDir,
    maxEventAgeSeconds: 60,
    maxRetryAttempts: 0,
  };
}

function role(name: string, statements: Record<string, unknown>[]): DeployedRole {
  const document: PolicyDocument = { Version: "2012-10-17", Statement: statements };
  return {
    logicalId: name,
    name,
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    policies: statements.length > 0 ? [{ name: `${name}Policy`, document }] : [],
    externalPolicyArns: [],
  };
}

const provisioner = fn(
  "Stevedore-demo-ControllersProvisioner",
  `import { appendFileSync } from "node:fs";
   export async function handler(event) {
     appendFileSync(process.env.MARKS, JSON.stringify(event) + "\\n");
     return { placed: event.count ?? 0 };
   }`,
);
const failing = fn(
  "Stevedore-demo-Failing",
  `export async function handler() { throw new TypeError("no pods to place"); }`,
);
const invokePolicy = provisionerInvokePolicy("demo", provisioner.arn).statements.map((s) => s.toStatementJson());
const watcherRole = role("watcher", invokePolicy);
const nodeRole = role("node", [{ Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" }]);
const adminRole = role("admin", [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: `${FUNCTIONS}:*` }]);

describe("Lambda Invoke through the gateway", () => {
  const iam = new IamEvaluator([watcherRole, nodeRole, adminRole], ACCOUNT);
  const runtime = new LambdaRuntime([provisioner, failing], { extraEnv: () => ({}) });
  const gateway = new AwsGateway({
    emulatorEndpoint: "http://127.0.0.1:9",
    dynamoEndpoint: "http://127.0.0.1:9",
    iam,
    ec2: { region: REGION, account: ACCOUNT } as Ec2AuthorizationContext,
    region: REGION,
    account: ACCOUNT,
  });
  gateway.serveLambda(runtime);
  let endpoint = "";
  const clientAs = (r: DeployedRole) => {
    const key = gateway.credentialsFor(r.arn);
    return new LambdaClient({
      endpoint,
      region: REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: key.AWS_ACCESS_KEY_ID, secretAccessKey: key.AWS_SECRET_ACCESS_KEY },
    });
  };
  const invocations = () =>
    existsSync(marks)
      ? readFileSync(marks, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
      : [];
  const trigger = { source: "stevedore.watcher", reason: "pods", count: 3 };
  const payload = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

  before(async () => {
    endpoint = await gateway.start();
  });
  after(async () => {
    await runtime.close();
    await gateway.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("an asynchronous invoke by a role allowed to: 202 at once, then the function runs with the payload", async () => {
    const r = await clientAs(watcherRole).send(
      new InvokeCommand({ FunctionName: provisioner.name, InvocationType: "Event", Payload: payload(trigger) }),
    );
    assert.equal(r.StatusCode, 202);
    await runtime.drain();
    assert.deepEqual(invocations(), [trigger]);
    assert.equal(runtime.metrics()[provisioner.name].invocations, 1);
    assert.deepEqual(gateway.calls.get("lambda:Invoke"), { total: 1, denied: 0 });
  });

  test("a role without lambda:InvokeFunction on the function: AccessDeniedException, the function never runs", async () => {
    const before = runtime.metrics()[provisioner.name].invocations;
    await assert.rejects(
      clientAs(nodeRole).send(
        new InvokeCommand({ FunctionName: provisioner.arn, InvocationType: "Event", Payload: payload(trigger) }),
      ),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, "AccessDeniedException");
        assert.equal(err.$metadata?.httpStatusCode, 403);
        assert.match(err.message, /not authorized to perform: lambda:InvokeFunction on resource: .*Provisioner/);
        return true;
      },
    );
    // The watcher's policy names the provisioner only: another function, or a version of it, is denied too.
    for (const [FunctionName, Qualifier] of [
      [failing.name, undefined],
      [provisioner.name, "1"],
    ]) {
      await assert.rejects(
        clientAs(watcherRole).send(new InvokeCommand({ FunctionName, Qualifier, InvocationType: "Event" })),
        { name: "AccessDeniedException" },
      );
    }
    await runtime.drain();
    assert.equal(runtime.metrics()[provisioner.name].invocations, before);
    assert.equal(runtime.metrics()[failing.name].invocations, 0);
    assert.deepEqual(
      iam.denials.map((d) => [d.roleArn.split("/")[1], d.check.action, d.check.resource.split(":").slice(6).join(":")]),
      [
        ["node", "lambda:InvokeFunction", provisioner.name],
        ["watcher", "lambda:InvokeFunction", failing.name],
        ["watcher", "lambda:InvokeFunction", `${provisioner.name}:1`],
      ],
    );
  });

  test("synchronous invokes: the result, a function error as Unhandled, a missing function as not found", async () => {
    const ok = await clientAs(watcherRole).send(
      new InvokeCommand({ FunctionName: provisioner.arn, Payload: payload({ count: 7 }) }),
    );
    assert.equal(ok.StatusCode, 200);
    assert.equal(ok.FunctionError, undefined);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(ok.Payload)), { placed: 7 });

    const failed = await clientAs(adminRole).send(new InvokeCommand({ FunctionName: failing.name }));
    assert.equal(failed.StatusCode, 200);
    assert.equal(failed.FunctionError, "Unhandled");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(failed.Payload)), {
      errorType: "TypeError",
      errorMessage: "no pods to place",
      trace: [],
    });

    await assert.rejects(clientAs(adminRole).send(new InvokeCommand({ FunctionName: "Stevedore-demo-Missing" })), {
      name: "ResourceNotFoundException",
    });
    const dry = await clientAs(watcherRole).send(
      new InvokeCommand({ FunctionName: provisioner.name, InvocationType: "DryRun" }),
    );
    assert.equal(dry.StatusCode, 204);
    // Nothing but Invoke is served (and nothing reaches the EC2 emulator).
    await assert.rejects(clientAs(adminRole).send(new GetFunctionCommand({ FunctionName: provisioner.name })), {
      name: "UnknownOperationException",
    });
  });
});
