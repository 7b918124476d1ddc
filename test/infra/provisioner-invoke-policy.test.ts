/**
 * The watcher's trigger permission, evaluated by an IAM policy simulator: the controller role may invoke the
 * provisioner (the unqualified function the watcher names) and no other function, version or action.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { provisionerInvokePolicy } from "../../lib/infra/provisioner-invoke-policy.js";

const ACCOUNT = "123456789012";
const FUNCTIONS = `arn:aws:lambda:us-east-1:${ACCOUNT}:function`;
const PROVISIONER = `${FUNCTIONS}:Stevedore-demo-ControllersProvisionerB1E7B98B`;
const policy = provisionerInvokePolicy("demo", PROVISIONER);

async function decide(action: string, resource: string): Promise<string> {
  const r = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/stevedore-controller/watcher`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
      identityPolicies: [
        {
          name: policy.id,
          policy: { Version: "2012-10-17", Statement: policy.statements.map((s) => s.toStatementJson()) },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (r.resultType === "error") assert.fail(JSON.stringify(r.errors));
  return r.overallResult;
}

describe("controller policy: the watcher invokes the provisioner", () => {
  test("lambda:InvokeFunction on the provisioner is allowed", async () => {
    assert.equal(await decide("lambda:InvokeFunction", PROVISIONER), "Allowed");
  });

  test("any other function, a qualified version, or another Lambda action is not", async () => {
    assert.equal(
      await decide("lambda:InvokeFunction", `${FUNCTIONS}:Stevedore-demo-ControllersDisruptorC0FFEE00`),
      "ImplicitlyDenied",
    );
    assert.equal(await decide("lambda:InvokeFunction", `${FUNCTIONS}:other-stack-provisioner`), "ImplicitlyDenied");
    assert.equal(await decide("lambda:InvokeFunction", `${PROVISIONER}:1`), "ImplicitlyDenied");
    assert.equal(await decide("lambda:UpdateFunctionCode", PROVISIONER), "ImplicitlyDenied");
    assert.equal(await decide("lambda:GetFunction", PROVISIONER), "ImplicitlyDenied");
  });

  test("no wildcard, no condition: the statement names the one function", () => {
    const [statement, ...more] = policy.statements.map((s) => s.toStatementJson());
    assert.deepEqual(more, []);
    assert.deepEqual(statement, {
      Sid: "AllowInvokingTheProvisioner",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: PROVISIONER,
    });
    assert.deepEqual(policy.wildcardReasons, {});
  });
});
