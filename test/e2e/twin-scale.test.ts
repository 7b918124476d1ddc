/**
 * End to end at scale, in small: the scale scenario shrunk to ~300 pods (same waves, instance types and mix, then
 * the scale-down), the report's latency and per-controller usage fields, and hostile inputs — a Deployment of a
 * million replicas and a pod that fits no instance type — that must end in a clear message and bounded work.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadScenario, parseScenario, type Scenario, ScenarioError } from "../../lib/twin/scenario.js";
import { runTwin } from "../../lib/twin/twin.js";

/** The scale scenario with every replica count multiplied by `factor` (at least 1) and a shorter story. */
async function shrunkScale(factor: number, duration: string): Promise<Scenario> {
  const scenario = await loadScenario("scenarios/scale.yaml");
  const shrink = (n: number) => Math.max(1, Math.round(n * factor));
  const steps = scenario.steps.map((s) => {
    if (s.scale) return { ...s, scale: { ...s.scale, replicas: shrink(s.scale.replicas) } };
    const spec = (s.apply as { spec?: { replicas?: number } } | undefined)?.spec;
    if (!s.apply || spec?.replicas === undefined) return s;
    return { ...s, apply: { ...s.apply, spec: { ...spec, replicas: shrink(spec.replicas) } } };
  });
  return { ...scenario, duration, steps };
}

/** A scenario of one Deployment, with the scale scenario's config and instance types. */
async function oneDeployment(name: string, replicas: number, requests: Record<string, string>): Promise<unknown> {
  const base = await loadScenario("scenarios/scale.yaml");
  return {
    name,
    duration: "6m",
    instanceTypes: base.instanceTypes,
    config: base.config,
    steps: [
      {
        at: "30s",
        apply: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name },
          spec: {
            replicas,
            template: {
              metadata: { labels: { app: name } },
              spec: { containers: [{ name: "c", image: "app", resources: { requests } }] },
            },
          },
        },
      },
    ],
  };
}

test("the scale scenario in small: every pod runs after the waves and the scale-down, invariants hold", async () => {
  const scenario = await shrunkScale(0.03, "24m");
  const r = await runTwin({ scenario });
  assert.deepEqual(
    r.invariants,
    { duplicateLaunches: 0, leakedInstances: 0, strandedPods: 0, violations: 0, podsEvictedTwice: 0 },
    r.violations.join("\n"),
  );
  const last = r.timeline[r.timeline.length - 1];
  assert.equal(r.pods.pendingAtEnd, 0);
  assert.equal(last.runningPods, r.pods.total, "every pod is running at the end");
  assert.equal(r.pods.total, 60, "the scale-down to a fifth left 2,000 × 0.03 pods");
  const peakRunning = Math.max(...r.timeline.map((s) => s.runningPods));
  assert.equal(peakRunning, 300, "all four waves ran");
  assert.ok(r.nodes.terminated > 0, "consolidation removed surplus nodes after the scale-down");
});

test("the report carries pod-running latencies and what each controller's invocations used", async () => {
  const r = await runTwin({ scenario: await loadScenario("scenarios/burst-consolidation.yaml"), chargeCpu: true });
  assert.ok(r.latency.podRunningP50Ms > 0, "pods took time from pending to Running");
  assert.ok(r.latency.podRunningP99Ms >= r.latency.podRunningP50Ms);
  const provisioner = r.invocations?.provisioner;
  assert.ok(provisioner, "the provisioner's invocations are summarised");
  assert.ok(provisioner.count > 0);
  assert.ok(provisioner.cpuMsP50 > 0 && provisioner.cpuMsMax >= provisioner.cpuMsP50, JSON.stringify(provisioner));
  assert.ok(provisioner.heapMbMax > 0);
  assert.equal(typeof provisioner.deadlineStops, "number");
  for (const name of ["disruptor", "gc"]) assert.ok((r.invocations?.[name]?.count ?? 0) > 0, name);
});

test("a Deployment of a million replicas is refused when the scenario loads, with a clear message", async () => {
  const scenario = await oneDeployment("huge", 1_000_000, { cpu: "100m" });
  assert.throws(
    () => parseScenario(scenario, "huge.yaml"),
    (err: unknown) =>
      err instanceof ScenarioError &&
      /steps\[0\]\.apply\.spec\.replicas: 1000000 replicas is more than the twin simulates/.test(err.message),
  );
  const scaled = { ...(scenario as object), steps: [{ at: "1m", scale: { name: "huge", replicas: 2_000_000 } }] };
  assert.throws(() => parseScenario(scaled, "huge.yaml"), /steps\[0\]\.scale\.replicas: 2000000 replicas/);
});

test("a pod that fits no instance type launches nothing and says why, and the run ends", async () => {
  const scenario = parseScenario(await oneDeployment("giant", 1, { cpu: "1000", memory: "4Ti" }), "giant.yaml");
  const r = await runTwin({ scenario });
  assert.equal(r.nodes.launched, 0, "no instance was launched for a pod nothing can hold");
  assert.equal(r.pods.pendingAtEnd, 1);
  assert.ok(
    (r.warnings ?? []).some((w) => w.includes("pods cannot be placed") && w.includes("giant")),
    `the provisioner says which pod cannot be placed:\n${(r.warnings ?? []).slice(-5).join("\n")}`,
  );
  assert.ok(r.virtualMinutes >= 6, "the run reached its end");
});
