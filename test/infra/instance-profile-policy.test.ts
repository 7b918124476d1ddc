/**
 * The controller policy allows exactly the instance-profile calls the AWS adapter makes for EC2NodeClass roles,
 * evaluated by an IAM policy simulator: creation only with the tags the adapter sends, changes only on profiles
 * carrying them under the cluster's path, PassRole only for the node role to EC2.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import {
  instanceProfileName,
  instanceProfilePath,
  instanceProfileTags,
} from "../../lib/cloud/aws/instance-profiles.js";
import { iamIntegrationPolicy } from "../../lib/infra/controller-policy.js";

const ACCOUNT = "123456789012";
const CLUSTER = "demo";
const REGION = "us-east-1";
const NODE_ROLE = `arn:aws:iam::${ACCOUNT}:role/demo-node`;
const policy = iamIntegrationPolicy({
  clusterName: CLUSTER,
  region: REGION,
  partition: "aws",
  account: ACCOUNT,
  nodeRoleArn: NODE_ROLE,
  stateTableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/state`,
  queueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:queue`,
});
const NAME = instanceProfileName(CLUSTER, REGION, "default", "demo-node");
const PROFILE_ARN = `arn:aws:iam::${ACCOUNT}:instance-profile${instanceProfilePath(REGION, CLUSTER)}${NAME}`;
const TAGS = instanceProfileTags(CLUSTER, REGION, "default");

/** `aws:RequestTag/…` / `aws:ResourceTag/…` context keys (plus `aws:TagKeys`) for tags. */
function tagContext(
  kind: "RequestTag" | "ResourceTag",
  tags: Record<string, string>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.fromEntries(
    Object.entries(tags).map(([k, v]) => [`aws:${kind}/${k}`, v]),
  );
  if (kind === "RequestTag") out["aws:TagKeys"] = Object.keys(tags);
  return out;
}

async function decide(action: string, resource: string, context: Record<string, string | string[]> = {}) {
  const simulation: Simulation = {
    request: {
      principal: `arn:aws:iam::${ACCOUNT}:role/stevedore-controller`,
      action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: context,
    },
    identityPolicies: [
      {
        name: policy.id,
        policy: { Version: "2012-10-17", Statement: policy.statements.map((s) => s.toStatementJson()) },
      },
    ],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  const r = await runSimulation(simulation, {});
  if (r.resultType === "error") assert.fail(JSON.stringify(r.errors));
  return r.overallResult;
}

describe("controller policy: instance profiles of node class roles", () => {
  test("CreateInstanceProfile (and tagging on create) only with the cluster, region and class request tags", async () => {
    assert.equal(await decide("iam:CreateInstanceProfile", PROFILE_ARN, tagContext("RequestTag", TAGS)), "Allowed");
    const noRegion = { ...TAGS };
    delete noRegion["stevedore.dev/region"];
    assert.equal(
      await decide("iam:CreateInstanceProfile", PROFILE_ARN, tagContext("RequestTag", noRegion)),
      "ImplicitlyDenied",
    );
    const otherCluster = { ...TAGS, "eks:eks-cluster-name": "prod" };
    assert.equal(
      await decide("iam:CreateInstanceProfile", PROFILE_ARN, tagContext("RequestTag", otherCluster)),
      "ImplicitlyDenied",
    );
    const outsidePath = `arn:aws:iam::${ACCOUNT}:instance-profile/${NAME}`;
    assert.equal(
      await decide("iam:CreateInstanceProfile", outsidePath, tagContext("RequestTag", TAGS)),
      "ImplicitlyDenied",
    );
    const both = { ...tagContext("RequestTag", TAGS), ...tagContext("ResourceTag", TAGS) };
    assert.equal(await decide("iam:TagInstanceProfile", PROFILE_ARN, both), "Allowed");
  });

  test("AddRole, RemoveRole and Delete only on profiles carrying the tags; Get and List under the path", async () => {
    for (const action of [
      "iam:AddRoleToInstanceProfile",
      "iam:RemoveRoleFromInstanceProfile",
      "iam:DeleteInstanceProfile",
    ]) {
      assert.equal(await decide(action, PROFILE_ARN, tagContext("ResourceTag", TAGS)), "Allowed", action);
      assert.equal(await decide(action, PROFILE_ARN, {}), "ImplicitlyDenied", `${action} untagged`);
      const foreign = `arn:aws:iam::${ACCOUNT}:instance-profile/other/${NAME}`;
      assert.equal(await decide(action, foreign, tagContext("ResourceTag", TAGS)), "ImplicitlyDenied", action);
    }
    assert.equal(await decide("iam:GetInstanceProfile", PROFILE_ARN), "Allowed");
  });

  test("PassRole only for the node role, only to EC2", async () => {
    const ec2 = { "iam:PassedToService": "ec2.amazonaws.com" };
    assert.equal(await decide("iam:PassRole", NODE_ROLE, ec2), "Allowed");
    assert.equal(
      await decide("iam:PassRole", NODE_ROLE, { "iam:PassedToService": "lambda.amazonaws.com" }),
      "ImplicitlyDenied",
    );
    assert.equal(await decide("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/admin`, ec2), "ImplicitlyDenied");
  });
});
