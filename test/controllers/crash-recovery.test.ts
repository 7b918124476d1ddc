/**
 * A crash between any two steps of a launch (intent written → CreateFleet called → instance recorded) never
 * produces a second instance and never strands the pods. The crash is simulated by a wrapped dependency: at the
 * chosen step the real call completes, then the "process dies" — that call and every later call of the dying
 * invocation throw. A fresh invocation then runs with clean dependencies after the lease expired.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { CloudProvider } from "../../lib/cloud/provider.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import type { StateStore } from "../../lib/state/types.js";
import { type ControllerHarness, startControllerHarness } from "../support/controller-harness.js";

class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

/** Wraps every method: `dieAfter(method, args)` true → the call completes, then it and everything after throws. */
function dying<T extends object>(
  target: T,
  process: { dead: boolean },
  dieAfter: (method: string, args: unknown[]) => boolean,
): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        if (process.dead) throw new SimulatedCrash(`process is dead (${String(prop)})`);
        const out = await value.apply(obj, args);
        if (dieAfter(String(prop), args)) {
          process.dead = true;
          throw new SimulatedCrash(`crash after ${String(prop)}`);
        }
        return out;
      };
    },
  });
}

type Step = "intent written" | "fleet called" | "instance recorded";

describe("crash between launch steps", () => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = await startControllerHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const steps: Step[] = ["intent written", "fleet called", "instance recorded"];
  for (const step of steps) {
    test(`crash after ${step}: one instance, pods not stranded`, async () => {
      h.pod("api-0", { cpu: "1" });
      const proc = { dead: false };
      const state = dying<StateStore>(h.state, proc, (m, args) =>
        step === "intent written"
          ? m === "createClaim"
          : step === "instance recorded" && m === "updateClaim" && (args[1] as { state?: string }).state === "Launched",
      );
      const cloud = dying<CloudProvider>(h.cloud, proc, (m) => step === "fleet called" && m === "create");
      await new Provisioner(h.deps({ state, cloud }), { loopSeconds: 0 })
        .run()
        .catch((err: unknown) => assert.ok(err instanceof SimulatedCrash, String(err)));
      assert.equal(proc.dead, true, "the crash happened");
      const expectInstances = step === "intent written" ? 0 : 1;
      assert.equal(h.liveInstances().length, expectInstances);

      // The crashed invocation's lease expires; a fresh invocation recovers.
      h.advance(90_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.equal(h.liveInstances().length, 1, "exactly one instance");
      const claims = await h.claims(true);
      assert.equal(claims.length, 1, "one claim, recovered in place");
      assert.ok(["Launched", "Registered", "Initialized"].includes(claims[0].state), claims[0].state);
      assert.equal(claims[0].instanceId, h.liveInstances()[0].instanceId);

      // More invocations change nothing; once the node is up the pod runs there.
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      assert.equal(h.liveInstances().length, 1);
      h.advance(10_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run(); // registration lifts the unregistered taint
      h.settle();
      const pod = h.pods().find((p) => p.metadata.name === "api-0");
      assert.ok(pod?.spec.nodeName, "the pod is bound");
      assert.equal(h.nodes().length, 1);
    });
  }

  test("an abandoned intent whose pods are gone is closed, nothing launched", async () => {
    h.pod("gone-0", { cpu: "1" });
    const proc = { dead: false };
    const state = dying<StateStore>(h.state, proc, (m) => m === "createClaim");
    await new Provisioner(h.deps({ state }), { loopSeconds: 0 }).run().catch(() => {});
    h.deletePod("gone-0");
    h.advance(90_000);
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(h.liveInstances().length, 0);
    const [claim] = await h.claims(true);
    assert.equal(claim.state, "Terminated");
    assert.equal(claim.lastError, "PodsGone");
  });

  test("a young Pending claim counts as in-flight: no second launch while it could still land", async () => {
    h.pod("slow-0", { cpu: "1" });
    const proc = { dead: false };
    const state = dying<StateStore>(h.state, proc, (m) => m === "createClaim");
    await new Provisioner(h.deps({ state }), { loopSeconds: 0, leaseTtlMs: 1000 }).run().catch(() => {});
    h.advance(2_000); // lease gone, claim still young
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(h.liveInstances().length, 0, "no new capacity opened for the nominated pod");
    assert.equal((await h.claims()).length, 1);
  });
});
