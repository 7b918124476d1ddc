import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readSettings, readWatcherSettings } from "../../lambdas/wiring.js";
import { DEFAULT_DRAIN_BUDGET_MS } from "../../lib/controllers/interruption.js";
import { METRIC } from "../../lib/controllers/telemetry.js";
import { CONTROLLER_ENV } from "../../lib/infra/controller-env.js";
import { INTERRUPTION_TIMEOUT } from "../../lib/infra/controller-functions.js";
import { REPO_ROOT } from "../../lib/infra/lambda-entries.js";
import { DIMENSIONS, METRICS, METRICS_NAMESPACE } from "../../lib/infra/metrics-names.js";
import { build, stubRoot } from "./helpers.js";

describe("metrics contract between the controllers and the dashboard/alarms", () => {
  it("every metric the dashboard and alarms read is one the controllers publish", () => {
    const published = new Set<string>(Object.values(METRIC));
    const missing = Object.values(METRICS)
      .map((m) => m.name)
      .filter((name) => !published.has(name));
    assert.deepEqual(
      missing,
      [],
      `lib/controllers/telemetry.ts METRIC lacks ${missing.join(", ")} (lib/infra/metrics-names.ts)`,
    );
  });

  it("names and dimensions are CloudWatch-valid and the namespace is Stevedore", () => {
    assert.equal(METRICS_NAMESPACE, "Stevedore");
    for (const spec of Object.values(METRICS)) {
      assert.match(spec.name, /^[A-Za-z][A-Za-z0-9]{0,254}$/);
      assert.ok(spec.total || spec.breakdown, `${spec.name} is published somehow`);
    }
    for (const d of Object.values(DIMENSIONS)) assert.match(d, /^[A-Za-z][A-Za-z0-9]*$/);
  });
});

describe("environment contract between the stack and the Lambda wiring", () => {
  it("every STEVEDORE_* variable the controller Lambdas read is one the stack sets (local endpoint overrides aside)", () => {
    const dir = join(REPO_ROOT, "lambdas");
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ts") && f !== "cluster-access.ts") : [];
    const set = new Set<string>(Object.values(CONTROLLER_ENV));
    for (const file of files) {
      const text = readFileSync(join(dir, file), "utf8");
      for (const [name] of text.matchAll(/STEVEDORE_[A-Z0-9_]+/g)) {
        if (name.endsWith("_ENDPOINT")) continue;
        assert.ok(
          set.has(name),
          `lambdas/${file} reads ${name}, which the stack does not set (lib/infra/controller-env.ts)`,
        );
      }
    }
  });
});

/** Reads `env` through `readSettings`, recording every name it looks up. */
function namesRead(env: Record<string, string>, watcher = false): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === "string") read.add(name);
      return Reflect.get(target, name);
    },
  });
  readSettings(recording);
  if (watcher) readWatcherSettings(recording);
  return read;
}

describe("every variable the stack sets is read by the wiring, and the other way round", () => {
  it("holds for each controller function of a stack with every optional setting on", () => {
    const root = stubRoot();
    try {
      const { json } = build({ configSource: "ssm" }, root.root);
      const functions = Object.entries(json.Resources).filter(
        ([id, r]) => r.Type === "AWS::Lambda::Function" && id.startsWith("Controllers"),
      );
      assert.equal(functions.length, 5, "provisioner, disruptor, interruption, gc and (reaction seconds) watcher");
      // Only the watcher gets these; the others may look them up and find them unset.
      const watcherOnly = new Set<string>([CONTROLLER_ENV.provisionerFunction, CONTROLLER_ENV.watchSeconds]);
      for (const [id, r] of functions) {
        const env = (r.Properties?.Environment as { Variables: Record<string, string> } | undefined)?.Variables ?? {};
        // NODE_OPTIONS is read by Node itself; Lambda sets AWS_REGION and AWS_DEFAULT_REGION.
        const set = Object.keys(env)
          .filter((n) => n !== "NODE_OPTIONS")
          .sort();
        const read = [...namesRead({ ...env, AWS_REGION: "us-east-1" }, id.includes("Watcher"))]
          .filter((n) => !n.startsWith("AWS_") && (n in env || !watcherOnly.has(n)))
          .sort();
        assert.deepEqual(read, set, `${id}: variables set by the stack vs read by lambdas/wiring.ts:readSettings`);
      }
    } finally {
      root.cleanup();
    }
  });
});

describe("timeout contract between the interruption Lambda and its controller", () => {
  it("lets a drain run its whole budget, within the two-minute spot notice", () => {
    const timeoutMs = INTERRUPTION_TIMEOUT.toMilliseconds();
    assert.ok(
      timeoutMs >= DEFAULT_DRAIN_BUDGET_MS + 10_000,
      `timeout ${timeoutMs} ms leaves room after the drain budget`,
    );
    assert.ok(timeoutMs <= 120_000, "no longer than the spot notice");
  });
});
