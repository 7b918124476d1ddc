/**
 * The provisioner against the fake kube-apiserver, dynalite and the AWS emulator through the real adapters.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { type CloudProvider, InsufficientCapacityError, type LaunchRequest } from "../../lib/cloud/provider.js";
import { ClaimLauncher } from "../../lib/controllers/launch.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { METRIC } from "../../lib/controllers/telemetry.js";
import { summarizeDecision } from "../../lib/operator/decision-summary.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import { dynamoItemSize } from "../../lib/state/item-size.js";
import { decodePodKeys } from "../../lib/state/pod-key-list.js";
import { FencedError, type NodeClaim } from "../../lib/state/types.js";
import {
  type ControllerHarness,
  defaultConfigYaml,
  startControllerHarness,
  TYPES,
} from "../support/controller-harness.js";

describe("provisioner", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness();
  });
  after(async () => {
    await h.close();
  });

  test("a pending pod leads to exactly one launch, then registration and initialization", async () => {
    h.pod("web-0", { cpu: "500m" });
    const r1 = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(r1.launched.length, 1);
    assert.equal(h.liveInstances().length, 1);
    const [claim] = await h.claims();
    assert.equal(claim.state, "Launched");
    assert.deepEqual(claim.pods, ["default/web-0"]);
    assert.equal(claim.instanceId, h.liveInstances()[0].instanceId);
    // A second pass before the node registers must not launch again: the pod is nominated to the in-flight claim.
    const r2 = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(r2.launched.length, 0);
    assert.equal(h.liveInstances().length, 1);
    h.advance(10_000); // boot; the kubelet registers the Node, the scheduler binds the pod
    assert.equal(h.nodes().length, 1);
    // The kubelet registered with the taint the launch's user data asked for; nothing binds until it is gone.
    const registered = h.nodes()[0];
    assert.ok(
      registered.spec?.taints?.some((t) => t.key === "karpenter.sh/unregistered" && t.effect === "NoExecute"),
      "unregistered taint placed at launch",
    );
    assert.equal(h.pods().find((p) => p.metadata.name === "web-0")?.spec.nodeName, undefined);
    // Registration's own writes go into the pass's view: the claims are listed once, not again after it.
    const base = h.deps();
    let claimListings = 0;
    const state = Object.create(base.state) as typeof base.state;
    state.listClaims = (opts) => {
      claimListings++;
      return base.state.listClaims(opts);
    };
    await new Provisioner({ ...base, state }, { loopSeconds: 0 }).run();
    assert.equal(claimListings, 1, "one claim listing for a pass that registered a node");
    h.advance(1000); // the scheduler binds the pod once the taint is gone
    const [after] = await h.claims();
    const node = h.nodes()[0];
    assert.ok(!node.spec?.taints?.some((t) => t.key === "karpenter.sh/unregistered"), "unregistered taint removed");
    assert.equal(node.metadata.labels?.["stevedore.dev/claim"], after.id, "labels synced");
    assert.equal(node.metadata.labels?.["karpenter.sh/registered"], "true");
    assert.equal(after.state, "Initialized");
    assert.equal(after.nodeName, h.nodes()[0].metadata.name);
    assert.equal(h.nodes()[0].metadata.labels?.["karpenter.sh/initialized"], "true");
    assert.equal(h.pods().find((p) => p.metadata.name === "web-0")?.spec.nodeName, after.nodeName);
    const decisions = await h.state.listDecisions(0);
    const launch = decisions.find((d) => d.action === "launch");
    assert.deepEqual(decodePodKeys(launch?.details.pods), ["default/web-0"]);
    assert.ok(Array.isArray(launch?.details.options), "options logged");
  });
});

describe("provisioner: decision latency", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness({ kubeOnClock: true });
  });
  after(async () => {
    await h.close();
  });

  test("counts from the oldest pod a launch is for, not from an older pod that fits nothing", async () => {
    h.pod("too-big", { cpu: "10000" });
    h.advance(120_000);
    h.pod("web-0", { cpu: "500m" });
    const r = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(r.launched.length, 1);
    assert.equal(r.unschedulable, 1);
    const latencies = h.telemetry.points.filter((p) => p.name === METRIC.decisionLatency).map((p) => p.value);
    assert.equal(latencies.length, 1);
    assert.ok(latencies[0] < 120_000, `latency ${latencies[0]} ms counts the unschedulable pod's wait`);
  });
});

describe("provisioner: decision latency per pod", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness({ kubeOnClock: true });
  });
  after(async () => {
    await h.close();
  });

  test("one sample per pod: each pod's own wait until the launch for it, or until it is placed on a claim in flight", async () => {
    h.pod("early", { cpu: "500m" });
    h.advance(30_000);
    h.pod("late", { cpu: "500m" });
    const first = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(first.launched.length, 1, "both pods on one node");
    const samples = () => h.telemetry.points.filter((p) => p.name === METRIC.decisionLatency).map((p) => p.value);
    const [a, b] = [...samples()].sort((x, y) => x - y);
    assert.equal(samples().length, 2, "a sample per pod, not per launch call");
    assert.ok(a < 5_000 && b >= 30_000, `the late pod waited ${a} ms, the early one ${b} ms`);

    h.advance(2_000); // the node is still launching
    h.pod("spare", { cpu: "500m" });
    h.advance(1_000);
    const second = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(second.launched.length, 0, "placed on the in-flight claim's spare capacity");
    assert.equal(samples().length, 3, "the pod placed in flight gets its sample when it is recorded there");
    assert.ok(samples()[2] >= 1_000 && samples()[2] < 5_000, `waited ${samples()[2]} ms`);
  });
});

describe("provisioner: bounded work", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness({ kubeOnClock: true });
  });
  after(async () => {
    await h.close();
  });

  test("more pending pods than one solve takes: the oldest are solved, the rest on later passes", async () => {
    for (let i = 0; i < 5; i++) {
      h.pod(`old-${i}`, { cpu: "3" });
      h.advance(1000);
    }
    const first = await new Provisioner(h.deps(), { loopSeconds: 0, maxPodsPerSolve: 2 }).run();
    const claims = await h.claims();
    const planned = new Set(claims.flatMap((c) => c.pods));
    assert.deepEqual([...planned].sort(), ["default/old-0", "default/old-1"], "the two oldest");
    assert.ok(first.launched.length >= 1);
    assert.ok(h.telemetry.logs.some((l) => l.message.startsWith("more pending pods than one solve takes")));
    await new Provisioner(h.deps(), { loopSeconds: 0, maxPodsPerSolve: 2 }).run();
    await new Provisioner(h.deps(), { loopSeconds: 0, maxPodsPerSolve: 2 }).run();
    const all = new Set((await h.claims()).flatMap((c) => c.pods));
    assert.equal(all.size, 5, "every pod planned after three passes");
  });
});

describe("provisioner: concurrency, capacity errors, throttling", () => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = await startControllerHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  test("two concurrent invocations launch once", async () => {
    h.pod("web-0", { cpu: "1" });
    const [a, b] = await Promise.all([
      new Provisioner(h.deps(), { loopSeconds: 0 }).run(),
      new Provisioner(h.deps(), { loopSeconds: 0 }).run(),
    ]);
    assert.deepEqual([a.skipped, b.skipped].sort(), ["lease-held", undefined].sort());
    assert.equal(a.launched.length + b.launched.length, 1);
    assert.equal(h.liveInstances().length, 1);
  });

  test("a stale lease holder cannot write", async () => {
    h.pod("web-0", { cpu: "1" });
    const owner = await h.state.acquireLease("provisioner", "old", 10_000, h.clock.now());
    assert.ok(owner, "took the lease");
    h.advance(20_000);
    const fresh = await h.state.acquireLease("provisioner", "new", 10_000, h.clock.now());
    assert.ok(fresh, "taken over after expiry");
    const launcher = new ClaimLauncher(h.deps());
    const types = await h.cloud.getInstanceTypes(h.config.nodePools[0], h.config.nodeClasses[0]);
    const solved = solve({
      pods: h.pods(),
      existingNodes: [],
      daemonSets: [],
      pools: [{ pool: h.config.nodePools[0], instanceTypes: types }],
    });
    await assert.rejects(
      launcher.launch(solved.newNodes[0], {
        config: h.config,
        fence: { lease: owner },
        controller: "provisioner",
        why: "test",
      }),
      FencedError,
    );
    assert.equal(h.liveInstances().length, 0);
    assert.equal((await h.claims(true)).length, 0);
  });

  test("insufficient capacity on the cheapest type falls back to another type", async () => {
    const pool = h.config.nodePools[0];
    const types = await h.cloud.getInstanceTypes(pool, h.config.nodeClasses[0]);
    const cheapest = [...types]
      .filter((t) => (t.allocatable.cpu ?? 0) >= 1000)
      .map((t) => ({ t, price: Math.min(...t.offerings.map((o) => o.price)) }))
      .sort((x, y) => x.price - y.price)[0].t.name;
    h.aws.emulator.injectIce(cheapest, undefined, undefined, h.clock.now() + 3_600_000);
    h.pod("web-0", { cpu: "1" });
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const live = h.liveInstances();
    assert.equal(live.length, 1);
    assert.notEqual(live[0].instanceType, cheapest);
    const ice = await h.state.listUnavailableOfferings(h.clock.now());
    assert.ok(
      ice.some((r) => r.instanceType === cheapest),
      "the failed offerings are remembered",
    );
  });

  test("when every option fails the pass re-solves without them in the same invocation", async () => {
    h.pod("web-0", { cpu: "1" });
    const requests: LaunchRequest[] = [];
    let first = true;
    const cloud: CloudProvider = Object.create(h.cloud);
    cloud.create = async (req) => {
      requests.push(req);
      if (first) {
        first = false;
        const t = req.instanceTypes[0];
        const offerings = t.offerings.map((o) => ({
          instanceType: t.name,
          zone: o.zone,
          capacityType: o.capacityType,
        }));
        // As a real provider does: the offerings are recorded before the error is raised.
        for (const o of offerings) await h.cloud.markOfferingUnavailable(o, "InsufficientInstanceCapacity");
        throw new InsufficientCapacityError(`no ${t.name}`, offerings);
      }
      return h.cloud.create(req);
    };
    await new Provisioner(h.deps({ cloud }), { loopSeconds: 0 }).run();
    assert.equal(requests.length, 2);
    const iced = requests[0].instanceTypes[0].name;
    assert.ok(
      !requests[1].instanceTypes.some((t) => t.name === iced && t.offerings.some((o) => o.available)),
      "second attempt avoids it",
    );
    assert.equal(h.liveInstances().length, 1);
    const claims = await h.claims(true);
    assert.deepEqual(claims.map((c) => c.state).sort(), ["Launched", "Terminated"]);
    assert.equal(claims.find((c) => c.state === "Terminated")?.lastError, "InsufficientCapacityError");
    assert.equal(h.telemetry.sum(METRIC.launchFailures, { errorClass: "InsufficientCapacityError" }), 1);
  });

  test("no spot capacity anywhere: falls back to on-demand", async () => {
    for (const t of TYPES) h.aws.emulator.injectIce(t, undefined, "spot", h.clock.now() + 3_600_000);
    h.pod("web-0", { cpu: "1" });
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const live = h.liveInstances();
    assert.equal(live.length, 1);
    assert.equal(live[0].capacityType, "on-demand");
  });

  test("throttling backs off and launches once, without a launch storm", async () => {
    h.aws.emulator.failNext("CreateFleet", "RequestLimitExceeded", 8);
    h.pod("web-0", { cpu: "1" });
    h.aws.emulator.resetCallCounts();
    const r = await new Provisioner(h.deps(), { loopSeconds: 40 }).run();
    assert.equal(h.liveInstances().length, 1);
    assert.equal(r.launched.length, 1);
    assert.ok(
      (h.aws.emulator.callCounts().CreateFleet ?? 0) <= 10,
      `CreateFleet calls: ${h.aws.emulator.callCounts().CreateFleet}`,
    );
    assert.ok(h.telemetry.messages("warn").includes("throttled by EC2; backing off"));
  });
});

describe("provisioner: headroom, minNodes, registration liveness, watch", () => {
  test("headroom keeps spare capacity; minNodes keeps static nodes", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  headroom: {cpu: '1', memory: 1Gi}\n  minNodes: 2"),
    });
    try {
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.equal(h.liveInstances().length, 2, "two static nodes; the headroom fits on one of them");
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.equal(h.liveInstances().length, 2, "in-flight claims count: nothing more");
      h.advance(10_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.equal(h.liveInstances().length, 2, "registered nodes satisfy minNodes and headroom");
    } finally {
      await h.close();
    }
  });

  test("a node that never registers is terminated after 15 minutes and its pods re-planned", async () => {
    const h = await startControllerHarness({ kubelets: false });
    try {
      h.pod("web-0", { cpu: "1" });
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const first = h.liveInstances()[0].instanceId;
      h.advance(14 * 60_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.equal(h.liveInstances()[0].instanceId, first, "not yet");
      h.advance(2 * 60_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const claims = await h.claims(true);
      const dead = claims.find((c) => c.instanceId === first);
      assert.equal(dead?.state, "Terminated");
      assert.equal(dead?.disruptionReason, "Unregistered");
      assert.equal(h.aws.emulator.instance(first)?.state === "running", false);
      const live = h.liveInstances();
      assert.equal(live.length, 1, "a new node for the pod");
      assert.notEqual(live[0].instanceId, first);
    } finally {
      await h.close();
    }
  });

  test("pods created while the loop runs are batched and launched in the same invocation", async () => {
    const h = await startControllerHarness();
    try {
      // Pods arrive after the loop started (once its first pass is done and it waits for a batch); the watch
      // triggers a batch. Tied to the loop's clock rather than to real time: an idle pass takes a few milliseconds.
      let arrived = false;
      h.clock.onAdvance(() => {
        if (arrived) return;
        arrived = true;
        h.pod("late-0", { cpu: "1" });
        h.pod("late-1", { cpu: "1" });
      });
      const r = await new Provisioner(h.deps(), { loopSeconds: 30 }).run();
      assert.ok(r.passes > 1);
      assert.ok(h.liveInstances().length >= 1);
      const claims = await h.claims();
      assert.deepEqual(claims.flatMap((c) => c.pods).sort(), ["default/late-0", "default/late-1"]);
    } finally {
      await h.close();
    }
  });

  test("a pod leaving the unscheduled set starts a pass (kube-scheduler may have filled a nominated node)", async () => {
    const h = await startControllerHarness();
    try {
      h.pod("web-0", { cpu: "1" });
      h.pod("web-1", { cpu: "1" });
      // Without triggers the loop would run one pass at the start and one for the watch's first listing.
      const start = h.clock.now();
      let deleted = false;
      h.clock.onAdvance((now) => {
        if (deleted || now - start < 30_000) return;
        deleted = true;
        h.deletePod("web-1");
      });
      const r = await new Provisioner(h.deps(), { loopSeconds: 600, batchMaxMs: 600_000 }).run();
      assert.ok(deleted);
      assert.ok(r.passes >= 3, `passes: ${r.passes}`);
    } finally {
      await h.close();
    }
  });
});

describe("provisioner: registration writes", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness();
  });
  after(async () => {
    await h.close();
  });

  test("a Node already initialized when it registers takes one claim write; a crash before it is repaired", async () => {
    h.pod("web-0", { cpu: "500m" });
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    h.advance(10_000); // the kubelet registers the Node and it turns Ready before the next pass
    const base = h.deps();
    const patches: Partial<NodeClaim>[] = [];
    let crash = true;
    const state = Object.create(base.state) as typeof base.state;
    state.updateClaim = (claim, patch, fence) => {
      patches.push(patch);
      if (crash) throw new Error("the invocation died before its claim write");
      return base.state.updateClaim(claim, patch, fence);
    };
    await assert.rejects(new Provisioner({ ...base, state }, { loopSeconds: 0 }).run());
    const [stuck] = await h.claims();
    assert.equal(stuck.state, "Launched", "the crash left the claim as it was");
    assert.equal(h.nodes()[0].metadata.labels?.["karpenter.sh/initialized"], "true", "the Node was labelled first");
    crash = false;
    patches.length = 0;
    await new Provisioner({ ...base, state }, { loopSeconds: 0 }).run();
    const [claim] = await h.claims();
    assert.equal(claim.state, "Initialized");
    assert.equal(claim.nodeName, h.nodes()[0].metadata.name);
    assert.ok(claim.registeredAt !== undefined && claim.initializedAt === claim.registeredAt);
    const registration = patches.filter((p) => p.state === "Registered" || p.state === "Initialized");
    assert.deepEqual(
      registration.map((p) => p.state),
      ["Initialized"],
      "one write straight to Initialized, none to Registered",
    );
  });
});

describe("provisioner: launch decisions", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness();
  });
  after(async () => {
    await h.close();
  });

  test("a launch decision for a node of 40 pods is one write unit, and readers list its pods", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `checkout-api-5f7b9c8d6d-${(100_000 + i * 7919).toString(36)}`);
    for (const name of names) h.pod(name, { cpu: "10m" });
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const launches = (await h.state.listDecisions(0)).filter((d) => d.action === "launch");
    assert.ok(launches.length > 0);
    for (const launch of launches) {
      const item = { ...launch, pk: "DECISION#2026-01-05", sk: "1767614400000-000001-k2m9x8f3" };
      const bytes = dynamoItemSize(item as Record<string, unknown>);
      assert.ok(bytes <= 1024, `the launch decision is ${bytes} bytes: ${JSON.stringify(item)}`);
    }
    assert.deepEqual(
      launches.flatMap((d) => decodePodKeys(d.details.pods)).sort(),
      names.map((n) => `default/${n}`).sort(),
      "every pod is listed",
    );
    const [launch] = launches;
    assert.match(summarizeDecision(launch), /\d+ pods \(default\/checkout-api-/);
  });
});
