/**
 * The disruptor against the fake kube-apiserver, dynalite and the AWS emulator, stepped one scheduled invocation a
 * minute as deployed: emptiness after its TTL (planned by one invocation, validated and carried out by the next),
 * expiry (replacement first, then drain), consolidation without churn, drift, and PDBs holding a drain across
 * invocations.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { staticConfig } from "../../lib/controllers/deps.js";
import type { DisruptionMemory } from "../../lib/controllers/disruptor.js";
import { scheduledPassOptions } from "../../lib/controllers/disruptor-options.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { Terminator } from "../../lib/controllers/termination.js";
import type { Pod } from "../../lib/core/kube-objects.js";
import {
  type ControllerHarness,
  defaultConfigYaml,
  type PodSpecOptions,
  parseConfig,
  startControllerHarness,
} from "../support/controller-harness.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

const MIN = 60_000;

/** Provisions nodes for the pods and lets them register, initialize and run the pods. */
async function bringUp(h: ControllerHarness, pods: [string, PodSpecOptions][]): Promise<void> {
  for (const [name, o] of pods) h.pod(name, o);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run(); // registers: the unregistered taint comes off
  h.settle(); // kube-scheduler binds once the taint is gone
  for (const [name] of pods) assert.ok(h.pods().find((p) => p.metadata.name === name)?.spec.nodeName, `${name} runs`);
}

/** A ReplicaSet stand-in: pods that disappear (evicted) come back as pending pods on every clock move. */
function keepAlive(h: ControllerHarness, pods: [string, PodSpecOptions][]): void {
  const recreate = () => {
    const names = new Set(h.pods().map((p) => p.metadata.name));
    for (const [name, o] of pods) if (!names.has(name)) h.pod(name, { ...o, nodeName: undefined });
  };
  h.clock.onAdvance(recreate);
}

function podOn(h: ControllerHarness, name: string): Pod | undefined {
  return h.pods().find((p) => p.metadata.name === name);
}

describe("disruptor", () => {
  test("an empty node is removed after its TTL and not before", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 5m}"),
    });
    try {
      await bringUp(h, [["job-0", { cpu: "1" }]]);
      const [claim] = await h.claims();
      h.deletePod("job-0");
      const emptyAt = h.clock.now();
      const memory: DisruptionMemory = {};
      await invokeDisruptor(h, { memory });
      assert.equal((await h.claims())[0].emptySince, emptyAt, "emptiness is stamped when first seen");
      h.advance(4 * MIN);
      await invokeDisruptor(h, { memory });
      assert.equal(h.liveInstances().length, 1, "not before the TTL");
      assert.equal(h.nodes().length, 1);
      h.advance(MIN + 30_000);
      const r = await invokeDisruptor(h, { memory, until: (run) => run.commands.length > 0 });
      assert.deepEqual(
        r.commands.map((c) => c.method),
        ["Emptiness"],
      );
      assert.equal(r.invocations, 2, "planned by one invocation, validated and carried out by the next");
      assert.equal(h.liveInstances().length, 0, "instance terminated");
      const closed = (await h.claims(true)).find((c) => c.id === claim.id);
      assert.equal(closed?.state, "Terminated");
      assert.equal(closed?.disruptionReason, "Empty");
      h.advance(10_000);
      assert.equal(h.nodes().length, 0, "node deleted");
    } finally {
      await h.close();
    }
  });

  test("a pass that only records node activity plans on the claims as written, without listing again", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 5m}"),
    });
    try {
      await bringUp(h, [["job-0", { cpu: "1" }]]);
      h.deletePod("job-0");
      const podLists = () =>
        h.kube.server.requests.filter((r) => r.path === "/api/v1/pods" && !r.query.fieldSelector).length;
      const before = podLists();
      const r = await invokeDisruptor(h, { max: 1 });
      assert.equal(r.passes, 1);
      assert.ok((await h.claims())[0].emptySince !== undefined, "emptiness was recorded");
      assert.equal(podLists() - before, 1, "one pod listing for the pass");
    } finally {
      await h.close();
    }
  });

  test("the cloud's drift answers are reused for a minute, then judged again on the instances already read", async () => {
    const h = await startControllerHarness();
    try {
      await bringUp(h, [["web-0", { cpu: "1" }]]);
      const base = h.deps();
      let listings = 0;
      let judged = 0;
      const cloud = Object.create(base.cloud) as typeof base.cloud;
      cloud.list = () => {
        listings++;
        return base.cloud.list();
      };
      cloud.isDrifted = (inst, nodeClass) => {
        judged++;
        return base.cloud.isDrifted(inst, nodeClass);
      };
      const memory: DisruptionMemory = {};
      const run = () => invokeDisruptor(h, { deps: () => ({ ...base, cloud }), memory, max: 1 });
      await run();
      assert.deepEqual([listings, judged], [1, 1], "the first pass lists the instances and judges them");
      h.advance(30_000);
      await run();
      assert.deepEqual([listings, judged], [1, 1], "30 s later the answers are reused");
      h.advance(31_000);
      await run();
      assert.deepEqual([listings, judged], [1, 2], "after a minute they are judged again, without a listing");
      h.advance(5 * MIN);
      await run();
      assert.deepEqual([listings, judged], [2, 3], "once the listing is 5 minutes old, every instance is listed again");
    } finally {
      await h.close();
    }
  });

  test("a pod landing again clears emptiness", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 5m}"),
    });
    try {
      await bringUp(h, [["job-0", { cpu: "1" }]]);
      h.deletePod("job-0");
      const memory: DisruptionMemory = {};
      await invokeDisruptor(h, { memory });
      assert.notEqual((await h.claims())[0].emptySince, undefined);
      h.pod("job-1", { cpu: "1" });
      h.advance(1000);
      await invokeDisruptor(h, { memory });
      assert.equal((await h.claims())[0].emptySince, undefined);
      h.advance(10 * MIN);
      const later = await invokeDisruptor(h, { memory, max: 3 });
      assert.deepEqual(later.commands, []);
      assert.equal(h.liveInstances().length, 1, "a busy node stays");
    } finally {
      await h.close();
    }
  });

  test("an expired node is replaced first, then drained", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml({
        spec: "  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: Never}",
        templateSpec: "      expireAfter: 1h",
      }),
    });
    try {
      const pods: [string, PodSpecOptions][] = [["api-0", { cpu: "1" }]];
      await bringUp(h, pods);
      keepAlive(h, pods);
      const [old] = await h.claims();
      h.advance(61 * MIN);
      const memory: DisruptionMemory = {};
      const r1 = await invokeDisruptor(h, { memory, until: (run) => run.commands.length > 0 });
      assert.deepEqual(
        r1.commands.map((c) => c.method),
        ["Expiration"],
      );
      assert.equal(r1.commands[0].replacements.length, 1, "a replacement is launched first");
      assert.equal(
        podOn(h, "api-0")?.spec.nodeName,
        old.nodeName,
        "the pod is not evicted before the replacement is up",
      );
      const oldNode = h.nodes().find((n) => n.metadata.name === old.nodeName);
      assert.ok(
        oldNode?.spec?.taints?.some((t) => t.key === "karpenter.sh/disrupted"),
        "old node tainted",
      );
      assert.equal(h.liveInstances().length, 2);

      await new Provisioner(h.deps(), { loopSeconds: 0 }).run(); // the replacement registers and initializes
      const r2 = await invokeDisruptor(h, { memory, until: (run) => run.terminated.length > 0, max: 3 });
      assert.deepEqual(r2.terminated, [old.id]);
      assert.equal(h.liveInstances().length, 1);
      h.advance(10_000);
      const replacement = (await h.claims()).find((c) => c.id === r1.commands[0].replacements[0]);
      assert.equal(podOn(h, "api-0")?.spec.nodeName, replacement?.nodeName, "the pod runs on the replacement");
      const closed = (await h.claims(true)).find((c) => c.id === old.id);
      assert.equal(closed?.disruptionReason, "Expired");
    } finally {
      await h.close();
    }
  });

  test("consolidation removes an under-used node and never churns", async () => {
    const h = await startControllerHarness();
    try {
      const spread: PodSpecOptions = {
        cpu: "1",
        labels: { app: "spread" },
        extra: {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { app: "spread" } }, topologyKey: "kubernetes.io/hostname" },
              ],
            },
          },
        },
      };
      await bringUp(h, [
        ["spread-0", spread],
        ["spread-1", spread],
      ]);
      assert.equal(h.nodes().length, 2);
      // The spread pods go; one small pod stays on each node: one node is enough.
      const [n0, n1] = h.nodes().map((n) => n.metadata.name ?? "");
      h.deletePod("spread-0");
      h.deletePod("spread-1");
      const small: [string, PodSpecOptions][] = [
        ["small-0", { cpu: "250m", nodeName: n0 }],
        ["small-1", { cpu: "250m", nodeName: n1 }],
      ];
      for (const [name, o] of small) h.pod(name, o);
      keepAlive(h, small);
      const memory: DisruptionMemory = {};
      const provision = () => new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      const consolidating = await invokeDisruptor(h, { memory, max: 6, until: () => false, between: provision });
      const methods = consolidating.commands.map((c) => c.method);
      await provision();
      h.advance(MIN);
      assert.ok(
        methods.some((m) => m.endsWith("Consolidation")),
        `consolidated: ${methods.join(",")}`,
      );
      assert.equal(h.liveInstances().length, 1, "one node left");
      const decisions = (await h.state.listDecisions(0)).filter(
        (d) => d.controller === "disruptor" && d.action === "replace",
      );
      for (const d of decisions) {
        const nodes = d.details.nodes as { instanceType: string; price: number }[];
        const [rep] = d.details.replacements as { instanceType: string; price: number }[];
        assert.ok(!nodes.some((n) => n.instanceType === rep.instanceType), "never the same type");
        assert.ok(rep.price < nodes.reduce((s, n) => s + n.price, 0), "always strictly cheaper");
      }
      // Steady state: further runs change nothing.
      const before = h.liveInstances().map((i) => i.instanceId);
      const steady = await invokeDisruptor(h, { memory, max: 3, until: () => false, between: provision });
      for (const r of steady.results) assert.equal(r.commands.length, 0, "no churn");
      assert.deepEqual(
        h.liveInstances().map((i) => i.instanceId),
        before,
      );
      for (const name of ["small-0", "small-1"]) assert.ok(podOn(h, name)?.spec.nodeName, `${name} runs`);
    } finally {
      await h.close();
    }
  });

  test("a drifted node is replaced, then drained", async () => {
    const yaml = (label: string) =>
      defaultConfigYaml({
        spec: "  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: Never}",
        template: `    metadata: {labels: {team: ${label}}}`,
      });
    const h = await startControllerHarness({ config: yaml("a") });
    try {
      const pods: [string, PodSpecOptions][] = [["api-0", { cpu: "1" }]];
      await bringUp(h, pods);
      keepAlive(h, pods);
      const [old] = await h.claims();
      const changed = staticConfig(parseConfig(yaml("b")));
      h.advance(MIN);
      const memory: DisruptionMemory = {};
      const drifted = {
        memory,
        deps: () => h.deps({ config: changed }),
        options: { ...scheduledPassOptions("seconds"), providerDrift: false },
      };
      const r1 = await invokeDisruptor(h, { ...drifted, until: (run) => run.commands.length > 0 });
      assert.deepEqual(
        r1.commands.map((c) => c.method),
        ["Drift"],
      );
      await new Provisioner(h.deps({ config: changed }), { loopSeconds: 0 }).run();
      const r2 = await invokeDisruptor(h, { ...drifted, until: (run) => run.terminated.length > 0, max: 3 });
      assert.deepEqual(r2.terminated, [old.id]);
      h.advance(10_000);
      const live = h.nodes();
      assert.equal(live.length, 1);
      assert.equal(live[0].metadata.labels?.team, "b", "the replacement carries the new template");
    } finally {
      await h.close();
    }
  });

  test("a PDB blocks eviction until it allows it; the drain spans invocations", async () => {
    const h = await startControllerHarness({
      config: defaultConfigYaml("  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: Never}"),
    });
    try {
      await bringUp(h, [["db-0", { cpu: "1", labels: { app: "db" } }]]);
      h.pdb("db", { app: "db" }, 1);
      const [claim] = await h.claims();
      const t = new Terminator(h.deps());
      await t.startDrain(await t.mark(claim, "Expired", "v1"), h.config.nodePools[0]);
      const memory: DisruptionMemory = {};
      const held = await invokeDisruptor(h, { memory, max: 3, until: () => false });
      assert.equal(held.invocations, 3);
      h.advance(MIN);
      assert.ok(podOn(h, "db-0"), "the PDB keeps the pod");
      assert.equal((await h.claims())[0].state, "Draining");
      assert.equal(h.liveInstances().length, 1);
      // A second replica makes one disruption allowed.
      h.pod("db-1", { cpu: "100m", labels: { app: "db" }, nodeName: claim.nodeName });
      const allowed = await invokeDisruptor(h, { memory, max: 1 });
      assert.equal(allowed.invocations, 1);
      assert.equal(podOn(h, "db-0"), undefined, "evicted once allowed (the next invocation)");
    } finally {
      await h.close();
    }
  });
});
