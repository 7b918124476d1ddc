import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { METRIC } from "../../lib/controllers/telemetry.js";
import { DIMENSIONS, METRICS, METRICS_NAMESPACE } from "../../lib/infra/metrics-names.js";

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
