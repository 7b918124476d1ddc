/**
 * The provisioner's burst mode (`stopWhenIdle`, what the Lambda handler runs): passes follow each other while a
 * pass finds work — a launch, a registration, pods left over, insufficient capacity to fall back from, a throttling
 * back-off — and the invocation ends after the first pass that finds nothing, long before `loopSeconds`.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { type ControllerHarness, startControllerHarness, TYPES } from "../support/controller-harness.js";

describe("provisioner burst", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness();
  });
  after(async () => {
    await h.close();
  });

  const burst = (opts: { maxPodsPerSolve?: number; maxSolveRounds?: number } = {}) =>
    new Provisioner(h.deps(), { loopSeconds: 50, stopWhenIdle: true, ...opts });

  test("with nothing to do, one pass and no waiting", async () => {
    const started = h.clock.now();
    const r = await burst().run();
    assert.equal(r.passes, 1);
    assert.equal(r.idle, true);
    assert.equal(h.clock.now() - started, 0, "no batching window, no loop: the invocation returns at once");
    assert.equal(h.kube.server.activeWatches, 0, "no pod watch in burst mode");
  });

  test("a launch is followed by one idle pass, then the burst ends", async () => {
    h.pod("web-0", { cpu: "500m" });
    const started = h.clock.now();
    const r = await burst().run();
    assert.equal(r.launched.length, 1);
    assert.equal(r.passes, 2, "the launch pass, then a pass that finds the pod nominated to the in-flight claim");
    assert.equal(r.idle, true);
    assert.ok(h.clock.now() - started < 10_000, "well before loopSeconds");
    assert.equal(h.liveInstances().length, 1);
  });

  test("a registration keeps the burst going for one more pass", async () => {
    h.advance(60_000); // the instance boots and its kubelet registers the Node
    assert.ok(h.nodes().some((n) => n.spec?.taints?.some((t) => t.key === "karpenter.sh/unregistered")));
    const r = await burst().run();
    assert.equal(r.passes, 2);
    assert.equal(r.idle, true);
    assert.ok(!h.nodes().some((n) => n.spec?.taints?.some((t) => t.key === "karpenter.sh/unregistered")));
  });
});

describe("provisioner burst: work left over", () => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = await startControllerHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const burst = (opts: { maxPodsPerSolve?: number; maxSolveRounds?: number } = {}) =>
    new Provisioner(h.deps(), { loopSeconds: 50, stopWhenIdle: true, ...opts });

  test("pods left over by maxPodsPerSolve keep the burst going until all are launched for", async () => {
    for (const name of ["big-0", "big-1", "big-2"]) h.pod(name, { cpu: "1500m" });
    const r = await burst({ maxPodsPerSolve: 1 }).run();
    assert.equal(r.launched.length, 3, "one pod per solve, one node each");
    assert.equal(r.passes, 4, "three passes that launch, one that finds nothing");
    assert.equal(r.idle, true);
  });

  test("insufficient capacity in the last solve round leaves work: another pass solves without those offerings", async () => {
    for (const t of TYPES) h.aws.emulator.injectIce(t, undefined, undefined, h.clock.now() + 3_600_000);
    h.pod("ice-0", { cpu: "1" });
    const r = await burst({ maxSolveRounds: 1 }).run();
    assert.equal(r.launched.length, 0);
    assert.equal(r.passes, 2, "the pass that hit ICE, then one that finds no offering left and stops");
    assert.equal(r.idle, true);
    assert.ok((await h.state.listUnavailableOfferings(h.clock.now())).length > 0);
  });

  test("throttling backs off and tries again within the burst", async () => {
    h.aws.emulator.failNext("CreateFleet", "RequestLimitExceeded", 8);
    h.pod("throttled-0", { cpu: "1" });
    const r = await burst().run();
    assert.equal(r.launched.length, 1);
    assert.equal(r.idle, true);
    assert.ok(h.telemetry.messages("warn").includes("throttled by EC2; backing off"));
  });
});
