/**
 * KubeEventRecorder against the fake kube-apiserver through `@kubernetes/client-node`: events land as core/v1 Events
 * that `kubectl describe` finds (field selectors on the involved object), repeats bump one event's count, the
 * per-flush cap bounds the writes, and failed writes are counted, never thrown.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { afterEach, beforeEach, describe, it } from "node:test";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { KubeEventRecorder } from "../../lib/cluster/event-recorder.js";
import { type ClusterEvent, EVENT_REASON, nodeSubject, podSubject } from "../../lib/cluster/events.js";
import type { Pod } from "../../lib/core/kube-objects.js";
import { TestClock } from "../support/controller-harness.js";
import { type FakeKube, startFakeKube } from "../support/kube.js";

function pod(name: string, uid = `uid-${name}`): Pod {
  return { metadata: { name, namespace: "apps", uid }, spec: { containers: [] } };
}

function failed(name: string, message = "no instance type fits"): ClusterEvent {
  return {
    subject: podSubject(pod(name)),
    type: "Warning",
    reason: EVENT_REASON.failedScheduling,
    message: `Failed to schedule pod, ${message}`,
  };
}

describe("KubeEventRecorder", () => {
  let kube: FakeKube;
  let clock: TestClock;
  let core: CoreV1Api;

  beforeEach(async () => {
    kube = await startFakeKube();
    clock = new TestClock();
    core = kube.kubeConfig.makeApiClient(CoreV1Api);
  });
  afterEach(() => kube.close());

  const recorder = (over: Partial<ConstructorParameters<typeof KubeEventRecorder>[0]> = {}) =>
    new KubeEventRecorder({ kubeConfig: kube.kubeConfig, clock, ...over });

  it("writes core/v1 Events that kubectl describe's field selectors find (pods by uid, nodes by name as uid)", async () => {
    const r = recorder();
    r.record(failed("web-0"));
    r.record({
      subject: nodeSubject("ip-10-0-1-5.ec2.internal"),
      type: "Normal",
      reason: EVENT_REASON.launched,
      message: "Launched by Stevedore",
    });
    const stats = await r.flush();
    assert.deepEqual(stats, { created: 2, updated: 0, deduplicated: 0, dropped: 0, failed: 0 });
    const podEvents = await core.listNamespacedEvent({
      namespace: "apps",
      fieldSelector:
        "involvedObject.name=web-0,involvedObject.namespace=apps,involvedObject.kind=Pod,involvedObject.uid=uid-web-0",
    });
    assert.equal(podEvents.items.length, 1);
    const e = podEvents.items[0];
    assert.equal(e.reason, "FailedScheduling");
    assert.equal(e.type, "Warning");
    assert.equal(e.count, 1);
    assert.equal(e.source?.component, "stevedore");
    assert.equal(e.reportingComponent, "stevedore");
    assert.equal(e.firstTimestamp?.getTime(), clock.now());
    const nodeEvents = await core.listEventForAllNamespaces({
      fieldSelector: "involvedObject.kind=Node,involvedObject.uid=ip-10-0-1-5.ec2.internal",
    });
    assert.equal(nodeEvents.items.length, 1);
    assert.equal(nodeEvents.items[0].metadata?.namespace, "default", "node events go to default, as the kubelet's");
  });

  it("de-duplicates: repeats within the window bump one event's count (one patch per interval), never a second event", async () => {
    const r = recorder({ patchIntervalMs: 60_000, dedupeWindowMs: 600_000 });
    r.record(failed("web-0"));
    assert.equal((await r.flush()).created, 1);
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000);
      r.record(failed("web-0"));
    }
    const quick = await r.flush();
    assert.equal(quick.deduplicated, 5);
    assert.equal(quick.updated, 0, "50 s after the create: within the patch interval, no write");
    clock.advance(10_000);
    assert.equal((await r.flush()).updated, 1, "the interval passed: one patch carries the 5 repeats");
    let [event] = (await core.listNamespacedEvent({ namespace: "apps" })).items;
    assert.equal(event.count, 6);
    assert.equal(event.lastTimestamp?.getTime(), clock.now() - 10_000, "the last repeat's time");
    r.record(failed("web-0"));
    assert.equal((await r.flush()).updated, 0, "the next bump waits for the patch interval");
    clock.advance(60_000);
    assert.equal((await r.flush()).updated, 1);
    [event] = (await core.listNamespacedEvent({ namespace: "apps" })).items;
    assert.equal(event.count, 7);
    r.record(failed("web-0", "another reason"));
    await r.flush();
    assert.equal(
      (await core.listNamespacedEvent({ namespace: "apps" })).items.length,
      2,
      "a new message is a new event",
    );
    clock.advance(700_000);
    r.record(failed("web-0"));
    assert.equal((await r.flush()).created, 1, "after the window a repeat is a new event");
  });

  it("caps the writes of one invocation: 10,000 pods → at most maxWritesPerFlush events; the cap resets on flush", async () => {
    const r = recorder({ maxWritesPerFlush: 25 });
    for (let i = 0; i < 10_000; i++) r.record(failed(`p-${i}`));
    const stats = await r.flush();
    assert.equal(stats.created, 25);
    assert.equal(stats.dropped, 10_000 - 25);
    assert.equal((await core.listNamespacedEvent({ namespace: "apps" })).items.length, 25);
    r.record(failed("late"));
    assert.equal((await r.flush()).created, 1);
  });

  it("a failed write is counted and logged, never thrown; record returns before anything is written", async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const r = recorder({ logger });
    kube.server.faults.failNext(1, 500, { method: "POST", pathIncludes: "/events" });
    r.record(failed("a"));
    r.record(failed("b"));
    const stats = await r.flush();
    assert.equal(stats.failed, 1);
    assert.equal(stats.created, 1);
    assert.deepEqual(warnings, ["event write failed"]);
    r.record(failed("a"));
    assert.equal((await r.flush()).created, 1, "the event whose create failed is tried again on its next repeat");
    kube.server.faults.startOutage("reset");
    r.record(failed("c"));
    assert.equal((await r.flush()).failed, 1);
    kube.server.faults.endOutage();
  });

  it("flush waits at most flushTimeoutMs for an API server that never answers; queued writes are dropped", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "u" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    try {
      const r = new KubeEventRecorder({ kubeConfig, clock, flushTimeoutMs: 200, requestTimeoutMs: 60_000 });
      for (let i = 0; i < 10; i++) r.record(failed(`p-${i}`));
      const started = Date.now();
      const stats = await r.flush();
      assert.ok(Date.now() - started < 2_000, "flush returned at its deadline");
      assert.equal(stats.dropped, 6, `4 in flight, 6 still queued: ${JSON.stringify(stats)}`);
      assert.equal(stats.created, 0);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
