/**
 * The Lambda wiring: environment → real clients → controllers, against the fake kube-apiserver (via `KUBECONFIG`),
 * dynalite and the AWS emulator (via the endpoint overrides); and the Powertools telemetry's EMF output.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { buildDeps, MissingEnvironmentError, readSettings } from "../../lambdas/wiring.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import { powertoolsTelemetry } from "../../lib/controllers/telemetry-powertools.js";
import { CLUSTER, defaultConfigYaml, startControllerHarness } from "../support/controller-harness.js";

function captureStdout<T>(fn: () => T): { out: string[]; value: T } {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { out, value: fn() };
  } finally {
    process.stdout.write = write;
  }
}

describe("lambda wiring", () => {
  test("settings come from the stack's environment names, with clear errors", () => {
    assert.throws(() => readSettings({}), MissingEnvironmentError);
    const base = { STEVEDORE_CLUSTER_NAME: "prod", STEVEDORE_TABLE: "t", STEVEDORE_INSTANCE_PROFILE: "node" };
    const s = readSettings({
      ...base,
      STEVEDORE_LOOP_SECONDS: "20",
      STEVEDORE_REBALANCE: "replace",
      AWS_REGION: "eu-west-1",
    });
    assert.deepEqual(s, {
      clusterName: "prod",
      region: "eu-west-1",
      table: "t",
      instanceProfile: "node",
      loopSeconds: 20,
      rebalance: "replace",
      featureGates: { spotToSpotConsolidation: false, nodeRepair: false },
      minValuesPolicy: "Strict",
      reaction: "seconds",
      observability: "lean",
    });
    const minute = readSettings({ ...base, STEVEDORE_REACTION: "minute", STEVEDORE_OBSERVABILITY: "lean" });
    assert.equal(minute.reaction, "minute");
    assert.equal(minute.observability, "lean");
    const gated = readSettings({ ...base, STEVEDORE_FEATURE_GATES: "SpotToSpotConsolidation=true" });
    assert.deepEqual(gated.featureGates, { spotToSpotConsolidation: true, nodeRepair: false });
    assert.throws(
      () => readSettings({ ...base, STEVEDORE_FEATURE_GATES: "Bogus=true" }),
      /STEVEDORE_FEATURE_GATES: unknown feature gate "Bogus"/,
    );
    const best = readSettings({ ...base, STEVEDORE_MIN_VALUES_POLICY: "BestEffort" });
    assert.equal(best.minValuesPolicy, "BestEffort");
    assert.equal(readSettings({ ...base, STEVEDORE_LOOP_SECONDS: "nope" }).loopSeconds, 50);
  });

  test("a cold start without the instance profile fails, naming the variable", () => {
    const { STEVEDORE_INSTANCE_PROFILE: _, ...env } = {
      STEVEDORE_CLUSTER_NAME: "prod",
      STEVEDORE_TABLE: "t",
      STEVEDORE_INSTANCE_PROFILE: "node",
    };
    assert.throws(
      () => readSettings(env),
      (err: Error) => err instanceof MissingEnvironmentError && /STEVEDORE_INSTANCE_PROFILE/.test(err.message),
    );
  });

  test("builds working controllers from local endpoints and config stored in DynamoDB", async () => {
    const h = await startControllerHarness();
    const dir = mkdtempSync(join(tmpdir(), "stevedore-wiring-"));
    const saved = { log: process.env.POWERTOOLS_LOG_LEVEL, metrics: process.env.POWERTOOLS_METRICS_DISABLED };
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
    try {
      const kubeconfig = join(dir, "kubeconfig");
      writeFileSync(kubeconfig, h.kube.kubeConfig.exportConfig());
      const yaml = defaultConfigYaml();
      for (const [i, doc] of yaml.split("---").entries()) {
        const kind = i === 0 ? "NodePool" : "NodeClass";
        await h.state.putConfig({ kind, name: "default", document: doc }, h.clock.now());
      }
      h.pod("web-0", { cpu: "1" });
      const { deps, settings } = await buildDeps("provisioner", {
        STEVEDORE_CLUSTER_NAME: CLUSTER,
        STEVEDORE_TABLE: h.state.tableName,
        STEVEDORE_INSTANCE_PROFILE: "stevedore-test-node",
        STEVEDORE_LOOP_SECONDS: "0",
        STEVEDORE_EC2_ENDPOINT: h.aws.endpoint,
        STEVEDORE_DYNAMODB_ENDPOINT: h.dynalite.endpoint,
        KUBECONFIG: kubeconfig,
        AWS_REGION: "us-east-1",
      });
      const config = await deps.config.load();
      assert.deepEqual(
        config.nodePools.map((p) => p.name),
        ["default"],
      );
      const r = await new Provisioner(deps, { loopSeconds: settings.loopSeconds }).run();
      assert.equal(r.launched.length, 1);
      assert.equal(h.liveInstances().length, 1);
      assert.deepEqual(h.aws.emulator.defaultEventBus.countsByDetailType(), { "Stevedore Launch": 1 });
      const events = h.kube.server.store.list("events").map((e) => (e as { reason?: string }).reason);
      assert.deepEqual(events, ["Nominated"], "the wiring gives the controllers an event recorder");
    } finally {
      process.env.POWERTOOLS_LOG_LEVEL = saved.log;
      process.env.POWERTOOLS_METRICS_DISABLED = saved.metrics;
      if (saved.log === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      if (saved.metrics === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
      rmSync(dir, { recursive: true, force: true });
      await h.close();
    }
  });

  test("the provisioner's EMF output carries the fleet's and each pool's $/hour", async () => {
    const h = await startControllerHarness();
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const saved = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    try {
      const telemetry = powertoolsTelemetry({ serviceName: "stevedore", defaultDimensions: { cluster: CLUSTER } });
      h.pod("web-0", { cpu: "1" });
      process.stdout.write = ((chunk: string | Uint8Array) => {
        out.push(String(chunk));
        return true;
      }) as typeof process.stdout.write;
      await new Provisioner(h.deps({ telemetry }), { loopSeconds: 0 }).run();
      await new Provisioner(h.deps({ telemetry }), { loopSeconds: 0 }).run();
    } finally {
      process.stdout.write = write;
      process.env.POWERTOOLS_LOG_LEVEL = saved;
      if (saved === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      await h.close();
    }
    const emf = out
      .join("")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => "_aws" in l);
    const pool = emf.filter((l) => "PoolCostPerHour" in l);
    assert.ok(pool.length >= 2, "one point per pass");
    const last = pool[pool.length - 1];
    assert.equal(last.pool, "default");
    assert.equal(last.cluster, CLUSTER);
    assert.ok((last.PoolCostPerHour as number) > 0, "the launched node's price");
    const fleet = emf.filter((l) => "FleetCostPerHour" in l);
    assert.equal(fleet[fleet.length - 1].FleetCostPerHour, last.PoolCostPerHour, "one pool: fleet = pool");
  });

  test("Powertools telemetry writes EMF metrics with their dimensions and JSON logs", () => {
    const { out } = captureStdout(() => {
      const t = powertoolsTelemetry({ serviceName: "stevedore-test", defaultDimensions: { cluster: "c1" } });
      t.metrics.add("NodesLaunched", 1, "Count", { pool: "default" });
      t.metrics.add("PendingPods", 3);
      t.metrics.flush();
      t.logger.info("launched node", { claimId: "default-1" });
    });
    const lines = out
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const emf = lines.filter((l) => "_aws" in l);
    const launched = emf.find((l) => "NodesLaunched" in l);
    assert.equal(launched?.pool, "default");
    assert.equal(launched?.cluster, "c1");
    const pending = emf.find((l) => "PendingPods" in l);
    assert.equal(pending?.PendingPods, 3);
    assert.equal(pending?.pool, undefined, "dimensions do not leak between points");
    const log = lines.find((l) => l.message === "launched node");
    assert.equal(log?.claimId, "default-1");
  });
});
