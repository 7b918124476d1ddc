/**
 * End to end on the digital twin: the provisioner's reaction. With `seconds` the watcher triggers a provisioner
 * burst within moments of pods turning unschedulable; with `minute` the pods wait for the provisioner's schedule.
 * Decision latency here is virtual time (pods created → CreateFleet), not a wall-clock speed target.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TwinReport } from "../../lib/twin/report.js";
import { loadScenario, type Scenario } from "../../lib/twin/scenario.js";
import { runTwin } from "../../lib/twin/twin.js";

/** The default scenario's pools, with one Deployment arriving between two provisioner schedules. */
async function scenario(reaction: "seconds" | "minute"): Promise<Scenario> {
  const s = await loadScenario("scenarios/default.yaml");
  return {
    ...s,
    name: `reaction-${reaction}`,
    duration: "4m",
    controllers: { ...s.controllers, reaction },
    steps: [
      {
        at: "85s",
        apply: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web", namespace: "default" },
          spec: {
            replicas: 6,
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" } },
              spec: {
                containers: [{ name: "web", image: "nginx", resources: { requests: { cpu: "1", memory: "1Gi" } } }],
              },
            },
          },
        },
      },
    ],
  };
}

function latencies(r: TwinReport): number[] {
  return r.decisionLatenciesMs.map((l) => l.ms);
}

test("reaction seconds: the watcher triggers the provisioner, pods wait about a second; minute: until the schedule", async () => {
  const fast = await runTwin({ scenario: await scenario("seconds") });
  assert.equal(fast.pods.pendingAtEnd, 0);
  assert.ok(latencies(fast).length > 0);
  assert.ok(
    latencies(fast).every((ms) => ms < 3000),
    `seconds: pending → CreateFleet ${latencies(fast).join(", ")} ms`,
  );
  assert.ok((fast.invocations?.watcher?.count ?? 0) >= 4, "a watcher every minute");
  const slow = await runTwin({ scenario: await scenario("minute") });
  assert.equal(slow.pods.pendingAtEnd, 0);
  assert.ok(
    latencies(slow).every((ms) => ms > 20_000),
    `minute: pending → CreateFleet ${latencies(slow).join(", ")} ms (the next schedule is 35 s away)`,
  );
  assert.equal(slow.invocations?.watcher, undefined, "no watcher");
  for (const r of [fast, slow])
    assert.deepEqual(r.invariants, {
      duplicateLaunches: 0,
      leakedInstances: 0,
      strandedPods: 0,
      violations: 0,
      podsEvictedTwice: 0,
    });
});
