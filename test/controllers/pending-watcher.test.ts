/**
 * PendingWatcher against the fake kube-apiserver (through the real client-node watch) on a manual clock: what
 * triggers the provisioner (provisionable pods, nodes registration waits for, the initial listings) and what does
 * not, debouncing, at most one trigger per second, one synchronous trigger in flight with the events meanwhile
 * coalesced into one follow-up, throttled and failed triggers retried a second later without ending the watch, a
 * failed invocation not repeated, and the stop at `watchSeconds` or the deadline (a trigger in flight handed off).
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import {
  ProvisionerFunctionError,
  ProvisionerThrottledError,
  type TriggerReason,
} from "../../lib/cloud/provisioner-trigger.js";
import { PendingWatcher, type WatcherOptions, type WatcherResult } from "../../lib/controllers/pending-watcher.js";
import { MemoryTelemetry } from "../../lib/controllers/telemetry.js";
import type { Clock } from "../../lib/core/clock.js";
import type { KubeObject } from "../../lib/twin/kube-apiserver/index.js";
import { eventually, type FakeKube, startFakeKube } from "../support/kube.js";

/** A clock that moves only when the test advances it; sleepers wake when their time has come. */
class ManualClock implements Clock {
  private sleepers: { at: number; wake: () => void }[] = [];
  constructor(private t = Date.UTC(2026, 0, 5, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.t + ms, wake: resolve });
    });
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.wake();
  }
}

/**
 * A synchronous provisioner trigger that records its calls, fails while told to (with `failWith`), and while
 * `hold` is set runs until the test releases it.
 */
class RecordingTrigger {
  readonly calls: { reason: TriggerReason; count: number; at: number }[] = [];
  /** When each call came, refused ones included. */
  readonly attempts: number[] = [];
  failures = 0;
  failWith: () => Error = () => new Error("connect ECONNREFUSED");
  hold = false;
  inFlight = 0;
  maxInFlight = 0;
  private releases: (() => void)[] = [];
  constructor(private readonly clock: Clock) {}
  async trigger(reason: TriggerReason, count: number): Promise<void> {
    this.attempts.push(this.clock.now());
    if (this.failures > 0) {
      this.failures--;
      throw this.failWith();
    }
    this.calls.push({ reason, count, at: this.clock.now() });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.releases.push(resolve));
    } finally {
      this.inFlight--;
    }
  }
  /** Ends the calls in flight. */
  release(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

const unschedulable = [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }];
const pod = (name: string, opts: { scheduled?: boolean; daemonSet?: boolean; nodeName?: string } = {}): KubeObject => ({
  metadata: {
    name,
    namespace: "w",
    ...(opts.daemonSet
      ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "ds", uid: "d" }] }
      : {}),
  },
  spec: { containers: [{ name: "c" }], ...(opts.nodeName ? { nodeName: opts.nodeName } : {}) },
  status: { phase: "Pending", ...(opts.scheduled === false ? {} : { conditions: unschedulable }) },
});
const node = (name: string, ready: boolean, labels: Record<string, string> = { "karpenter.sh/nodepool": "p" }) => ({
  metadata: { name, labels },
  spec: { taints: labels["karpenter.sh/nodepool"] ? [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] : [] },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

describe("PendingWatcher", () => {
  let kube: FakeKube | undefined;
  let clock: ManualClock;
  let trigger: RecordingTrigger;
  let telemetry: MemoryTelemetry;
  let running: Promise<WatcherResult> | undefined;
  /** The last watcher started (kept after it ends). */
  let last: Promise<WatcherResult>;

  afterEach(async () => {
    // Let a watcher still running reach its end, then close the server.
    for (let i = 0; i < 200 && running; i++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 1));
    }
    await running?.catch(() => {});
    await kube?.close();
    kube = undefined;
    running = undefined;
  });

  async function startWatcher(opts: WatcherOptions = {}, watches = 2): Promise<void> {
    kube ??= await startFakeKube();
    clock = new ManualClock();
    trigger = new RecordingTrigger(clock);
    telemetry = new MemoryTelemetry();
    const watcher = new PendingWatcher({ cluster: kube.client, clock, telemetry, trigger }, opts);
    last = watcher.run();
    running = last.finally(() => {
      running = undefined;
    });
    await eventually(() => kube!.server.activeWatches === watches || !running, 3000, "the pod and node watches");
  }

  /** Advances the clock in steps (letting watch events arrive between them) until `condition` holds. */
  async function advanceUntil(condition: () => boolean, stepMs = 50, what = "condition"): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (condition()) return;
      clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.fail(`never happened: ${what}`);
  }

  /** Advances to the end of the watch window and returns the result. */
  async function finish(): Promise<WatcherResult> {
    let result: WatcherResult | undefined;
    void last.then((r) => {
      result = r;
    });
    await advanceUntil(() => result !== undefined, 1000, "the watcher to stop");
    return result!;
  }

  it("triggers once for the pods already pending at start, and not for DaemonSet, bound or unmarked pods", async () => {
    kube = await startFakeKube();
    const { store } = kube.server;
    for (const name of ["a", "b", "c"]) store.put("pods", pod(name));
    store.put("pods", pod("ds-pod", { daemonSet: true }));
    store.put("pods", pod("bound", { nodeName: "n1" }));
    store.put("pods", pod("fresh", { scheduled: false }));
    await startWatcher({ watchSeconds: 10 });
    await advanceUntil(() => trigger.calls.length === 1, 50, "a trigger");
    assert.deepEqual(
      trigger.calls.map((c) => [c.reason, c.count]),
      [["pods", 3]],
    );
    const result = await finish();
    assert.equal(trigger.calls.length, 1, "nothing new, no second trigger");
    assert.deepEqual(
      { ...result },
      {
        podEvents: 3,
        nodeEvents: 0,
        triggers: 1,
        throttles: 0,
        triggerFailures: 0,
        provisionerErrors: 0,
        handedOff: false,
        watchFailures: 0,
        stoppedBy: "watchSeconds",
      },
    );
    await eventually(() => kube!.server.activeWatches === 0, 3000, "the watches to close");
  });

  it("debounces a burst of pods into one trigger, and counts a pod once while it stays provisionable", async () => {
    await startWatcher({ watchSeconds: 30 });
    const { store } = kube!.server;
    const started = clock.now();
    for (const name of ["p1", "p2", "p3", "p4"]) store.put("pods", pod(name, { scheduled: false }));
    await advanceUntil(() => false || clock.now() - started >= 500, 100);
    assert.equal(trigger.calls.length, 0, "pods kube-scheduler has not marked Unschedulable ask for nothing");
    for (const name of ["p1", "p2", "p3", "p4"])
      store.mutate("pods", name, "w", (p) => {
        (p.status as { conditions?: unknown }).conditions = unschedulable;
      });
    await advanceUntil(() => trigger.calls.length === 1, 20, "a trigger");
    assert.deepEqual([trigger.calls[0].reason, trigger.calls[0].count], ["pods", 4]);
    store.mutate("pods", "p1", "w", (p) => {
      p.metadata.labels = { touched: "yes" };
    });
    // Bound, the pod leaves; a new pod arrives and triggers again.
    store.mutate("pods", "p2", "w", (p) => {
      (p.spec as { nodeName?: string }).nodeName = "n1";
    });
    store.put("pods", pod("p5"));
    await advanceUntil(() => trigger.calls.length === 2, 20, "a second trigger");
    assert.equal(trigger.calls[1].count, 1, "only the new pod: p1's label change and p2's binding ask for nothing");
    assert.ok(trigger.calls[1].at - trigger.calls[0].at >= 1000, "at most one trigger per second");
    const result = await finish();
    assert.equal(result.podEvents, 5);
    assert.equal(result.triggers, 2);
  });

  it("triggers for a node that appears or turns Ready while registration waits for it, not for initialized nodes", async () => {
    kube = await startFakeKube();
    kube.server.store.put(
      "nodes",
      node("old", true, { "karpenter.sh/nodepool": "p", "karpenter.sh/initialized": "true" }),
    );
    kube.server.store.put("nodes", node("unmanaged", true, {}));
    await startWatcher({ watchSeconds: 30 });
    const { store } = kube.server;
    await advanceUntil(() => clock.now() >= Date.UTC(2026, 0, 5, 12, 0, 2), 100);
    assert.equal(trigger.calls.length, 0, "neither an initialized node nor one Stevedore does not manage asks");
    store.put("nodes", node("new", false));
    await advanceUntil(() => trigger.calls.length === 1, 20, "a nodes trigger");
    assert.equal(trigger.calls[0].reason, "nodes");
    store.mutate("nodes", "new", undefined, (n) => {
      (n.status as { conditions: { status: string }[] }).conditions[0].status = "True";
    });
    store.mutate("nodes", "old", undefined, (n) => {
      (n.status as { conditions: { status: string }[] }).conditions[0].status = "False";
    });
    await advanceUntil(() => trigger.calls.length === 2, 20, "a trigger for Ready");
    store.mutate("nodes", "old", undefined, (n) => {
      (n.status as { conditions: { status: string }[] }).conditions[0].status = "True";
    });
    const result = await finish();
    assert.equal(result.nodeEvents, 2);
    assert.equal(trigger.calls.length, 2, "an initialized node turning Ready again is not registration's business");
  });

  it("retries a failed trigger a second later without ending the watch", async () => {
    kube = await startFakeKube();
    kube.server.store.put("pods", pod("a"));
    await startWatcher({ watchSeconds: 20 });
    trigger.failures = 2;
    await advanceUntil(() => trigger.calls.length === 1, 50, "a trigger after two failures");
    assert.equal(trigger.calls[0].count, 1);
    const warnings = telemetry.logs.filter((l) => l.message === "provisioner trigger failed; trying again");
    assert.equal(warnings.length, 2);
    kube.server.store.put("pods", pod("b"));
    await advanceUntil(() => trigger.calls.length === 2, 50, "the watch still works");
    const result = await finish();
    assert.equal(result.triggerFailures, 2);
    assert.equal(result.triggers, 2);
  });

  it("keeps one trigger in flight and coalesces the pods that come meanwhile into one follow-up when it returns", async () => {
    kube = await startFakeKube();
    kube.server.store.put("pods", pod("a"));
    await startWatcher({ watchSeconds: 40 });
    trigger.hold = true;
    await advanceUntil(() => trigger.calls.length === 1, 50, "the first trigger");
    const { store } = kube.server;
    for (const name of ["b", "c", "d"]) {
      store.put("pods", pod(name));
      const putAt = clock.now();
      await advanceUntil(() => trigger.calls.length > 1 || clock.now() - putAt >= 1500, 250);
    }
    const returnedAt = clock.now();
    assert.equal(trigger.calls.length, 1, "no second call while the first runs");
    trigger.hold = false;
    trigger.release();
    await advanceUntil(() => trigger.calls.length === 2, 20, "the follow-up trigger");
    assert.deepEqual([trigger.calls[1].reason, trigger.calls[1].count], ["pods", 3], "b, c and d in one follow-up");
    assert.ok(trigger.calls[1].at - returnedAt < 100, "the follow-up starts as soon as the call returns");
    assert.equal(trigger.maxInFlight, 1);
    const result = await finish();
    assert.equal(result.triggers, 2);
    assert.equal(result.handedOff, false);
  });

  it("retries a throttled trigger (the provisioner busy) a second later, and counts the throttles", async () => {
    kube = await startFakeKube();
    await startWatcher({ watchSeconds: 20 });
    trigger.failures = 3;
    trigger.failWith = () => new ProvisionerThrottledError("TooManyRequestsException: Rate Exceeded.");
    kube.server.store.put("pods", pod("a"));
    await advanceUntil(() => trigger.calls.length === 1, 50, "a trigger after three throttles");
    const gaps = trigger.attempts.slice(1).map((at, i) => at - trigger.attempts[i]);
    assert.equal(gaps.length, 3);
    for (const gap of gaps) assert.ok(gap >= 1000 && gap <= 1100, `retried ${gap} ms later, not after a backoff`);
    const result = await finish();
    assert.deepEqual([result.throttles, result.triggerFailures, result.triggers], [3, 0, 1]);
    assert.equal(telemetry.logs.filter((l) => l.message === "provisioner busy; trying again").length, 3);
  });

  it("does not repeat an invocation that ran and failed (the schedule runs the provisioner again)", async () => {
    kube = await startFakeKube();
    kube.server.store.put("pods", pod("a"));
    await startWatcher({ watchSeconds: 10 });
    trigger.failures = 1;
    trigger.failWith = () => new ProvisionerFunctionError("provisioner failed (Unhandled)");
    await advanceUntil(() => trigger.attempts.length === 1, 50, "a trigger");
    const result = await finish();
    assert.equal(trigger.attempts.length, 1);
    assert.deepEqual([result.triggers, result.provisionerErrors, result.triggerFailures], [1, 1, 0]);
  });

  it("stops at the end of its watch with a trigger still in flight, handing it off", async () => {
    kube = await startFakeKube();
    kube.server.store.put("pods", pod("a"));
    const started = Date.UTC(2026, 0, 5, 12, 0, 0);
    await startWatcher({ watchSeconds: 10 });
    trigger.hold = true;
    await advanceUntil(() => trigger.calls.length === 1, 50, "a trigger");
    const result = await finish();
    assert.deepEqual([result.handedOff, result.stoppedBy, result.triggers], [true, "watchSeconds", 0]);
    assert.ok(clock.now() < started + 12_000, "it did not wait for the call");
    trigger.release();
  });

  it("goes on with the node watch when the pod watch cannot start, and stops when no watch is left", async () => {
    kube = await startFakeKube({ client: { readAttempts: 1 } });
    kube.server.failNext(1, 403, { method: "GET", watch: false });
    await startWatcher({ watchSeconds: 30 }, 1);
    kube.server.store.put("nodes", node("new", false));
    await advanceUntil(() => trigger.calls.length === 1, 20, "a nodes trigger");
    const result = await finish();
    assert.equal(result.watchFailures, 1);
    assert.equal(result.stoppedBy, "watchSeconds");
    assert.ok(telemetry.logs.some((l) => l.level === "error" && l.message === "cannot watch pods"));

    kube.server.failNext(2, 403, { method: "GET", watch: false });
    await startWatcher({ watchSeconds: 30 }, 0);
    const none = await finish();
    assert.deepEqual([none.watchFailures, none.stoppedBy], [2, "no-watch"]);
  });

  it("stops at the deadline when it comes before watchSeconds", async () => {
    kube = await startFakeKube();
    const deadline = Date.UTC(2026, 0, 5, 12, 0, 5);
    await startWatcher({ watchSeconds: 62, deadline });
    const result = await finish();
    assert.equal(result.stoppedBy, "deadline");
    assert.ok(clock.now() >= deadline && clock.now() < deadline + 2000);
    await eventually(() => kube!.server.activeWatches === 0, 3000, "the watches to close");
  });
});
