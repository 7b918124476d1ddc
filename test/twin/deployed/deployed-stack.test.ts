/**
 * The deployed mode end to end, through the shipped bundles: the assembly's functions run in their own processes
 * against dynalite, the AWS emulator and the fake kube-apiserver, through the IAM-enforcing gateway.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DynamoStateStore } from "../../../lib/state/dynamo-store.js";
import { readAssembly } from "../../../lib/twin/deployed/assembly.js";
import { DeployedStack } from "../../../lib/twin/deployed/deployed-stack.js";
import { type DeployedStackModel, readDeployedModel } from "../../../lib/twin/deployed/template-model.js";
import {
  CLUSTER,
  type ControllerHarness,
  defaultConfigYaml,
  REGION,
  startControllerHarness,
} from "../../support/controller-harness.js";
import { buildTestAssembly } from "../../support/deployed-assembly.js";
import { localDynamoClient } from "../../support/dynalite.js";

let assembly: string;
const scratch = mkdtempSync(join(tmpdir(), "stevedore-deployed-test-"));

before(async () => {
  assembly = await buildTestAssembly({ clusterName: CLUSTER, region: REGION, loopSeconds: "5" });
});
after(() => {
  rmSync(assembly, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function model(): DeployedStackModel {
  const a = readAssembly(assembly);
  return readDeployedModel(a.template, a.dir, {
    account: "123456789012",
    region: REGION,
    partition: "aws",
    stackName: a.stackName,
  });
}

interface World {
  h: ControllerHarness;
  stack: DeployedStack;
  state: DynamoStateStore;
  output: string[];
  close(): Promise<void>;
}

async function world(m: DeployedStackModel = model(), timeoutMs?: number): Promise<World> {
  const h = await startControllerHarness({ clockStart: Date.now() });
  const kubeconfigPath = join(scratch, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(kubeconfigPath, h.kube.kubeConfig.exportConfig());
  const client = localDynamoClient(h.dynalite.endpoint);
  const output: string[] = [];
  const stack = await DeployedStack.standUp({
    model: m,
    emulator: h.aws.emulator,
    dynamo: { client, endpoint: h.dynalite.endpoint },
    kubeconfigPath,
    onOutput: (fn, line) => output.push(`${fn}: ${line}`),
    ...(timeoutMs ? { timeoutMs: () => timeoutMs } : {}),
  });
  const state = new DynamoStateStore({ client, tableName: m.table?.name ?? "" });
  for (const [i, doc] of defaultConfigYaml().split("---").entries()) {
    await state.putConfig({ kind: i === 0 ? "NodePool" : "NodeClass", name: "default", document: doc }, Date.now());
  }
  return {
    h,
    stack,
    state,
    output,
    close: async () => {
      await stack.close();
      await h.close();
    },
  };
}

describe("deployed mode", () => {
  test("the template stands up: table, queues with DLQ, rules, functions, mapping; the rest is listed", () => {
    const m = model();
    assert.deepEqual([m.table?.partitionKey, m.table?.sortKey, m.table?.ttlAttribute], ["pk", "sk", "ttl"]);
    const queue = m.queues.find((q) => q.redrive);
    assert.equal(queue?.redrive?.maxReceiveCount, 3);
    assert.ok(m.queues.some((q) => q.arn === queue?.redrive?.deadLetterArn));
    assert.deepEqual(
      m.rules.filter((r) => r.schedule).map((r) => r.schedule),
      ["rate(1 minute)", "rate(1 minute)", "rate(2 minutes)"],
    );
    const provisioner = m.functions.find((f) => f.name === "provisioner");
    assert.deepEqual(
      [
        provisioner?.timeoutSeconds,
        provisioner?.memoryMb,
        provisioner?.reservedConcurrency,
        provisioner?.maxRetryAttempts,
      ],
      [25, 1024, 1, 0],
    );
    assert.equal(m.eventSourceMappings[0]?.reportBatchItemFailures, true);
    const unmodelled = new Set(m.unmodelled.map((u) => u.type));
    for (const t of ["AWS::CloudWatch::Alarm", "AWS::EKS::AccessEntry", "AWS::Logs::LogGroup"])
      assert.ok(unmodelled.has(t), t);
  });

  test("a pending pod: the provisioner bundle launches it, every call authorized by the controller role", async () => {
    const w = await world();
    try {
      w.h.pod("web-0", { cpu: "1" });
      const r = await w.stack.invokeScheduled("provisioner");
      assert.equal(r.status, "ok", JSON.stringify(r) + w.output.join("\n"));
      assert.deepEqual(w.stack.iam.denials, []);
      assert.equal(w.h.liveInstances().length, 1);
      const m = w.stack.lambda.metrics().provisioner;
      assert.deepEqual([m.invocations, m.coldStarts, m.timeouts], [1, 1, 0]);
    } finally {
      await w.close();
    }
  });
});
