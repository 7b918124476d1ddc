/**
 * The controllers' Kubernetes events and decision events, end to end: the real recorder writes to the fake
 * kube-apiserver through `@kubernetes/client-node`, the real EventBridge client puts on the AWS emulator's default
 * bus. Every reason is emitted by a controller at least once, and neither side channel can stop a decision.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { EventBridgeDecisionSink } from "../../lib/cloud/aws/eventbridge-decisions.js";
import { KubeEventRecorder } from "../../lib/cluster/event-recorder.js";
import type { ControllerDeps } from "../../lib/controllers/deps.js";
import { InterruptionHandler } from "../../lib/controllers/interruption.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { METRIC } from "../../lib/controllers/telemetry.js";
import { ANNOTATION_DO_NOT_DISRUPT } from "../../lib/core/well-known.js";
import { type ControllerHarness, defaultConfigYaml, startControllerHarness } from "../support/controller-harness.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

const MIN = 60_000;

interface StoredEvent {
  reason: string;
  message: string;
  type: string;
  count: number;
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string };
}

function events(h: ControllerHarness, reason?: string): StoredEvent[] {
  const all = h.kube.server.store.list("events") as unknown as StoredEvent[];
  return all.filter((e) => reason === undefined || e.reason === reason);
}

/** Harness deps with a real event recorder and a real decision sink on the emulator. */
function withSideChannels(h: ControllerHarness): { deps: () => ControllerDeps; close: () => void } {
  const client = new EventBridgeClient(h.aws.clientConfig);
  const events = new KubeEventRecorder({ kubeConfig: h.kube.kubeConfig, clock: h.clock });
  const decisionEvents = new EventBridgeDecisionSink({ client, clusterName: "test" });
  return { deps: () => h.deps({ events, decisionEvents }), close: () => client.destroy() };
}

describe("controller events", () => {
  test("provisioner: Nominated, FailedScheduling with the per-pool explanation, Launched; decisions on the bus; cost per pool", async () => {
    const h = await startControllerHarness();
    const side = withSideChannels(h);
    try {
      const web = h.pod("web-0", { cpu: "500m" });
      h.pod("huge-0", { cpu: "500" });
      await new Provisioner(side.deps(), { loopSeconds: 0 }).run();
      const [claim] = await h.claims();
      const [nominated] = events(h, "Nominated");
      assert.equal(nominated.involvedObject.name, "web-0");
      assert.equal(nominated.involvedObject.uid, web.metadata.uid);
      assert.match(nominated.message, new RegExp(`^Pod should schedule on: nodeclaim/${claim.id} \\(`));
      const [failed] = events(h, "FailedScheduling");
      assert.equal(failed.involvedObject.name, "huge-0");
      assert.equal(failed.type, "Warning");
      assert.match(failed.message, /^Failed to schedule pod, /);
      assert.match(failed.message, /NodePool "?default"?.*cpu/i, "the explanation names the pool and the resource");

      h.advance(10_000);
      await new Provisioner(side.deps(), { loopSeconds: 0 }).run();
      const registered = (await h.claims()).find((c) => c.id === claim.id);
      const [launched] = events(h, "Launched");
      assert.equal(launched.involvedObject.kind, "Node");
      assert.equal(launched.involvedObject.name, registered?.nodeName);
      assert.equal(launched.involvedObject.uid, registered?.nodeName, "kubectl describe node looks nodes up by name");
      assert.match(launched.message, new RegExp(`nodeclaim/${claim.id} of NodePool default: \\S+ (spot|on-demand)`));

      const counts = h.aws.emulator.defaultEventBus.countsByDetailType();
      assert.equal(counts["Stevedore Launch"], 1);
      assert.deepEqual(
        h.telemetry.values(METRIC.decisionEventsFailed),
        [],
        "no failure, no data point (each one bills)",
      );
      const poolCost = h.telemetry.points.filter((p) => p.name === METRIC.poolCostPerHour);
      assert.ok(
        poolCost.some((p) => p.dimensions.pool === "default" && p.value > 0),
        "the pool's $/hour",
      );
      assert.equal(h.telemetry.sum(METRIC.poolCostPerHour, { pool: "default" }) > 0, true);
    } finally {
      side.close();
      await h.close();
    }
  });

  test("disruptor: Unconsolidatable, DisruptionBlocked, then Disrupting", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 1m}"),
    });
    const side = withSideChannels(h);
    try {
      h.pod("web-0", { cpu: "500m" });
      await new Provisioner(side.deps(), { loopSeconds: 0 }).run();
      h.advance(10_000);
      await new Provisioner(side.deps(), { loopSeconds: 0 }).run();
      const [claim] = await h.claims();
      const node = claim.nodeName ?? "";
      h.advance(2 * MIN);
      const memory = {};
      const once = { memory, deps: () => side.deps(), max: 1 };
      await invokeDisruptor(h, once);
      const [unconsolidatable] = events(h, "Unconsolidatable");
      assert.equal(unconsolidatable.involvedObject.name, node);
      assert.match(unconsolidatable.message, /consolidation policy is WhenEmpty/);

      await h.kube.client.patchNodeMetadata(node, { annotations: { [ANNOTATION_DO_NOT_DISRUPT]: "true" } });
      h.deletePod("web-0");
      await invokeDisruptor(h, once);
      h.advance(2 * MIN);
      await invokeDisruptor(h, once);
      const [blocked] = events(h, "DisruptionBlocked");
      assert.equal(blocked.involvedObject.name, node);
      assert.equal(blocked.message, `Cannot disrupt Node: node has ${ANNOTATION_DO_NOT_DISRUPT}`);
      assert.equal(h.liveInstances().length, 1);

      await h.kube.client.patchNodeMetadata(node, { annotations: { [ANNOTATION_DO_NOT_DISRUPT]: null } });
      const run = await invokeDisruptor(h, { ...once, max: 3, until: (r) => r.commands.length > 0 });
      assert.equal(run.invocations, 2, "planned, then validated and carried out by the next invocation");
      const [disrupting] = events(h, "Disrupting");
      assert.equal(disrupting.involvedObject.name, node);
      assert.match(disrupting.message, /^Disrupting Node: Empty\/Delete: /);
      assert.equal(h.aws.emulator.defaultEventBus.countsByDetailType()["Stevedore Delete"], 1);
    } finally {
      side.close();
      await h.close();
    }
  });

  test("interruption: SpotInterrupted on the node, and the cordon-and-drain decision on the bus", async () => {
    const h = await startControllerHarness();
    const side = withSideChannels(h);
    try {
      h.pod("web-0", { cpu: "500m" });
      await new Provisioner(side.deps(), { loopSeconds: 0 }).run();
      h.advance(10_000);
      await new Provisioner(side.deps(), { loopSeconds: 0 }).run();
      const [claim] = await h.claims();
      const warning = h.aws.emulator.interruptSpot(claim.instanceId ?? "");
      await new InterruptionHandler(side.deps()).handleRecords([{ messageId: "m1", body: JSON.stringify(warning) }]);
      const [spot] = events(h, "SpotInterrupted");
      assert.equal(spot.involvedObject.name, claim.nodeName);
      assert.equal(spot.type, "Warning");
      assert.equal(h.aws.emulator.defaultEventBus.countsByDetailType()["Stevedore Cordon And Drain"], 1);
    } finally {
      side.close();
      await h.close();
    }
  });

  test("the plan's optimality gap (cost / LP bound − 1) is a metric, and the lower-bound decision goes on the bus", async () => {
    const h = await startControllerHarness();
    const side = withSideChannels(h);
    try {
      h.pod("web-0", { cpu: "500m" });
      const deps = { ...side.deps(), lowerBound: async () => 0.05 };
      await new Provisioner(deps, { loopSeconds: 0, lowerBoundMinRemainingMs: 0 }).run();
      const bound = (await h.state.listDecisions(0)).find((d) => d.action === "lower-bound");
      const cost = bound?.details.costPerHour as number;
      assert.ok(cost > 0);
      const [gap] = h.telemetry.values(METRIC.planOptimalityGap);
      assert.ok(Math.abs(gap - (cost / 0.05 - 1)) < 1e-9, `gap ${gap} for cost ${cost}`);
      assert.equal(h.aws.emulator.defaultEventBus.countsByDetailType()["Stevedore Lower Bound"], 1);
    } finally {
      side.close();
      await h.close();
    }
  });

  test("failed event writes and an unreachable event bus never stop a launch or its decision", async () => {
    const h = await startControllerHarness();
    const client = new EventBridgeClient({ ...h.aws.clientConfig, endpoint: "http://127.0.0.1:9" });
    try {
      h.kube.server.faults.failNext(100, 500, { method: "POST", pathIncludes: "/events" });
      const deps = h.deps({
        events: new KubeEventRecorder({ kubeConfig: h.kube.kubeConfig, clock: h.clock }),
        decisionEvents: new EventBridgeDecisionSink({ client, clusterName: "test" }),
      });
      h.pod("web-0", { cpu: "500m" });
      h.pod("huge-0", { cpu: "500" });
      const r = await new Provisioner(deps, { loopSeconds: 0 }).run();
      assert.equal(r.launched.length, 1);
      assert.equal(h.liveInstances().length, 1);
      assert.ok(
        (await h.state.listDecisions(0)).some((d) => d.action === "launch"),
        "the decision is logged",
      );
      assert.equal(events(h).length, 0);
      assert.equal(h.telemetry.sum(METRIC.kubeEventsNotWritten), 2, "Nominated and FailedScheduling failed");
      assert.equal(h.telemetry.sum(METRIC.decisionEventsFailed), 1);
    } finally {
      client.destroy();
      await h.close();
    }
  });
});
