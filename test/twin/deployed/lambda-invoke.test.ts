/**
 * Lambda Invoke through the deployed mode's AWS gateway, with the real SDK client: authorized as
 * `lambda:InvokeFunction` on the function's ARN by the calling role's policies (the stack's own invoke policy),
 * asynchronous invokes queued on the Lambda runtime, synchronous ones answered with the result when the
 * invocation ends, and the errors Lambda returns (access denied, function not found, function error, and 429
 * TooManyRequestsException for a synchronous invoke over the function's reserved concurrency).
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
import { VirtualClock } from "../../../lib/twin/virtual-clock.js";
import { handWrittenFunction } from "../../support/hand-written-function.js";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const FUNCTIONS = `arn:aws:lambda:${REGION}:${ACCOUNT}:function`;
const root = mkdtempSync(join(tmpdir(), "stevedore-lambda-invoke-test-"));
const marks = join(root, "marks");

function fn(name: string, source: string): DeployedFunction {
  return handWrittenFunction(root, name, source, {
    arn: `${FUNCTIONS}:${name}`,
    timeoutSeconds: 5,
    environment: { MARKS: marks },
    roleArn: `arn:aws:iam::${ACCOUNT}:role/target`,
  });
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
/** Runs until the test writes its release file: an invocation that holds the function's only concurrency slot. */
const busy = {
  ...fn(
    "Stevedore-demo-Busy",
    `import { existsSync } from "node:fs";
     export async function handler(event) {
       while (!existsSync(process.env.MARKS + ".release")) await new Promise((r) => setTimeout(r, 10));
       return { ran: event.count };
     }`,
  ),
  reservedConcurrency: 1,
};
const failing = fn(
  "Stevedore-demo-Failing",
  `export async function handler() { throw new TypeError("no pods to place"); }`,
);
const invokePolicy = provisionerInvokePolicy("demo", provisioner.arn).statements.map((s) => s.toStatementJson());
const watcherRole = role("watcher", invokePolicy);
const nodeRole = role("node", [{ Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" }]);
const adminRole = role("admin", [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: `${FUNCTIONS}:*` }]);
const busyInvokePolicy = provisionerInvokePolicy("demo", busy.arn).statements.map((s) => s.toStatementJson());
const busyCallerRole = role("busyCaller", busyInvokePolicy);

describe("Lambda Invoke through the gateway", () => {
  const iam = new IamEvaluator([watcherRole, nodeRole, adminRole, busyCallerRole], ACCOUNT);
  const runtime = new LambdaRuntime([provisioner, failing, busy], { extraEnv: () => ({}) });
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

  test("a synchronous invoke answers when the invocation ends; one over the reserved concurrency gets 429", async () => {
    const client = clientAs(busyCallerRole);
    let answered = false;
    const first = client
      .send(new InvokeCommand({ FunctionName: busy.name, Payload: payload({ count: 1 }) }))
      .finally(() => {
        answered = true;
      });
    while (runtime.running === 0) await new Promise((r) => setTimeout(r, 10));
    // The slot is taken: a second synchronous invoke is refused at once, not queued, and nothing runs for it.
    await assert.rejects(
      client.send(new InvokeCommand({ FunctionName: busy.name, Payload: payload({ count: 2 }) })),
      (err: Error & { $metadata?: { httpStatusCode?: number }; Reason?: string }) => {
        assert.equal(err.name, "TooManyRequestsException");
        assert.equal(err.$metadata?.httpStatusCode, 429);
        assert.equal(err.Reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
        return true;
      },
    );
    assert.equal(answered, false, "the first call still waits for its invocation");
    writeFileSync(`${marks}.release`, "");
    const out = await first;
    assert.equal(out.StatusCode, 200);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.Payload)), { ran: 1 });
    const m = runtime.metrics()[busy.name];
    assert.deepEqual([m.invocations, m.throttles], [1, 1]);
    // Free again: the retry runs.
    const retried = await client.send(new InvokeCommand({ FunctionName: busy.name, Payload: payload({ count: 2 }) }));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(retried.Payload)), { ran: 2 });
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

describe("a synchronous invoke on the virtual clock", () => {
  // Written when the test runs: the suite above removes the functions' directory when it ends.
  const functions = () => {
    const calleeFn = fn(
      "Stevedore-clock-Callee",
      `export async function handler() {
       const t0 = Date.now();
       await new Promise((r) => setTimeout(r, 30_000));
       return { slept: Date.now() - t0 };
     }`,
    );
    const callee = { ...calleeFn, timeoutSeconds: 120 };
    const callerFn = fn(
      "Stevedore-clock-Caller",
      `import http from "node:http";
     export async function handler() {
       const t0 = Date.now();
       const answer = await new Promise((resolve, reject) => {
         const req = http.request(process.env.TARGET, {
           method: "POST",
           headers: { authorization: process.env.AUTH, "content-type": "application/json" },
         }, (res) => {
           let body = "";
           res.on("data", (c) => { body += c; });
           res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
         });
         req.on("error", reject);
         req.end("{}");
       });
       return { waited: Date.now() - t0, ...answer };
     }`,
    );
    return { callee, caller: { ...callerFn, timeoutSeconds: 120 } };
  };
  const start = Date.UTC(2030, 0, 1);

  test("the caller waits virtual time while the callee runs, and neither holds the clock for the other", async () => {
    mkdirSync(root, { recursive: true });
    const { callee, caller } = functions();
    const callerRole = role("caller", [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: callee.arn }]);
    const clock = new VirtualClock({ start });
    const gateway = new AwsGateway({
      emulatorEndpoint: "http://127.0.0.1:9",
      dynamoEndpoint: "http://127.0.0.1:9",
      iam: new IamEvaluator([callerRole], ACCOUNT),
      ec2: { region: REGION, account: ACCOUNT } as Ec2AuthorizationContext,
      region: REGION,
      account: ACCOUNT,
    });
    const endpoint = await gateway.start();
    const key = gateway.credentialsFor(callerRole.arn).AWS_ACCESS_KEY_ID;
    const runtime = new LambdaRuntime([caller, callee], {
      clock,
      extraEnv: (f) =>
        f.name === caller.name
          ? {
              TARGET: `${endpoint}/2015-03-31/functions/${callee.name}/invocations`,
              AUTH: `AWS4-HMAC-SHA256 Credential=${key}/20300101/${REGION}/lambda/aws4_request, Signature=x`,
            }
          : ({} as Record<string, string>),
    });
    gateway.serveLambda(runtime, {
      hold: () => clock.activity.begin(),
      answered: () => runtime.poke(),
      now: () => clock.now(),
    });
    try {
      const wallStart = Date.now();
      let result: Awaited<ReturnType<typeof runtime.invoke>> | undefined;
      void runtime.invoke(caller.name, {}).then((o) => {
        result = o;
      });
      while (!result && clock.now() < start + 5 * 60_000) await clock.advance(1000, 1000);
      assert.ok(result?.status === "ok", JSON.stringify(result));
      const v = result.value as { waited: number; status: number; body: { slept: number } };
      assert.equal(v.status, 200);
      assert.equal(v.body.slept, 30_000, "the callee slept virtual time");
      assert.ok(v.waited >= 30_000 && v.waited <= 32_000, `the caller waited ${v.waited} ms of virtual time`);
      assert.ok(Date.now() - wallStart < 20_000, "no settle timed out waiting for a caller that only waits");
    } finally {
      await runtime.close();
      await gateway.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
