/**
 * The watcher's Lambda wiring: its settings, and a watcher built from the environment that watches the fake
 * kube-apiserver (via `KUBECONFIG`) and invokes the provisioner synchronously through a local stand-in of the Lambda Invoke API
 * (`STEVEDORE_LAMBDA_ENDPOINT`, else `STEVEDORE_EC2_ENDPOINT`).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { buildWatcherDeps, MissingEnvironmentError, readWatcherSettings } from "../../lambdas/wiring.js";
import { PendingWatcher } from "../../lib/controllers/pending-watcher.js";
import { startFakeKube } from "../support/kube.js";

const BASE = { STEVEDORE_CLUSTER_NAME: "c", STEVEDORE_TABLE: "t", STEVEDORE_INSTANCE_PROFILE: "node" };

describe("watcher wiring", () => {
  let server: Server;
  let endpoint: string;
  const invokes: { path: string; type: string | undefined; body: string }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        invokes.push({
          path: decodeURIComponent(req.url ?? ""),
          type: req.headers["x-amz-invocation-type"] as string | undefined,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ passes: 1 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("settings: the provisioner function is required, the watch lasts 62 s unless set", () => {
    assert.throws(
      () => readWatcherSettings({}),
      (err: Error) => err instanceof MissingEnvironmentError && /STEVEDORE_PROVISIONER_FUNCTION/.test(err.message),
    );
    assert.deepEqual(readWatcherSettings({ STEVEDORE_PROVISIONER_FUNCTION: "p" }), {
      provisionerFunction: "p",
      watchSeconds: 62,
    });
    assert.equal(
      readWatcherSettings({ STEVEDORE_PROVISIONER_FUNCTION: "p", STEVEDORE_WATCH_SECONDS: "30" }).watchSeconds,
      30,
    );
  });

  for (const endpointVariable of ["STEVEDORE_LAMBDA_ENDPOINT", "STEVEDORE_EC2_ENDPOINT"]) {
    test(`a watcher from the environment invokes the provisioner for a pending pod (${endpointVariable})`, async () => {
      const kube = await startFakeKube();
      const dir = mkdtempSync(join(tmpdir(), "stevedore-watcher-wiring-"));
      const saved = { log: process.env.POWERTOOLS_LOG_LEVEL, metrics: process.env.POWERTOOLS_METRICS_DISABLED };
      process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
      process.env.POWERTOOLS_METRICS_DISABLED = "true";
      invokes.length = 0;
      try {
        const kubeconfig = join(dir, "kubeconfig");
        writeFileSync(kubeconfig, kube.kubeConfig.exportConfig());
        kube.server.store.put("pods", {
          metadata: { name: "web-0", namespace: "default" },
          spec: { containers: [{ name: "c" }] },
          status: {
            phase: "Pending",
            conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
          },
        });
        const { deps, settings } = await buildWatcherDeps({
          ...BASE,
          STEVEDORE_PROVISIONER_FUNCTION: "stevedore-provisioner",
          STEVEDORE_WATCH_SECONDS: "1",
          [endpointVariable]: endpoint,
          KUBECONFIG: kubeconfig,
          AWS_REGION: "us-east-1",
        });
        const result = await new PendingWatcher(deps, { watchSeconds: settings.watchSeconds }).run();
        assert.equal(result.triggers, 1, JSON.stringify(result));
        assert.deepEqual(
          invokes.map((i) => [i.path, i.type, JSON.parse(i.body)]),
          [
            [
              "/2015-03-31/functions/stevedore-provisioner/invocations",
              "RequestResponse",
              { source: "stevedore.watcher", reason: "pods", count: 1 },
            ],
          ],
        );
      } finally {
        process.env.POWERTOOLS_LOG_LEVEL = saved.log;
        process.env.POWERTOOLS_METRICS_DISABLED = saved.metrics;
        if (saved.log === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
        if (saved.metrics === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
        rmSync(dir, { recursive: true, force: true });
        await kube.close();
      }
    });
  }
});
