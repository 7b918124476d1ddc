/**
 * `--stack`: the state table and the EKS cluster come from a deployed stack's outputs (CloudFormation DescribeStacks
 * on the AWS emulator), and status reads the cluster's Nodes through EKS (DescribeCluster, then an STS-presigned
 * token) from the fake kube-apiserver over HTTPS. Unknown stacks and conflicting flags: one line, exit 2.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { run as decisions } from "../../bin/commands/decisions.js";
import { run as explain } from "../../bin/commands/explain.js";
import { run as status } from "../../bin/commands/status.js";
import { STACK_OUTPUTS } from "../../lib/infra/stack-outputs.js";
import type { StatusReport } from "../../lib/operator/status-report.js";
import { FakeKubeApiServer } from "../../lib/twin/kube-apiserver/index.js";
import { createTestTable, type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";
import { type RunningAwsEmulator, startAwsEmulator } from "../support/ec2-emulator.js";
import { runCommand, seedStateTable } from "./operator-fixtures.js";

let db: DynaliteHandle;
let aws: RunningAwsEmulator;
let kube: FakeKubeApiServer;
let env: Record<string, string>;
const now = Date.now();

before(async () => {
  db = await startDynalite();
  const table = await createTestTable(localDynamoClient(db.endpoint), "stack");
  await seedStateTable(db.endpoint, table, now);
  kube = await FakeKubeApiServer.start({ tls: true, authenticate: (token) => token.startsWith("k8s-aws-v1.") });
  kube.store.create("nodes", {
    metadata: { name: "ip-10-0-1-5.ec2.internal", labels: { "karpenter.sh/nodepool": "default" } },
    status: { capacity: { cpu: "8", memory: "8Gi" }, conditions: [{ type: "Ready", status: "True" }] },
  });
  aws = await startAwsEmulator({ clusterName: "demo" });
  aws.emulator.setEksCluster({
    endpoint: kube.url,
    certificateAuthorityData: Buffer.from(kube.caCertificate ?? "").toString("base64"),
  });
  aws.emulator.putStack("stevedore-demo", [
    { key: STACK_OUTPUTS.stateTableName, value: table, description: "State table" },
    { key: STACK_OUTPUTS.clusterName, value: "demo" },
  ]);
  aws.emulator.putStack("not-stevedore", [{ key: "BucketName", value: "b" }]);
  env = { AWS_ENDPOINT_URL: aws.endpoint, STEVEDORE_DYNAMODB_ENDPOINT: db.endpoint, AWS_REGION: "us-east-1" };
});

after(async () => {
  await kube.close();
  await aws.close();
  await db.close();
});

test("status --stack reads the table from the stack's outputs and the Nodes through EKS", async () => {
  const r = await runCommand(status, ["--stack", "stevedore-demo", "-o", "json"], env);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as StatusReport;
  const pool = report.pools.find((p) => p.name === "default");
  assert.equal(pool?.nodes, 3);
  assert.deepEqual(pool?.clusterNodes, { total: 1, ready: 1 });
  const nodeLists = kube.requests.filter((q) => q.path === "/api/v1/nodes");
  assert.ok(nodeLists.length > 0 && nodeLists.every((q) => q.authorization?.startsWith("Bearer k8s-aws-v1.")));
  assert.equal(aws.emulator.callCounts()["cloudformation:DescribeStacks"], 1);
});

test("explain node --stack reads the claims, config and launch from the table and the Node through EKS", async () => {
  const r = await runCommand(explain, ["node", "ip-10-0-1-5.ec2.internal", "--stack", "stevedore-demo"], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Node ip-10-0-1-5\.ec2\.internal\nClaim default-aaa \(Initialized\) of NodePool "default"/);
  assert.match(r.stdout, /Launched by the provisioner at /);
  const noCluster = await runCommand(explain, ["node", "ip-10-0-1-5.ec2.internal"], env);
  assert.equal(noCluster.code, 2);
  assert.match(noCluster.stderr, /give --kubeconfig \(or --stack with a ClusterName output\)/);
});

test("decisions --stack reads the same table", async () => {
  const r = await runCommand(decisions, ["--stack", "stevedore-demo", "--since", "1d", "-o", "json"], env);
  assert.equal(r.code, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as unknown[]).length > 0);
});

test("an unknown stack, a stack without the table output, or --stack with --table: one line, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--stack", "nope"], /stack "nope" not found in us-east-1/],
    [["--stack", "not-stevedore"], /stack "not-stevedore" has no StateTableName output/],
    [["--stack", "stevedore-demo", "--table", "t"], /give --stack or --table, not both/],
  ];
  for (const [argv, message] of cases) {
    const r = await runCommand(status, argv, env);
    assert.equal(r.code, 2, argv.join(" "));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
