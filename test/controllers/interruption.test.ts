/**
 * Interruption handling against the fake kube-apiserver, dynalite and the AWS emulator: the emulator emits the
 * EventBridge events, the handler receives them as SQS record bodies.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InterruptionHandler } from "../../lib/controllers/interruption.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { METRIC } from "../../lib/controllers/telemetry.js";
import { Terminator } from "../../lib/controllers/termination.js";
import type { AwsEvent } from "../../lib/twin/aws/index.js";
import { type ControllerHarness, type PodSpecOptions, startControllerHarness } from "../support/controller-harness.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

const record = (id: string, event: AwsEvent | string) => ({
  messageId: id,
  body: typeof event === "string" ? event : JSON.stringify(event),
});

async function bringUp(h: ControllerHarness, pods: [string, PodSpecOptions][]): Promise<void> {
  for (const [name, o] of pods) h.pod(name, o);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(60_000);
}

/** Evicted pods come back pending (a ReplicaSet stand-in). */
function keepAlive(h: ControllerHarness, pods: [string, PodSpecOptions][]): void {
  h.clock.onAdvance(() => {
    const names = new Set(h.pods().map((p) => p.metadata.name));
    for (const [name, o] of pods) if (!names.has(name)) h.pod(name, o);
  });
}

const PODS: [string, PodSpecOptions][] = [
  ["web-0", { cpu: "500m" }],
  ["web-1", { cpu: "500m" }],
];

describe("interruption", () => {
  test("a spot warning leads to replacement and drain well within the two minutes", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h, PODS);
      keepAlive(h, PODS);
      const [claim] = await h.claims();
      assert.equal(claim.capacityType, "spot");
      const warning = h.aws.emulator.interruptSpot(claim.instanceId ?? "");
      const eventTime = Date.parse(warning.time);
      const result = await new InterruptionHandler(h.deps()).handleRecords([record("m1", warning)]);
      assert.deepEqual(result.batchItemFailures, []);
      assert.deepEqual(result.acted, [claim.id]);
      assert.equal(result.drained.length, 1);
      assert.ok(result.drained[0].seconds < 60, `drained ${result.drained[0].seconds}s after the warning`);
      assert.ok(h.clock.now() - eventTime < 120_000);
      const claims = await h.claims(true);
      const old = claims.find((c) => c.id === claim.id);
      assert.equal(old?.state, "Terminated");
      assert.equal(old?.disruptionReason, "Interrupted");
      const replacement = claims.find((c) => c.id === old?.replacementClaimId);
      assert.ok(replacement && replacement.state !== "Terminated", "a replacement was launched");
      assert.ok(
        (replacement?.createdAt ?? Number.POSITIVE_INFINITY) <= (old?.drainStartedAt ?? 0),
        "replacement before the drain",
      );
      const ice = await h.state.listUnavailableOfferings(h.clock.now());
      assert.ok(
        ice.some((r) => r.instanceType === claim.instanceType && r.zone === claim.zone && r.capacityType === "spot"),
      );
      assert.ok(h.telemetry.values(METRIC.interruptionHandlingTime).length === 1);
      // The pods come back and run on the replacement once it registers.
      h.advance(15_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      h.advance(1_000);
      for (const [name] of PODS) {
        const pod = h.pods().find((p) => p.metadata.name === name);
        assert.ok(pod?.spec.nodeName && pod.spec.nodeName !== claim.nodeName, `${name} runs elsewhere`);
      }
      // The same event again (SQS delivers at least once) changes nothing.
      const before = (await h.claims(true)).length;
      const again = await new InterruptionHandler(h.deps()).handleRecords([record("m1", warning)]);
      assert.deepEqual(again.acted, []);
      assert.equal((await h.claims(true)).length, before);
    } finally {
      await h.close();
    }
  });

  test("unknown, foreign and malformed messages are acknowledged and ignored", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h, PODS);
      const foreign = {
        version: "0",
        id: "e-foreign",
        "detail-type": "EC2 Spot Instance Interruption Warning",
        source: "aws.ec2",
        account: "123456789012",
        time: new Date(h.clock.now()).toISOString(),
        region: "us-east-1",
        resources: [],
        detail: { "instance-id": "i-0123456789abcdef0", "instance-action": "terminate" },
      };
      const unknown = { ...foreign, id: "e-unknown", "detail-type": "Something Else", detail: {} };
      const result = await new InterruptionHandler(h.deps()).handleRecords([
        record("a", JSON.stringify(foreign)),
        record("b", JSON.stringify(unknown)),
        record("c", "this is not json"),
        record(
          "d",
          JSON.stringify({ source: "aws.ec2", "detail-type": "EC2 Spot Instance Interruption Warning", detail: {} }),
        ),
      ]);
      assert.deepEqual(result.batchItemFailures, [], "nothing goes back to the queue");
      assert.deepEqual(result.acted, []);
      assert.equal(result.ignored, 4);
      assert.equal(h.liveInstances().length, 1);
      assert.equal((await h.claims())[0].disruptionReason, undefined);
    } finally {
      await h.close();
    }
  });

  test("messages look their instances up instead of listing the claims; only owned instances are de-duplicated", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h, PODS);
      keepAlive(h, PODS);
      const [claim] = await h.claims();
      const foreign = (n: number) => ({
        version: "0",
        id: `e-foreign-${n}`,
        "detail-type": "EC2 Instance State-change Notification",
        source: "aws.ec2",
        account: "123456789012",
        time: new Date(h.clock.now()).toISOString(),
        region: "us-east-1",
        resources: [],
        detail: { "instance-id": `i-0123456789abcdef${n}`, state: "terminated" },
      });
      const state = h.deps().state;
      let listings = 0;
      let lookups = 0;
      let dedupRecords = 0;
      const counting = new Proxy(state, {
        get(target, key) {
          const value = Reflect.get(target, key);
          if (key === "listClaims") listings++;
          if (key === "claimsByInstance") lookups++;
          if (key === "recordEventOnce") dedupRecords++;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const warning = h.aws.emulator.interruptSpot(claim.instanceId ?? "");
      const result = await new InterruptionHandler(h.deps({ state: counting })).handleRecords([
        ...[1, 2, 3, 4].map((n) => record(`f${n}`, JSON.stringify(foreign(n)))),
        record("spot", warning),
        record("f5", JSON.stringify(foreign(5))),
      ]);
      assert.deepEqual(result.batchItemFailures, []);
      assert.deepEqual(result.acted, [claim.id]);
      // One lookup per message; the only listing is the replacement's snapshot (the cluster view it packs into).
      assert.equal(lookups, 6);
      assert.equal(listings, 1);
      // Only the message about an owned instance is de-duplicated: a record for the others would cost a write each.
      assert.equal(dedupRecords, 1);
    } finally {
      await h.close();
    }
  });

  test("rebalance recommendations: ignored by default, or replaced proactively", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h, PODS);
      keepAlive(h, PODS);
      const [claim] = await h.claims();
      const event = h.aws.emulator.recommendRebalance(claim.instanceId ?? "");
      const ignored = await new InterruptionHandler(h.deps()).handleRecords([record("r1", event)]);
      assert.equal(ignored.acted.length, 0);
      const replaced = await new InterruptionHandler(h.deps(), { rebalance: "replace" }).handleRecords([
        record("r2", event),
      ]);
      assert.deepEqual(replaced.acted, [claim.id]);
      const marked = (await h.claims()).find((c) => c.id === claim.id);
      assert.equal(marked?.disruptionReason, "Replaced");
      assert.equal(marked?.state, "Initialized", "graceful: no drain before the replacement is up");
      assert.equal(h.liveInstances().length, 2);
      h.advance(10_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const r = await invokeDisruptor(h, { until: (run) => run.terminated.length > 0, max: 3 });
      assert.deepEqual(r.terminated, [claim.id]);
    } finally {
      await h.close();
    }
  });

  test("an instance that shuts down while its claim is draining is left to its drain: no mark, no decision", async () => {
    const h = await startControllerHarness({ kubelets: true });
    try {
      await bringUp(h, PODS);
      const [claim] = await h.claims();
      // A consolidation drains the node and terminates its instance (the disruptor's own termination).
      const terminator = new Terminator(h.deps());
      const draining = await terminator.startDrain(await terminator.mark(claim, "Empty", "v1"), undefined);
      assert.equal(draining.state, "Draining");
      const decisionsBefore = (await h.state.listDecisions(0)).length;
      h.aws.emulator.terminateInstance(claim.instanceId ?? "");
      const events = h.aws.emulator
        .events()
        .filter((e) => e["detail-type"] === "EC2 Instance State-change Notification");
      assert.ok(events.length > 0);
      const result = await new InterruptionHandler(h.deps()).handleRecords(events.map((e, i) => record(`d${i}`, e)));
      assert.deepEqual([result.acted, result.batchItemFailures], [[], []]);
      assert.equal(result.ignored, events.length);
      const after = (await h.claims(true)).find((c) => c.id === claim.id);
      assert.deepEqual(
        [after?.state, after?.disruptionReason, after?.version],
        ["Draining", "Empty", draining.version],
      );
      assert.equal((await h.state.listDecisions(0)).length, decisionsBefore, "no interruption decision");
      // The drain's owner finishes it and closes the claim.
      const r = await invokeDisruptor(h, { until: (run) => run.terminated.length > 0, max: 3 });
      assert.deepEqual(r.terminated, [claim.id]);
      assert.equal((await h.claims(true)).find((c) => c.id === claim.id)?.state, "Terminated");
    } finally {
      await h.close();
    }
  });

  test("an instance terminated out of band: its node is drained at once and the claim closed", async () => {
    const h = await startControllerHarness({ kubelets: true });
    try {
      await bringUp(h, PODS);
      const [claim] = await h.claims();
      h.aws.emulator.terminateInstance(claim.instanceId ?? "");
      const events = h.aws.emulator
        .events()
        .filter((e) => e["detail-type"] === "EC2 Instance State-change Notification");
      const result = await new InterruptionHandler(h.deps()).handleRecords(events.map((e, i) => record(`s${i}`, e)));
      assert.deepEqual(result.batchItemFailures, []);
      const closed = (await h.claims(true)).find((c) => c.id === claim.id);
      assert.equal(closed?.state, "Terminated");
      assert.equal(closed?.disruptionReason, "Interrupted");
    } finally {
      await h.close();
    }
  });
});
