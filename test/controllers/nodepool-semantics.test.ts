/**
 * NodePool fields acted on as Karpenter does, through the real controllers against the fake kube-apiserver, the AWS
 * emulator and dynalite: `minValues` in the CreateFleet a launch sends (policy Strict and BestEffort), template
 * annotations on the Node (and drift when they change), the `karpenter.sh/unregistered` taint placed by the kubelet
 * and lifted at registration, and static pools (`replicas`) held through consolidation and scaled in.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CreateFleetCommand, type CreateFleetCommandInput } from "@aws-sdk/client-ec2";
import { staticConfig } from "../../lib/controllers/deps.js";
import { scheduledPassOptions } from "../../lib/controllers/disruptor-options.js";
import { Provisioner, type ProvisionerOptions } from "../../lib/controllers/provisioner.js";
import {
  type ControllerHarness,
  defaultConfigYaml,
  parseConfig,
  startControllerHarness,
} from "../support/controller-harness.js";
import { invokeDisruptor } from "../support/disruptor-invocations.js";

/** The disruptor as deployed, without asking the cloud about drift. */
const NO_PROVIDER_DRIFT = { ...scheduledPassOptions("seconds"), providerDrift: false };

const MIN = 60_000;
const FAMILY = "karpenter.k8s.aws/instance-family";
/** Eight instance families in the emulator. */
const TYPES = ["m5.large", "c5.large", "r5.large", "m6i.large", "c6i.large", "r6i.large", "t3.large", "m7i.large"];

/** Records the CreateFleet inputs the cloud provider sends. */
function watchFleets(h: ControllerHarness): CreateFleetCommandInput[] {
  const fleets: CreateFleetCommandInput[] = [];
  const ec2 = h.aws.ec2;
  const send = ec2.send.bind(ec2) as (cmd: unknown) => Promise<unknown>;
  (ec2 as unknown as { send: typeof send }).send = (cmd: unknown) => {
    if (cmd instanceof CreateFleetCommand) fleets.push(cmd.input);
    return send(cmd);
  };
  return fleets;
}

/** Instance families among a CreateFleet's overrides. */
function overrideFamilies(fleet: CreateFleetCommandInput): Set<string> {
  const types = (fleet.LaunchTemplateConfigs ?? []).flatMap((c) => (c.Overrides ?? []).map((o) => o.InstanceType));
  return new Set(types.map((t) => String(t).split(".")[0]));
}

function provision(h: ControllerHarness, opts: ProvisionerOptions = {}) {
  return new Provisioner(h.deps(), { loopSeconds: 0, ...opts }).run();
}

describe("minValues at launch", () => {
  const config = (values: string) =>
    defaultConfigYaml({ templateSpec: `        - {key: ${FAMILY}, operator: In, values: [${values}], minValues: 5}` });

  test("each launched node's CreateFleet overrides span at least 5 instance families", async () => {
    const h = await startControllerHarness({
      config: config("m5, c5, r5, m6i, c6i, r6i, t3, m7i"),
      emulator: { instanceTypes: TYPES },
    });
    try {
      const fleets = watchFleets(h);
      h.pod("web-0", { cpu: "500m" });
      const r = await provision(h);
      assert.equal(r.launched.length, 1);
      assert.ok(fleets.length >= 1);
      for (const f of fleets) assert.ok(overrideFamilies(f).size >= 5, [...overrideFamilies(f)].join(","));
      // A launched claim keeps no options (the launch chose its instance); the launch decision names them.
      const [claim] = await h.claims();
      assert.deepEqual(claim.instanceTypeOptions, []);
      const [launch] = (await h.state.listDecisions(0)).filter((d) => d.action === "launch");
      const options = launch.details.options as string[];
      assert.ok(new Set(options.map((name) => name.split(".")[0])).size >= 5);
    } finally {
      await h.close();
    }
  });

  const narrowed = {
    nodeSelector: undefined,
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: FAMILY, operator: "In", values: ["m5", "c5"] }] }],
        },
      },
    },
  };

  test("Strict: a pod that narrows the pool to 2 families gets no node and a reason", async () => {
    const h = await startControllerHarness({
      config: config("m5, c5, r5, m6i, c6i"),
      emulator: { instanceTypes: TYPES },
    });
    try {
      const fleets = watchFleets(h);
      h.pod("narrow-0", { cpu: "500m", extra: narrowed });
      const r = await provision(h, { minValuesPolicy: "Strict" });
      assert.equal(r.launched.length, 0);
      assert.equal(r.unschedulable, 1);
      assert.equal(fleets.length, 0, "no CreateFleet");
      const warn = h.telemetry.logs.find((l) => l.message === "pods cannot be placed");
      assert.match(JSON.stringify(warn?.attrs), /minValues not met.*instance-family needs 5 distinct values/);
      assert.equal(h.pods().find((p) => p.metadata.name === "narrow-0")?.spec.nodeName, undefined);
    } finally {
      await h.close();
    }
  });

  test("BestEffort: the same pod gets a node; the relaxation is logged and marked on the Node", async () => {
    const h = await startControllerHarness({
      config: config("m5, c5, r5, m6i, c6i"),
      emulator: { instanceTypes: TYPES },
    });
    try {
      const fleets = watchFleets(h);
      h.pod("narrow-0", { cpu: "500m", extra: narrowed });
      const r = await provision(h, { minValuesPolicy: "BestEffort" });
      assert.equal(r.launched.length, 1);
      assert.deepEqual([...overrideFamilies(fleets[0])].sort(), ["c5", "m5"]);
      const launch = (await h.state.listDecisions(0)).find((d) => d.action === "launch");
      assert.deepEqual(launch?.details.minValuesRelaxed, [
        { key: FAMILY, minValues: 5, found: 2, values: ["c5", "m5"] },
      ]);
      h.advance(10_000);
      await provision(h, { minValuesPolicy: "BestEffort" });
      assert.equal(h.nodes()[0].metadata.annotations?.["karpenter.sh/nodeclaim-min-values-relaxed"], "true");
    } finally {
      await h.close();
    }
  });
});

describe("annotations and the unregistered taint", () => {
  const config = (team: string) =>
    defaultConfigYaml({
      template: `    metadata: {annotations: {example.com/team: ${team}, example.com/owner: ops}}`,
      spec: "  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: Never}",
    });

  test("the kubelet registers with the unregistered taint; registration lifts it and applies the annotations", async () => {
    const h = await startControllerHarness({ config: config("a") });
    try {
      h.pod("api-0", { cpu: "1" });
      await provision(h);
      const [template] = h.aws.emulator.launchTemplates();
      const userData = Buffer.from(template.userData ?? "", "base64").toString("utf8");
      assert.match(userData, /registerWithTaints:\s+- effect: NoExecute\s+key: karpenter\.sh\/unregistered/);
      h.advance(10_000);
      const joined = h.nodes()[0];
      assert.ok(joined.spec?.taints?.some((t) => t.key === "karpenter.sh/unregistered" && t.effect === "NoExecute"));
      assert.equal(joined.metadata.annotations?.["example.com/team"], undefined);
      assert.equal(
        joined.metadata.labels?.["karpenter.sh/initialized"],
        undefined,
        "set by Stevedore, not the kubelet",
      );
      assert.equal(joined.metadata.labels?.["karpenter.sh/registered"], undefined);
      h.settle();
      assert.equal(h.pods().find((p) => p.metadata.name === "api-0")?.spec.nodeName, undefined, "nothing binds yet");
      await provision(h);
      const registered = h.nodes()[0];
      assert.ok(!registered.spec?.taints?.some((t) => t.key === "karpenter.sh/unregistered"), "taint removed");
      assert.equal(registered.metadata.annotations?.["example.com/team"], "a");
      assert.equal(registered.metadata.annotations?.["example.com/owner"], "ops");
      h.settle();
      assert.ok(h.pods().find((p) => p.metadata.name === "api-0")?.spec.nodeName, "bound after registration");
    } finally {
      await h.close();
    }
  });

  test("editing an annotation drifts the node; the replacement carries the new annotation", async () => {
    const h = await startControllerHarness({ config: config("a") });
    try {
      h.pod("api-0", { cpu: "1" });
      await provision(h);
      h.advance(10_000);
      await provision(h);
      h.settle();
      const [old] = await h.claims();
      h.clock.onAdvance(() => {
        if (!h.pods().some((p) => p.metadata.name === "api-0")) h.pod("api-0", { cpu: "1" });
      });
      const changed = staticConfig(parseConfig(config("b")));
      h.advance(MIN);
      const drifted = { memory: {}, deps: () => h.deps({ config: changed }), options: NO_PROVIDER_DRIFT };
      const r1 = await invokeDisruptor(h, { ...drifted, until: (run) => run.commands.length > 0, max: 3 });
      assert.deepEqual(
        r1.commands.map((c) => c.method),
        ["Drift"],
      );
      h.advance(10_000);
      await new Provisioner(h.deps({ config: changed }), { loopSeconds: 0 }).run();
      const r2 = await invokeDisruptor(h, { ...drifted, until: (run) => run.terminated.length > 0, max: 3 });
      assert.deepEqual(r2.terminated, [old.id]);
      h.advance(10_000);
      const live = h.nodes();
      assert.equal(live.length, 1);
      assert.equal(live[0].metadata.annotations?.["example.com/team"], "b");
    } finally {
      await h.close();
    }
  });
});

describe("static capacity (spec.replicas)", () => {
  const config = (replicas: number) =>
    defaultConfigYaml({
      name: "fixed",
      spec: `  replicas: ${replicas}\n  limits: {nodes: 5}\n  disruption: {consolidationPolicy: WhenEmptyOrUnderutilized, consolidateAfter: 0s}`,
    });

  test("keeps replicas nodes without pods, through consolidation passes; scaling in drains the surplus", async () => {
    const h = await startControllerHarness({ config: config(3) });
    try {
      const r = await provision(h);
      assert.equal(r.launched.length, 3, "three nodes with no pod asking");
      assert.equal((await provision(h)).launched.length, 0, "in-flight nodes count: nothing more");
      h.advance(10_000);
      await provision(h);
      const claims = await h.claims();
      assert.deepEqual(
        claims.map((c) => c.state),
        ["Initialized", "Initialized", "Initialized"],
      );
      h.advance(30 * MIN);
      const d = await invokeDisruptor(h, { options: NO_PROVIDER_DRIFT, max: 3 });
      assert.deepEqual(d.commands, [], "empty static nodes are neither consolidated nor removed as empty");
      assert.equal(h.liveInstances().length, 3);

      // A pending pod uses a static node but opens none.
      h.pod("web-0", { cpu: "500m" });
      h.settle();
      assert.equal((await provision(h)).launched.length, 0);
      assert.ok(h.pods().find((p) => p.metadata.name === "web-0")?.spec.nodeName);

      const smaller = h.deps({ config: staticConfig(parseConfig(config(2))) });
      await new Provisioner(smaller, { loopSeconds: 0 }).run();
      const marked = (await h.claims()).filter((c) => c.disruptionReason === "ScaledDown");
      assert.equal(marked.length, 1);
      assert.ok(!marked[0].pods.includes("default/web-0"));
      const scaledDown = await invokeDisruptor(h, {
        deps: () => smaller,
        options: NO_PROVIDER_DRIFT,
        until: () => h.liveInstances().length <= 2,
        max: 3,
      });
      assert.deepEqual(scaledDown.commands, [], "a scale-in is drained, not planned as a disruption");
      assert.equal(h.liveInstances().length, 2);
      assert.equal((await new Provisioner(smaller, { loopSeconds: 0 }).run()).launched.length, 0);
    } finally {
      await h.close();
    }
  });

  test("a drifted static node is replaced first: the pool is refilled before the old node drains", async () => {
    const yaml = (team: string) =>
      defaultConfigYaml({
        name: "fixed",
        template: `    metadata: {annotations: {example.com/team: ${team}}}`,
        spec: '  replicas: 2\n  disruption: {budgets: [{nodes: "1"}]}',
      });
    const h = await startControllerHarness({ config: yaml("a") });
    try {
      await provision(h);
      h.advance(10_000);
      await provision(h);
      const before = await h.claims();
      assert.equal(before.filter((c) => c.state === "Initialized").length, 2);
      const changed = h.deps({ config: staticConfig(parseConfig(yaml("b"))) });
      h.advance(MIN);
      const memory = {};
      const once = { memory, deps: () => changed, options: NO_PROVIDER_DRIFT, max: 1 };
      const d1 = await invokeDisruptor(h, once);
      assert.deepEqual(
        d1.commands.map((c) => c.method),
        ["Drift"],
      );
      const drifted = (await h.claims()).find((c) => c.disruptionReason === "Drifted");
      assert.ok(drifted);
      assert.equal((await new Provisioner(changed, { loopSeconds: 0 }).run()).launched.length, 1, "replacement");
      await invokeDisruptor(h, once);
      assert.notEqual((await h.state.getClaim(drifted.id))?.state, "Draining", "not before the pool is refilled");
      h.advance(10_000);
      await new Provisioner(changed, { loopSeconds: 0 }).run();
      await invokeDisruptor(h, once);
      const after = await h.state.getClaim(drifted.id);
      assert.ok(after?.state === "Draining" || after?.state === "Terminated", after?.state);
    } finally {
      await h.close();
    }
  });
});
