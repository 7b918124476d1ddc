/**
 * Batched launches through the real provisioner, the AWS emulator, dynalite and the fake kube-apiserver: identical
 * new nodes of one solve go out as one CreateFleet with no per-instance call on the launch path, each instance ends up
 * owned by exactly one claim, a crash at any step (after the intents, after CreateFleet, after some claim records) is
 * repaired by recovery without a second launch and without an unowned instance, and the garbage collector later tags
 * each instance with its claim.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { CreateFleetCommand, type CreateFleetCommandInput } from "@aws-sdk/client-ec2";
import { GarbageCollector } from "../../lib/controllers/gc.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { TAG_STEVEDORE_CLAIM, TAG_STEVEDORE_LAUNCH_BATCH } from "../../lib/core/well-known.js";
import type { StateStore } from "../../lib/state/types.js";
import { type ControllerHarness, startControllerHarness } from "../support/controller-harness.js";

class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

/** One pod per node: a hard anti-affinity on the hostname within the group. */
function spreadPods(h: ControllerHarness, group: string, n: number, zone?: string): void {
  for (let i = 0; i < n; i++) {
    h.pod(`${group}-${i}`, {
      cpu: "500m",
      labels: { app: group },
      extra: {
        ...(zone ? { nodeSelector: { "topology.kubernetes.io/zone": zone } } : {}),
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: group } }, topologyKey: "kubernetes.io/hostname" },
            ],
          },
        },
      },
    });
  }
}

/** Records CreateFleet inputs; `crashAfter` makes the process die after a matching call took effect. */
function watchEc2(h: ControllerHarness, crashAfter?: (cmd: unknown, calls: Map<string, number>) => boolean) {
  const fleets: CreateFleetCommandInput[] = [];
  const calls = new Map<string, number>();
  const proc = { dead: false };
  const ec2 = h.aws.ec2;
  const send = ec2.send.bind(ec2) as (cmd: unknown) => Promise<unknown>;
  const patched = async (cmd: unknown) => {
    if (proc.dead) throw new SimulatedCrash("process is dead");
    const name = (cmd as object).constructor.name;
    calls.set(name, (calls.get(name) ?? 0) + 1);
    if (cmd instanceof CreateFleetCommand) fleets.push(cmd.input);
    const out = await send(cmd);
    if (crashAfter?.(cmd, calls)) {
      proc.dead = true;
      throw new SimulatedCrash(`crash after ${name}`);
    }
    return out;
  };
  (ec2 as unknown as { send: typeof patched }).send = patched;
  return {
    fleets,
    proc,
    restore: () => {
      (ec2 as unknown as { send: typeof send }).send = send;
    },
  };
}

/** Every live instance recorded by exactly one live claim, and no claim with two instances. */
async function assertOwned(h: ControllerHarness, n: number): Promise<void> {
  const live = h.aws.emulator
    .instances()
    .filter((i) => i.state === "pending" || i.state === "running")
    .filter((i) => i.tags[TAG_STEVEDORE_LAUNCH_BATCH] !== undefined || i.tags[TAG_STEVEDORE_CLAIM] !== undefined);
  assert.equal(live.length, n, "exactly n instances");
  const claims = (await h.claims()).filter((c) => c.instanceId !== undefined);
  const owners = new Map<string, string[]>();
  for (const c of claims) owners.set(c.instanceId as string, [...(owners.get(c.instanceId as string) ?? []), c.id]);
  for (const i of live) {
    const mine = owners.get(i.instanceId) ?? [];
    assert.equal(mine.length, 1, `instance ${i.instanceId} is recorded by exactly one live claim`);
    const claim = claims.find((c) => c.id === mine[0]);
    assert.ok(claim && ["Launched", "Registered", "Initialized"].includes(claim.state), claim?.state);
    const tag = i.tags[TAG_STEVEDORE_CLAIM];
    assert.ok(tag === undefined || tag === claim.id, `instance ${i.instanceId} is tagged with its own claim`);
  }
  assert.equal(claims.length, n, "no claim records an instance that is gone");
}

describe("batched launches", () => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = await startControllerHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  test("10 identical nodes: one CreateFleet for 10, and 10 claims each with its own instance", async () => {
    spreadPods(h, "web", 10);
    const watch = watchEc2(h);
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(watch.fleets.length, 1, "one CreateFleet call");
    assert.equal(watch.fleets[0].TargetCapacitySpecification?.TotalTargetCapacity, 10);
    assert.equal(h.aws.emulator.callCounts()["ec2:CreateFleet"], 1);
    assert.equal(h.aws.emulator.callCounts()["ec2:CreateTags"] ?? 0, 0, "no per-instance call on the launch path");
    await assertOwned(h, 10);
    const claims = await h.claims();
    assert.equal(new Set(claims.map((c) => c.batchId)).size, 1, "one batch id on every claim");
    assert.equal(new Set(claims.map((c) => c.pods[0])).size, 10, "each claim keeps its own pod");
  });

  test("the garbage collector tags each batch instance with its claim, a bounded number per run", async () => {
    spreadPods(h, "web", 10);
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const first = await new GarbageCollector(h.deps(), { maxClaimTagsPerRun: 6 }).run();
    assert.equal(first.taggedInstances.length, 6);
    assert.deepEqual(first.terminatedInstances, []);
    const second = await new GarbageCollector(h.deps(), { maxClaimTagsPerRun: 6 }).run();
    assert.equal(second.taggedInstances.length, 4, "only the ones still untagged");
    const byInstance = new Map((await h.claims()).map((c) => [c.instanceId, c.id]));
    const live = h.liveInstances();
    assert.equal(live.length, 10);
    for (const i of live) assert.equal(i.tags[TAG_STEVEDORE_CLAIM], byInstance.get(i.instanceId));
    h.advance(600_000);
    const later = await new GarbageCollector(h.deps()).run();
    assert.deepEqual(later.terminatedInstances, [], "recorded batch instances are never leaked");
  });

  test("an untagged batch instance no claim records is leaked once no claim of its batch is pending", async () => {
    spreadPods(h, "web", 3);
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const [victim] = await h.claims();
    await h.state.updateClaim(victim, { state: "Terminated", terminatedAt: h.clock.now(), lastError: "test" });
    h.advance(600_000);
    const gc = await new GarbageCollector(h.deps()).run();
    assert.deepEqual(gc.terminatedInstances, [victim.instanceId]);
  });

  test("two different shapes: two CreateFleet calls", async () => {
    spreadPods(h, "a", 3, "us-east-1a");
    spreadPods(h, "b", 3, "us-east-1b");
    const watch = watchEc2(h);
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    assert.equal(watch.fleets.length, 2);
    assert.deepEqual(watch.fleets.map((f) => f.TargetCapacitySpecification?.TotalTargetCapacity).sort(), [3, 3]);
    await assertOwned(h, 6);
  });

  const crashes: {
    name: string;
    ec2?: (cmd: unknown, calls: Map<string, number>) => boolean;
    intents?: boolean;
    /** Crash after this many claims were recorded Launched. */
    records?: number;
  }[] = [
    { name: "after the intents", intents: true },
    { name: "after CreateFleet", ec2: (cmd) => cmd instanceof CreateFleetCommand },
    { name: "after half the claim records", records: 5 },
  ];
  for (const crash of crashes) {
    test(`crash ${crash.name}: recovery leaves exactly 10 instances, each owned by one claim`, async () => {
      spreadPods(h, "web", 10);
      const watch = watchEc2(h, crash.ec2);
      let records = 0;
      const dyingState = new Proxy(h.state, {
        get(obj, prop, receiver) {
          const value = Reflect.get(obj, prop, receiver);
          if (typeof value !== "function") return value;
          return async (...args: unknown[]) => {
            if (watch.proc.dead) throw new SimulatedCrash("process is dead");
            const out = await value.apply(obj, args);
            if (crash.intents && prop === "createClaims") {
              watch.proc.dead = true;
              throw new SimulatedCrash("crash after createClaims");
            }
            if (prop === "updateClaim" && (args[1] as { state?: string }).state === "Launched") records++;
            if (crash.records !== undefined && records === crash.records) {
              watch.proc.dead = true;
              throw new SimulatedCrash("crash after some claim records");
            }
            return out;
          };
        },
      }) as StateStore;
      await new Provisioner(h.deps({ state: dyingState }), { loopSeconds: 0 })
        .run()
        .catch((err: unknown) => assert.ok(err instanceof SimulatedCrash, String(err)));
      assert.equal(watch.proc.dead, true, "the crash happened");
      watch.restore();

      h.advance(90_000);
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      await assertOwned(h, 10);
      assert.equal(h.aws.emulator.callCounts()["ec2:CreateFleet"], 1, "never launched twice");
      await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
      await assertOwned(h, 10);
    });
  }

  test("partial fulfilment: unfilled claims are closed and their pods planned again", async () => {
    h.aws.emulator.setCapacity({ capacity: 0 });
    h.aws.emulator.setCapacity({ instanceType: "m5.large", zone: "us-east-1a", capacityType: "spot", capacity: 3 });
    spreadPods(h, "web", 10);
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const all = await h.claims(true);
    const closed = all.filter((c) => c.state === "Terminated");
    assert.ok(closed.length > 0, "some claims were closed");
    assert.ok(
      closed.every((c) => c.lastError === "InsufficientCapacityError"),
      JSON.stringify(closed),
    );
    const launched = all.filter((c) => c.state !== "Terminated");
    assert.equal(launched.length, 3, "the three instances the fleet could launch");
    assert.equal(h.liveInstances().length, 3);

    h.aws.emulator.clearCapacityLimits();
    h.advance(240_000);
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    await assertOwned(h, 10);
  });
});
