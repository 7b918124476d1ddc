/**
 * Reaction minute in the deployed mode: no interruption queue and no event source mapping; the interruption rules
 * invoke the shipped interruption bundle asynchronously. A spot warning reaches it through its rule (the function's
 * resource policy allows that rule) and the node is replaced and drained; a rule without a permission fails delivery
 * and dead-letters the event; an event the function keeps failing goes to its dead-letter queue after Lambda's retries.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { DeployedStack } from "../../../lib/twin/deployed/deployed-stack.js";
import type { DeployedStackModel } from "../../../lib/twin/deployed/template-model.js";
import { CLUSTER, REGION } from "../../support/controller-harness.js";
import { buildTestAssembly } from "../../support/deployed-assembly.js";
import { type DeployedWorld, deployedModel, deployedWorld } from "../../support/deployed-world.js";

let assembly: string;

before(async () => {
  assembly = await buildTestAssembly({ clusterName: CLUSTER, region: REGION, loopSeconds: "5", reaction: "minute" });
});
after(() => rmSync(assembly, { recursive: true, force: true }));

const model = () => deployedModel(assembly);
type World = DeployedWorld;
const world = (m: DeployedStackModel) => deployedWorld(assembly, m);

/** One registered spot node running a pod, launched and registered by the provisioner bundle. */
async function spotNode(w: World) {
  w.h.pod("web-0", { cpu: "1" });
  assert.equal((await w.stack.invokeScheduled("provisioner")).status, "ok");
  w.h.advance(10_000);
  assert.equal((await w.stack.invokeScheduled("provisioner")).status, "ok");
  w.h.settle();
  const [claim] = await w.state.listClaims();
  assert.ok(claim?.nodeName && claim.capacityType === "spot", JSON.stringify(claim));
  return claim;
}

const sqsSends = (stack: DeployedStack) => [...stack.queues.stats.values()].reduce((n, s) => n + s.sent, 0);

describe("deployed mode, reaction minute: interruption events straight to the function", () => {
  test("the model: no mapping, one queue (the DLQ), rules target the function with a permission each", () => {
    const m = model();
    const interruption = m.functions.find((f) => f.name === "interruption");
    assert.ok(interruption);
    assert.deepEqual(m.eventSourceMappings, []);
    assert.equal(m.queues.length, 1);
    const [dlq] = m.queues;
    assert.deepEqual(interruption.asyncFailure, { arn: dlq.arn, kind: "dead-letter-queue" });
    assert.deepEqual([interruption.maxRetryAttempts, interruption.maxEventAgeSeconds], [2, 600]);
    const patterned = m.rules.filter((r) => r.pattern);
    assert.equal(patterned.length, 6);
    for (const rule of patterned) {
      assert.deepEqual(
        rule.targets.map((t) => [t.arn, t.deadLetterArn]),
        [[interruption.arn, dlq.arn]],
      );
      assert.ok(
        m.permissions.some(
          (p) =>
            p.functionArn === interruption.arn && p.principal === "events.amazonaws.com" && p.sourceArn === rule.arn,
        ),
        rule.logicalId,
      );
    }
    assert.ok(!m.unmodelled.some((u) => u.type === "AWS::Lambda::Permission"), "permissions are modelled");
  });

  test("a spot warning reaches the function through its rule: replaced and drained, no SQS request", async () => {
    const w = await world(model());
    try {
      const claim = await spotNode(w);
      const warning = w.h.aws.emulator.interruptSpot(claim.instanceId ?? "");
      assert.equal(w.stack.publish(warning), 1, "one rule matches");
      await w.stack.lambda.drain();
      const m = w.stack.lambda.metrics().interruption;
      assert.deepEqual([m.invocations, m.errors, m.droppedEvents], [1, 0, 0], w.output.slice(-20).join("\n"));
      assert.deepEqual(w.stack.ruleDeliveryFailures, []);
      assert.deepEqual(w.stack.iam.denials, []);
      const claims = await w.state.listClaims({ includeTerminated: true });
      const old = claims.find((c) => c.id === claim.id);
      assert.equal(old?.disruptionReason, "Interrupted");
      assert.ok(old?.state === "Draining" || old?.state === "Terminated", `claim is ${old?.state}`);
      assert.ok(
        claims.some((c) => c.id === old?.replacementClaimId && c.state !== "Terminated"),
        "a replacement was launched",
      );
      assert.equal(w.h.pods().find((p) => p.metadata.name === "web-0")?.spec.nodeName, undefined, "evicted");
      assert.equal(sqsSends(w.stack), 0, "no queue in between");
    } finally {
      await w.close();
    }
  });

  test("without a Lambda permission the rule fails delivery: denied, dead-lettered, never invoked", async () => {
    const m = model();
    const interruption = m.functions.find((f) => f.name === "interruption");
    m.permissions = m.permissions.filter((p) => p.functionArn !== interruption?.arn);
    const w = await world(m);
    try {
      const warning = w.h.aws.emulator.interruptSpot((await spotNode(w)).instanceId ?? "");
      w.stack.publish(warning);
      await w.stack.lambda.drain();
      assert.equal(w.stack.lambda.metrics().interruption.invocations, 0);
      assert.deepEqual(
        w.stack.ruleDeliveryFailures.map((f) => [f.rule.startsWith("InterruptionSpotInterruptionRule"), f.errorCode]),
        [[true, "NO_PERMISSIONS"]],
      );
      assert.ok(w.stack.ruleDeliveryFailures[0]?.deadLettered);
      assert.deepEqual(
        w.stack.iam.denials.map((d) => [d.roleArn, d.check.action, d.check.resource]),
        [["events.amazonaws.com", "lambda:InvokeFunction", interruption?.arn]],
      );
      assert.equal(w.stack.queues.depth(m.queues[0].arn).visible, 1, "the event waits in the dead-letter queue");
    } finally {
      await w.close();
    }
  });

  test("an event the function keeps failing: two retries, then its dead-letter queue, sent with its role", async () => {
    const m = model();
    const interruption = m.functions.find((f) => f.name === "interruption");
    // A cold start that fails every time (a missing variable).
    if (interruption) delete interruption.environment.STEVEDORE_TABLE;
    const w = await world(m);
    try {
      const warning = w.h.aws.emulator.interruptSpot((await spotNode(w)).instanceId ?? "");
      w.stack.publish(warning);
      await w.stack.lambda.drain();
      const metrics = w.stack.lambda.metrics().interruption;
      assert.deepEqual([metrics.invocations, metrics.errors, metrics.droppedEvents], [3, 3, 1]);
      assert.deepEqual(w.stack.iam.denials, [], "the role may send to the dead-letter queue");
      const [dlq] = m.queues;
      const [message] = w.stack.queues.receive(dlq.arn, 10);
      assert.equal(JSON.parse(message?.body ?? "{}").id, warning.id, "the event itself");
    } finally {
      await w.close();
    }
  });
});
