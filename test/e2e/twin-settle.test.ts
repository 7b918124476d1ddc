/**
 * End to end on the digital twin: a scenario's end rule. With `settle`, a run whose duration ends in the middle of a
 * move (pods pending, their node still booting) goes on, controllers running, until every workload pod runs, and
 * says how long that took; it stops waiting at the limit when pods can never run.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadScenario, parseScenario, type Scenario, ScenarioError } from "../../lib/twin/scenario.js";
import { runTwin } from "../../lib/twin/twin.js";

/** The default scenario's pools, with one Deployment arriving 10 s before the end. */
async function lateArrival(settle: string | undefined, cpu = "1"): Promise<Scenario> {
  const s = await loadScenario("scenarios/default.yaml");
  return {
    ...s,
    name: "late-arrival",
    duration: "2m",
    settle,
    steps: [
      {
        at: "110s",
        apply: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web", namespace: "default" },
          spec: {
            replicas: 4,
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" } },
              spec: { containers: [{ name: "web", image: "nginx", resources: { requests: { cpu, memory: "1Gi" } } }] },
            },
          },
        },
      },
    ],
  };
}

test("without settle the run ends at its duration, pods of a node still booting pending", async () => {
  const r = await runTwin({ scenario: await lateArrival(undefined) });
  assert.equal(r.settle, undefined);
  assert.equal(r.pods.pendingAtEnd, 4, "the node launched for them had not joined when the run ended");
});

test("with settle the run goes on until every pod runs, and the report says how long that took", async () => {
  const r = await runTwin({ scenario: await lateArrival("5m") });
  assert.ok(r.settle?.settled, JSON.stringify(r.settle));
  assert.ok(r.settle.tookMs > 0 && r.settle.tookMs < 5 * 60_000, `settled after ${r.settle.tookMs} ms`);
  assert.equal(r.pods.pendingAtEnd, 0);
  assert.equal(r.timeline[r.timeline.length - 1].runningPods, 4, "every pod is running at the end");
});

test("settling stops at its limit when pods can never run", async () => {
  const r = await runTwin({ scenario: await lateArrival("1m", "1000") });
  assert.deepEqual(r.settle, { limitMs: 60_000, tookMs: 60_000, settled: false });
  assert.equal(r.pods.pendingAtEnd, 4);
});

test("settle must be a duration, and the error names the field", () => {
  assert.throws(
    () => parseScenario({ name: "s", duration: "10m", settle: "soon", config: "" }, "s.yaml"),
    (err: unknown) => err instanceof ScenarioError && /s\.yaml: settle: must be a duration/.test(err.message),
  );
});
